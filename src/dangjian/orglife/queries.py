"""Reads of organizational life: compliance derived from the meetings held, the branch calendar,
the drill-down, and the figures other modules use (attendance, inactive organizations).

Compliance is computed, never stored. For any set of organizations and a year it costs a fixed
number of queries, whatever the number of organizations and meetings: the organizations (one),
the requirements in force (one), the meetings per organization, kind and month (one aggregate),
the appraisals (one) and the reminder lead time (one).

Rules of the computation:

- A requirement applies to an organization by level, sector and whether it has a committee;
  a period is judged by the version of the requirement in force on its first day.
- An organization owes a period only if it existed for the whole of it: established on or
  before the first day, not dissolved before the day after the last. A branch founded or
  dissolved mid-period owes the periods after (before) that one, and nothing else.
- A held meeting counts for every kind it was recorded as. When the requirement has a quorum
  rule, only meetings that met it count; the others show as held without a quorum.
- Status: ``done`` when enough meetings count; otherwise ``overdue`` after the period ends,
  ``due_soon`` within the reminder lead time before its end, ``open`` earlier in the period,
  and ``upcoming`` for periods not begun.
- A rate is done ÷ due over the periods that have ended (a period still running is shown
  beside it, not counted against anyone).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core import parameters, tree
from dangjian.orglife.models import (
    Appraisal,
    Attendance,
    Meeting,
    MeetingKindEntry,
    MeetingRequirement,
    Quorum,
    RequirementKind,
)
from dangjian.orglife.periods import Period, month_number, periods_of

LEAD_KEY = "orglife.reminder_lead_days"


class Status:
    DONE = "done"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    OPEN = "open"
    UPCOMING = "upcoming"


STATUS_LABELS = {
    Status.DONE: _("Done"),
    Status.DUE_SOON: _("Due soon"),
    Status.OVERDUE: _("Overdue"),
    Status.OPEN: _("Not yet due"),
    Status.UPCOMING: _("Upcoming"),
}
STATUS_CSS = {
    Status.DONE: "success",
    Status.DUE_SOON: "warning",
    Status.OVERDUE: "danger",
    Status.OPEN: "secondary",
    Status.UPCOMING: "light",
}
ORG_FIELDS = ("id", "path", "name", "level", "sector", "has_committee", "established_on", "dissolved_on")


@dataclass(frozen=True)
class OrgInfo:
    """What compliance needs of an organization (read with ``values``, no model instances)."""

    id: int
    path: str
    name: str
    level: str
    sector: str
    has_committee: bool
    established_on: dt.date | None
    dissolved_on: dt.date | None

    def owes(self, period: Period) -> bool:
        """Whether the organization existed for the whole period."""
        if self.established_on is not None and self.established_on > period.start:
            return False
        return self.dissolved_on is None or self.dissolved_on > period.end


@dataclass
class Cell:
    """One organization, one requirement, one period: what was required, held and counted."""

    org_id: int
    kind: str
    period: Period
    required: int
    quorum: str
    held: int = 0
    counted: int = 0
    planned: int = 0
    status: str = Status.OPEN

    @property
    def missing(self) -> int:
        return max(0, self.required - self.counted)

    @property
    def without_quorum(self) -> int:
        return self.held - self.counted

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def css(self) -> str:
        return STATUS_CSS[self.status]

    @property
    def kind_label(self) -> str:
        return str(RequirementKind(self.kind).label)


def status_of(period: Period, required: int, counted: int, on: dt.date, lead_days: int) -> str:
    if period.start > on:
        return Status.UPCOMING
    if counted >= required:
        return Status.DONE
    if period.end < on:
        return Status.OVERDUE
    if (period.end - on).days < lead_days:
        return Status.DUE_SOON
    return Status.OPEN


# --- The inputs -----------------------------------------------------------------------------------
def requirements_between(start: dt.date, end: dt.date) -> list[MeetingRequirement]:
    """Every version of every requirement in force at some time between ``start`` and ``end``: one query."""
    return list(
        MeetingRequirement.objects.filter(effective_from__lte=end)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start))
        .order_by("kind", "effective_from", "id")
    )


def org_infos(orgs) -> list[OrgInfo]:
    """``orgs`` (a queryset) as :class:`OrgInfo` rows in path order: one query."""
    return [OrgInfo(**row) for row in orgs.order_by("path").values(*ORG_FIELDS)]


def meeting_counts(paths: list[str], first_month: int, last_month: int, org_ids: set[int] | None = None):
    """``{(org_id, kind): {month: [held, full quorum, majority quorum, planned]}}``: one aggregate query."""
    query = tree.subtrees_q("org_path", paths)
    found: dict[tuple[int, str], dict[int, list[int]]] = defaultdict(dict)
    if query is None:
        return found
    rows = (
        MeetingKindEntry.objects.filter(query, month__gte=first_month, month__lte=last_month)
        .exclude(state=Meeting.State.CANCELLED)
        .values_list("org_id", "kind", "month", "state")
        .annotate(
            n=Count("id"),
            full=Count("id", filter=Q(full_quorum=True)),
            majority=Count("id", filter=Q(majority_quorum=True)),
        )
        .order_by()
    )
    for org_id, kind, month, state, n, full, majority in rows:
        if org_ids is not None and org_id not in org_ids:
            continue
        slot = found[(org_id, kind)].setdefault(month, [0, 0, 0, 0])
        if state == Meeting.State.HELD:
            slot[0] += n
            slot[1] += full
            slot[2] += majority
        else:
            slot[3] += n
    return found


def appraisal_counts(paths: list[str], year: int) -> dict[int, list[int]]:
    """``{org_id: [decided, open]}`` for the appraisals of ``year``: one query."""
    query = tree.subtrees_q("org_path", paths)
    if query is None:
        return {}
    found: dict[int, list[int]] = {}
    for org_id, state in Appraisal.objects.filter(query, year=year).values_list("org_id", "state"):
        found[org_id] = [1, 0] if state == Appraisal.State.DECIDED else [0, 1]
    return found


# --- The engine -----------------------------------------------------------------------------------
class Obligations:
    """Which requirement each kind of organization owes in each period of a year.

    Organizations of the same level, sector and committee owe the same; the answer is worked
    out once per such combination.
    """

    def __init__(self, requirements: list[MeetingRequirement], year: int, kinds: Iterable[str] | None = None):
        self.year = year
        wanted = set(kinds) if kinds else None
        self.by_kind: dict[str, list[MeetingRequirement]] = defaultdict(list)
        for requirement in requirements:
            if wanted is None or requirement.kind in wanted:
                self.by_kind[requirement.kind].append(requirement)
        self._periods: dict[str, list[Period]] = {}
        self._cache: dict[tuple[str, str, bool], list[tuple[str, Period, MeetingRequirement]]] = {}

    def periods(self, kind: str) -> list[Period]:
        if kind not in self._periods:
            self._periods[kind] = periods_of(kind, self.year)
        return self._periods[kind]

    def for_org(self, org: OrgInfo) -> list[tuple[str, Period, MeetingRequirement]]:
        signature = (org.level, org.sector, org.has_committee)
        found = self._cache.get(signature)
        if found is None:
            found = []
            for kind, versions in self.by_kind.items():
                applying = [r for r in versions if r.applies_to(*signature)]
                if not applying:
                    continue
                # One requirement per kind and period: the latest version in force on the period's
                # first day (versions are sorted by effective date). Periods of another length
                # (a rule changed from monthly to quarterly) are judged by their own version.
                periods_seen: set[Period] = set()
                for requirement in reversed(applying):
                    for period in self.periods(requirement.period):
                        if period in periods_seen or not requirement.in_force(period.start):
                            continue
                        if any(_overlaps(period, p) for p in periods_seen):
                            continue
                        periods_seen.add(period)
                        found.append((kind, period, requirement))
            found.sort(key=lambda item: (item[0], item[1].start))
            self._cache[signature] = found
        return found


def _overlaps(a: Period, b: Period) -> bool:
    return a.start <= b.end and b.start <= a.end


def compute_cells(
    orgs: list[OrgInfo],
    year: int,
    on: dt.date,
    *,
    paths: list[str] | None = None,
    kinds: Iterable[str] | None = None,
    requirements: list[MeetingRequirement] | None = None,
    lead_days: int | None = None,
) -> list[Cell]:
    """Every cell owed by ``orgs`` in ``year``, with its status on ``on``. Four queries at most."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if requirements is None:
        requirements = requirements_between(start, end)
    if lead_days is None:
        lead_days = parameters.get(LEAD_KEY, on)
    obligations = Obligations(requirements, year, kinds)
    if not orgs or not obligations.by_kind:
        return []
    paths = paths if paths is not None else tree.collapse(o.path for o in orgs)
    ids = {o.id for o in orgs}
    counts = meeting_counts(paths, month_number(start), month_number(end), ids if len(ids) < 50 else None)
    appraisals = appraisal_counts(paths, year) if RequirementKind.APPRAISAL in obligations.by_kind else {}
    cells: list[Cell] = []
    for org in orgs:
        for kind, period, requirement in obligations.for_org(org):
            if not org.owes(period):
                continue
            if kind == RequirementKind.APPRAISAL:
                decided, pending = appraisals.get(org.id, (0, 0))
                held = counted = decided
                planned = pending
            else:
                by_month = counts.get((org.id, kind))
                held = counted = planned = 0
                if by_month:
                    column = 1 if requirement.quorum == Quorum.FULL_MEMBERS else 2
                    for month in period.months:
                        slot = by_month.get(month)
                        if slot:
                            held += slot[0]
                            counted += slot[0] if requirement.quorum == Quorum.NONE else slot[column]
                            planned += slot[3]
            cells.append(
                Cell(
                    org_id=org.id,
                    kind=kind,
                    period=period,
                    required=requirement.minimum,
                    quorum=requirement.quorum,
                    held=held,
                    counted=counted,
                    planned=planned,
                    status=status_of(period, requirement.minimum, counted, on, lead_days),
                )
            )
    return cells


# --- The subtree table ------------------------------------------------------------------------------
@dataclass
class Tally:
    """Cells added up: ``due`` are the cells of ended periods, ``done`` those of them that were met."""

    due: int = 0
    done: int = 0
    due_soon: int = 0
    open: int = 0
    current_done: int = 0

    def add(self, cell: Cell, on: dt.date) -> None:
        if cell.period.end < on:
            self.due += 1
            if cell.status == Status.DONE:
                self.done += 1
        elif cell.period.start <= on:
            if cell.status == Status.DONE:
                self.current_done += 1
            elif cell.status == Status.DUE_SOON:
                self.due_soon += 1
            else:
                self.open += 1

    @property
    def rate(self) -> float | None:
        return self.done / self.due if self.due else None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.0f}%"

    @property
    def overdue(self) -> int:
        return self.due - self.done

    @property
    def css(self) -> str:
        if self.rate is None:
            return "secondary"
        return "success" if self.rate >= 0.95 else "warning" if self.rate >= 0.8 else "danger"


@dataclass
class TableRow:
    key: str
    label: str
    org_id: int | None = None
    sector: str = ""
    organizations: int = 0
    by_kind: dict[str, Tally] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)

    def tally(self, kind: str) -> Tally:
        found = self.by_kind.get(kind)
        if found is None:
            found = self.by_kind[kind] = Tally()
        return found


@dataclass
class ComplianceTable:
    root: Any
    year: int
    on: dt.date
    kinds: list[tuple[str, str]]
    groups: list[TableRow]
    sectors: list[TableRow]
    total: TableRow
    lead_days: int


def as_of(year: int, today: dt.date | None = None) -> dt.date:
    """The day a year is judged on: today for the current year, the year's end for a past one."""
    today = today or timezone.localdate()
    return min(today, dt.date(year, 12, 31)) if year <= today.year else dt.date(year, 1, 1) - dt.timedelta(days=1)


def subtree_orgs(visible_orgs, root, year: int):
    """Organizations of ``root``'s subtree that existed at some time during ``year`` (a queryset)."""
    return (
        visible_orgs.filter(tree.subtree_q("path", root.path))
        .filter(Q(established_on__isnull=True) | Q(established_on__lte=dt.date(year, 12, 31)))
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=dt.date(year, 1, 1)))
    )


def compliance_table(visible_orgs, root, year: int, on: dt.date | None = None) -> ComplianceTable:
    """Rates per child of ``root`` (per township, at the district) and per sector: five queries."""
    from dangjian.organizations.models import Sector

    on = on or as_of(year)
    orgs = org_infos(subtree_orgs(visible_orgs, root, year))
    lead_days = parameters.get(LEAD_KEY, on)
    cells = compute_cells(orgs, year, on, paths=[root.path], lead_days=lead_days)
    by_id = {o.id: o for o in orgs}
    width = len(root.path) + tree.STEP
    children = {o.path: o for o in orgs if len(o.path) == width}
    groups: dict[str, TableRow] = {}
    sectors: dict[str, TableRow] = {}
    total = TableRow("total", str(_("Total")), org_id=root.pk)
    sector_labels = dict(Sector.choices)
    counted_orgs: dict[str, set[int]] = defaultdict(set)
    kinds_seen: set[str] = set()
    for cell in cells:
        org = by_id[cell.org_id]
        key = org.path[:width] if len(org.path) >= width else org.path
        group = groups.get(key)
        if group is None:
            head = children.get(key)
            if head is not None:
                group = groups[key] = TableRow(key, head.name, org_id=head.id)
            else:  # the root's own obligations
                group = groups[key] = TableRow(key, str(_("%(name)s itself") % {"name": root.name}), org_id=root.pk)
        sector = sectors.get(org.sector)
        if sector is None:
            sector = sectors[org.sector] = TableRow(
                org.sector, str(sector_labels.get(org.sector, org.sector)), org_id=root.pk, sector=org.sector
            )
        kinds_seen.add(cell.kind)
        for row in (group, sector, total):
            row.tally(cell.kind).add(cell, on)
            row.total.add(cell, on)
            counted_orgs[f"{row.key}:{row.sector}"].add(cell.org_id)
    for row in [*groups.values(), *sectors.values(), total]:
        row.organizations = len(counted_orgs[f"{row.key}:{row.sector}"])
    kinds = [(k, str(label)) for k, label in RequirementKind.choices if k in kinds_seen]
    return ComplianceTable(
        root=root,
        year=year,
        on=on,
        kinds=kinds,
        groups=sorted(groups.values(), key=lambda r: r.key),
        sectors=sorted(
            sectors.values(), key=lambda r: list(sector_labels).index(r.key) if r.key in sector_labels else 99
        ),
        total=total,
        lead_days=lead_days,
    )


@dataclass
class DrillRow:
    org: OrgInfo
    cells: list[Cell]
    tally: Tally


def compliance_drilldown(
    visible_orgs,
    root,
    year: int,
    *,
    kind: str = "",
    sector: str = "",
    status: str = "",
    on: dt.date | None = None,
) -> tuple[list[DrillRow], list[Period]]:
    """The organizations behind a rate, each with its periods: five queries.

    ``status`` keeps only organizations with at least one cell in that status (``overdue``: the
    ones that missed something).
    """
    on = on or as_of(year)
    qs = subtree_orgs(visible_orgs, root, year)
    if sector:
        qs = qs.filter(sector=sector)
    orgs = org_infos(qs)
    cells = compute_cells(orgs, year, on, paths=[root.path], kinds=[kind] if kind else None)
    by_org: dict[int, list[Cell]] = defaultdict(list)
    periods: dict[Period, None] = {}
    for cell in cells:
        by_org[cell.org_id].append(cell)
        if kind:
            periods[cell.period] = None
    rows = []
    for org in orgs:
        mine = by_org.get(org.id)
        if not mine:
            continue
        if status and not any(c.status == status for c in mine):
            continue
        tally = Tally()
        for cell in mine:
            tally.add(cell, on)
        rows.append(DrillRow(org, mine, tally))
    return rows, sorted(periods)


# --- A branch's calendar --------------------------------------------------------------------------
@dataclass
class CalendarMonth:
    number: int  # YYYYMM
    meetings: list[Meeting]
    cells: list[Cell]  # the obligations whose period ends in this month

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.number // 100, self.number % 100, 1)


def branch_calendar(org, year: int, on: dt.date | None = None) -> tuple[list[CalendarMonth], list[Cell]]:
    """Twelve months of one organization: its meetings and the periods ending in each month. Five queries."""
    on = on or timezone.localdate()
    info = OrgInfo(**{name: getattr(org, name) for name in ORG_FIELDS})
    cells = compute_cells([info], year, on, paths=[org.path])
    meetings = list(Meeting.objects.filter(org=org, held_on__year=year).order_by("held_on", "starts_at", "id"))
    months = {
        month_number(dt.date(year, m, 1)): CalendarMonth(month_number(dt.date(year, m, 1)), [], [])
        for m in range(1, 13)
    }
    for meeting in meetings:
        months[meeting.month].meetings.append(meeting)
    for cell in cells:
        months[month_number(cell.period.end)].cells.append(cell)
    return list(months.values()), cells


def current_cells(org, on: dt.date | None = None) -> list[Cell]:
    """The periods of ``org`` running on ``on`` (what the secretary should hold now): four queries."""
    on = on or timezone.localdate()
    info = OrgInfo(**{name: getattr(org, name) for name in ORG_FIELDS})
    return [c for c in compute_cells([info], on.year, on, paths=[org.path]) if c.period.contains(on)]


# --- Lists ------------------------------------------------------------------------------------------
def meeting_list(
    visible, *, org=None, kind: str = "", state: str = "", year: int | None = None, month: int | None = None
):
    """Meetings of the subtree (of ``org`` and below), newest first."""
    qs = visible.select_related("org")
    if org is not None:
        qs = qs.filter(tree.subtree_q("org_path", org.path))
    if kind:
        qs = qs.filter(kind_entries__kind=kind)
    if state:
        qs = qs.filter(state=state)
    if year:
        if month:
            qs = qs.filter(month=year * 100 + month)
        else:
            qs = qs.filter(month__gte=year * 100 + 1, month__lte=year * 100 + 12)
    return qs.order_by("-held_on", "-id")


def attendance_of(meeting: Meeting):
    return meeting.attendance.select_related("member").order_by("member__name_pinyin", "member_id")


def previous_meeting(org, *, kinds: Iterable[str] = ()) -> Meeting | None:
    """The last meeting recorded by ``org`` (of one of ``kinds``): what a new record starts from."""
    qs = Meeting.objects.filter(org=org).exclude(state=Meeting.State.CANCELLED)
    if kinds:
        qs = qs.filter(kind_entries__kind__in=list(kinds))
    return qs.order_by("-held_on", "-id").first()


# --- Figures for other modules (points, rectification, reports) ------------------------------------
def attendance_summary(member_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, dict[str, int]]:
    """``{member_id: {"present": n, "on_leave": n, "absent": n, "dual_life": n}}`` over held meetings
    between ``start`` and ``end``, whichever organization held them (a member who moved branch keeps
    both): one query. The points module awards attendance through this, never through the table."""
    ids = list(member_ids)
    found: dict[int, dict[str, int]] = {i: {"present": 0, "on_leave": 0, "absent": 0, "dual_life": 0} for i in ids}
    if not ids:
        return found
    rows = (
        Attendance.objects.filter(
            member_id__in=ids, held_on__gte=start, held_on__lte=end, meeting__state=Meeting.State.HELD
        )
        .values_list("member_id", "status")
        .annotate(n=Count("id"), dual=Count("id", filter=Q(dual_life=True, status=Attendance.Status.PRESENT)))
        .order_by()
    )
    for member_id, status, n, dual in rows:
        found[member_id][status] += n
        found[member_id]["dual_life"] += dual
    return found


def member_attendance(member, start: dt.date | None = None, end: dt.date | None = None):
    """One member's attendance rows (with their meetings), newest first."""
    qs = Attendance.objects.filter(member=member, meeting__state=Meeting.State.HELD).select_related(
        "meeting", "meeting__org"
    )
    if start:
        qs = qs.filter(held_on__gte=start)
    if end:
        qs = qs.filter(held_on__lte=end)
    return qs.order_by("-held_on", "-id")


def held_counts(paths: list[str], start: dt.date, end: dt.date) -> dict[int, int]:
    """``{org_id: meetings held between start and end}`` for organizations under ``paths``: one query."""
    query = tree.subtrees_q("org_path", paths)
    if query is None:
        return {}
    rows = (
        Meeting.objects.filter(query, state=Meeting.State.HELD, held_on__gte=start, held_on__lte=end)
        .values_list("org_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def organizations_without_meetings(
    paths: list[str], months: int, on: dt.date | None = None, levels: Iterable[str] = ("branch",)
) -> list[tuple[int, dt.date | None]]:
    """Branches under ``paths`` that held no meeting in the last ``months`` months (a criterion of
    the rectification screening): ``[(org_id, last meeting date or None)]``. Only organizations
    that existed for the whole window count. Three queries."""
    from django.db.models import Max

    from dangjian.organizations.models import Organization

    on = on or timezone.localdate()
    since = _months_before(on, months)
    query = tree.subtrees_q("path", paths)
    if query is None:
        return []
    orgs = list(
        Organization.objects.filter(query, level__in=list(levels), dissolved_on__isnull=True)
        .filter(Q(established_on__isnull=True) | Q(established_on__lte=since))
        .values_list("id", flat=True)
    )
    recent = set(held_counts(paths, since, on))
    last = dict(
        Meeting.objects.filter(tree.subtrees_q("org_path", paths), state=Meeting.State.HELD, held_on__lte=on)
        .values_list("org_id")
        .annotate(last=Max("held_on"))
        .order_by()
    )
    return [(org_id, last.get(org_id)) for org_id in orgs if org_id not in recent]


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.year * 12 + day.month - 1 - months
    year, month = divmod(month, 12)
    month += 1
    import calendar

    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def compliance_summary(root, year: int, on: dt.date | None = None) -> dict[str, Any]:
    """Figures for the reports module: ``{"due", "done", "rate", "by_kind": {kind: (due, done)}}``."""
    from dangjian.organizations.models import Organization

    on = on or as_of(year)
    orgs = org_infos(subtree_orgs(Organization.objects.all(), root, year))
    cells = compute_cells(orgs, year, on, paths=[root.path])
    total = Tally()
    by_kind: dict[str, Tally] = defaultdict(Tally)
    for cell in cells:
        total.add(cell, on)
        by_kind[cell.kind].add(cell, on)
    return {
        "due": total.due,
        "done": total.done,
        "rate": total.rate,
        "by_kind": {k: (t.due, t.done) for k, t in by_kind.items()},
    }
