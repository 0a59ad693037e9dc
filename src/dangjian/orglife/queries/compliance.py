"""Compliance of organizational life, derived from the meetings held: the inputs, the engine, the
subtree table and the drill-down.

Compliance is computed here; the subtree table of a maintained year reads the cells kept as
figures (:mod:`.compliance_figures`). For any set of organizations and a year it costs a fixed
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

from django.db import connection
from django.db.models import Case, ExpressionWrapper, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core import bulk, parameters, tree
from dangjian.organizations.models import Sector
from dangjian.organizations.queries import committee_recorded, has_committee
from dangjian.orglife.models import (
    Appraisal,
    Meeting,
    MeetingKind,
    MeetingKindEntry,
    MeetingRequirement,
    Quorum,
    RequirementKind,
)
from dangjian.orglife.periods import MONTHS_IN, Period, PeriodKind, period_containing, periods_of

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
    return list(MeetingRequirement.objects.in_force_between(start, end).order_by("kind", "effective_from", "id"))


def org_infos(orgs) -> list[OrgInfo]:
    """``orgs`` (a queryset) as :class:`OrgInfo` rows in path order: one query. An organization has a
    committee when one is recorded (an open seat), else by its flag."""
    rows = (
        orgs.order_by("path")
        .annotate(committee_recorded=committee_recorded())
        .values(*ORG_FIELDS, "committee_recorded")
    )
    infos = []
    for row in rows:
        if row.pop("committee_recorded"):
            row["has_committee"] = True
        infos.append(OrgInfo(**row))
    return infos


def org_info(org) -> OrgInfo:
    """One organization as :class:`OrgInfo`: no query when its flag says it has a committee, else one."""
    return OrgInfo(**{**{name: getattr(org, name) for name in ORG_FIELDS}, "has_committee": has_committee(org)})


# Columns of the per-month count arrays: held (any quorum), held with a quorum of the full members,
# held with a majority of those expected, planned.
HELD, FULL, MAJORITY, PLANNED = range(4)
QUORUM_COLUMN = {Quorum.NONE: HELD, Quorum.FULL_MEMBERS: FULL, Quorum.EXPECTED: MAJORITY}


KIND_CODES = {kind: i for i, kind in enumerate(MeetingKind.values)}


def meeting_counts(
    paths: list[str], year: int, org_ids: set[int] | None = None, kinds: Iterable[str] | None = None
) -> dict[tuple[int, str], list]:
    """``{(org_id, kind): [held, full, majority, planned]}``, each a list of twelve monthly counts of
    ``year``: one query over the kind entries of the subtree and year (an index range on
    ``(org_path, month)``), counted here. A district's year is some 40,000 narrow rows; grouping them
    in the database costs more than counting them. Kinds, months and states come back as small
    integers and the ORM's per-value converters are skipped: this is the hot path of the table."""
    query = tree.subtrees_q("org_path", paths)
    found: dict[tuple[int, str], list] = {}
    if query is None:
        return found
    first = year * 100 + 1
    qs = (
        MeetingKindEntry.objects.filter(query, month__gte=first, month__lte=year * 100 + 12)
        .exclude(state=Meeting.State.CANCELLED)
        .filter(**({"kind__in": list(kinds)} if kinds else {}))
        .annotate(
            kind_code=Case(
                *[When(kind=kind, then=Value(code)) for kind, code in KIND_CODES.items()],
                output_field=IntegerField(),
            ),
            index=ExpressionWrapper(F("month") - first, output_field=IntegerField()),
            held=Case(When(state=Meeting.State.HELD, then=Value(1)), default=Value(0), output_field=IntegerField()),
        )
        .values_list("org_id", "kind_code", "index", "held", "full_quorum", "majority_quorum")
    )
    sql, params = qs.query.sql_with_params()
    kinds = list(KIND_CODES)
    by_code: dict[tuple[int, int], list] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for org_id, code, i, held, full, majority in rows:
        slot = by_code.get((org_id, code))
        if slot is None:
            slot = by_code[(org_id, code)] = [[0] * 12, [0] * 12, [0] * 12, [0] * 12]
        if held:
            slot[HELD][i] += 1
            if full:
                slot[FULL][i] += 1
            if majority:
                slot[MAJORITY][i] += 1
        else:
            slot[PLANNED][i] += 1
    for (org_id, code), slot in by_code.items():
        if org_ids is None or org_id in org_ids:
            found[(org_id, kinds[code])] = slot
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


@dataclass(frozen=True)
class _Slot:
    """One obligation of a kind of organization, prepared for the inner loop."""

    kind: str
    period: Period
    requirement: MeetingRequirement
    first: int  # month index (0–11) of the period's first month
    last: int  # one past its last month
    column: int
    phase: str  # relative to the day judged on: "ended", "due_soon", "running", "upcoming"


class _Prepared:
    """The inputs of a computation, read once: four queries at most."""

    def __init__(self, orgs, year, on, *, paths, kinds, requirements, lead_days, quarter=None):
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        self.window = window_of(year, quarter) if quarter else None
        if requirements is None:
            requirements = requirements_between(start, end)
        self.lead_days = parameters.get(LEAD_KEY, on) if lead_days is None else lead_days
        self.on = on
        self.obligations = Obligations(requirements, year, kinds)
        self.counts: dict = {}
        self.appraisals: dict = {}
        self._slots: dict[tuple[str, str, bool], list[_Slot]] = {}
        if not orgs or not self.obligations.by_kind:
            return
        paths = paths if paths is not None else tree.collapse(o.path for o in orgs)
        ids = {o.id for o in orgs}
        wanted = [k for k in self.obligations.by_kind if k in KIND_CODES] if kinds else None
        self.counts = meeting_counts(paths, year, ids if len(ids) < 50 else None, wanted)
        if RequirementKind.APPRAISAL in self.obligations.by_kind:
            self.appraisals = appraisal_counts(paths, year)

    def slots(self, org: OrgInfo) -> list[_Slot]:
        signature = (org.level, org.sector, org.has_committee)
        found = self._slots.get(signature)
        if found is None:
            on, lead = self.on, self.lead_days
            found = []
            for kind, period, requirement in self.obligations.for_org(org):
                if self.window is not None and not (
                    self.window.start <= period.start and period.end <= self.window.end
                ):
                    continue  # a quarter's view: only the periods that fall within it
                if period.start > on:
                    phase = "upcoming"
                elif period.end < on:
                    phase = "ended"
                elif (period.end - on).days < lead:
                    phase = "due_soon"
                else:
                    phase = "running"
                first = period.start.month - 1
                found.append(
                    _Slot(
                        kind,
                        period,
                        requirement,
                        first,
                        first + MONTHS_IN[period.kind],
                        QUORUM_COLUMN.get(requirement.quorum, HELD),
                        phase,
                    )
                )
            self._slots[signature] = found
        return found

    def measure(self, org: OrgInfo, slot: _Slot) -> tuple[int, int, int]:
        """``(held, counted, planned)`` of one organization in one obligation's period."""
        if slot.kind == RequirementKind.APPRAISAL:
            decided, pending = self.appraisals.get(org.id, (0, 0))
            return decided, decided, pending
        arrays = self.counts.get((org.id, slot.kind))
        if arrays is None:
            return 0, 0, 0
        a, b = slot.first, slot.last
        return sum(arrays[HELD][a:b]), sum(arrays[slot.column][a:b]), sum(arrays[PLANNED][a:b])


def compute_cells(
    orgs: list[OrgInfo],
    year: int,
    on: dt.date,
    *,
    paths: list[str] | None = None,
    kinds: Iterable[str] | None = None,
    requirements: list[MeetingRequirement] | None = None,
    lead_days: int | None = None,
    quarter: int | None = None,
) -> list[Cell]:
    """Every cell owed by ``orgs`` in ``year`` (or only in its ``quarter``, 1–4: the periods that fall
    within it), with its status on ``on``. Four queries at most."""
    with bulk.without_cycle_collection():  # the district table: a third faster
        return _compute_cells(
            orgs, year, on, paths=paths, kinds=kinds, requirements=requirements, lead_days=lead_days, quarter=quarter
        )


def _compute_cells(orgs, year, on, *, paths, kinds, requirements, lead_days, quarter) -> list[Cell]:
    prepared = _Prepared(
        orgs, year, on, paths=paths, kinds=kinds, requirements=requirements, lead_days=lead_days, quarter=quarter
    )
    cells: list[Cell] = []
    for org in orgs:
        for slot in prepared.slots(org):
            if not org.owes(slot.period):
                continue
            held, counted, planned = prepared.measure(org, slot)
            minimum = slot.requirement.minimum
            cells.append(
                Cell(
                    org_id=org.id,
                    kind=slot.kind,
                    period=slot.period,
                    required=minimum,
                    quorum=slot.requirement.quorum,
                    held=held,
                    counted=counted,
                    planned=planned,
                    status=status_of(slot.period, minimum, counted, on, prepared.lead_days),
                )
            )
    return cells


def compute_tallies(
    orgs: list[OrgInfo],
    year: int,
    on: dt.date,
    *,
    paths: list[str] | None = None,
    kinds: Iterable[str] | None = None,
    lead_days: int | None = None,
    quarter: int | None = None,
) -> tuple[dict[tuple[int, str], Tally], int]:
    """``({(org_id, kind): Tally}, lead days)``: what the tables add up, without a cell per period
    (the same rules as :func:`compute_cells`; this is the hot path of the district table)."""
    with bulk.without_cycle_collection():  # the district table: a third faster
        return _compute_tallies(orgs, year, on, paths=paths, kinds=kinds, lead_days=lead_days, quarter=quarter)


def _compute_tallies(orgs, year, on, *, paths, kinds, lead_days, quarter) -> tuple[dict[tuple[int, str], Tally], int]:
    prepared = _Prepared(
        orgs, year, on, paths=paths, kinds=kinds, requirements=None, lead_days=lead_days, quarter=quarter
    )
    counts, appraisals = prepared.counts, prepared.appraisals
    found: dict[tuple[int, str], Tally] = {}
    grouped: dict[tuple[str, str, bool], list[tuple[str, list[_Slot]]]] = {}
    for org in orgs:
        signature = (org.level, org.sector, org.has_committee)
        groups = grouped.get(signature)
        if groups is None:
            by_kind: dict[str, list[_Slot]] = {}
            for slot in prepared.slots(org):
                if slot.phase != "upcoming":
                    by_kind.setdefault(slot.kind, []).append(slot)
            groups = grouped[signature] = list(by_kind.items())
        established, dissolved = org.established_on, org.dissolved_on
        for kind, slots in groups:
            if kind == RequirementKind.APPRAISAL:
                decided = appraisals.get(org.id, (0, 0))[0]
                arrays = None
            else:
                arrays = counts.get((org.id, kind))
            tally = None
            for slot in slots:
                period = slot.period
                if (established is not None and established > period.start) or (
                    dissolved is not None and dissolved <= period.end
                ):
                    continue
                if tally is None:
                    tally = found[(org.id, kind)] = Tally()
                if kind == RequirementKind.APPRAISAL:
                    counted = decided
                elif arrays is None:
                    counted = 0
                else:
                    column = arrays[slot.column]
                    counted = column[slot.first] if slot.last - slot.first == 1 else sum(column[slot.first : slot.last])
                met = counted >= slot.requirement.minimum
                phase = slot.phase
                if phase == "ended":
                    tally.due += 1
                    if met:
                        tally.done += 1
                elif met:
                    tally.current_done += 1
                elif phase == "due_soon":
                    tally.due_soon += 1
                else:
                    tally.open += 1
    return found, prepared.lead_days


# --- The subtree table ------------------------------------------------------------------------------
@dataclass(slots=True)
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

    def merge(self, other: Tally) -> None:
        self.due += other.due
        self.done += other.done
        self.due_soon += other.due_soon
        self.open += other.open
        self.current_done += other.current_done

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
    quarter: int | None = None


def window_of(year: int, quarter: int | None = None) -> Period:
    """The year, or one quarter (1–4) of it, as a period."""
    if quarter is None:
        return period_containing(PeriodKind.YEAR, dt.date(year, 1, 1))
    return period_containing(PeriodKind.QUARTER, dt.date(year, (quarter - 1) * 3 + 1, 1))


def as_of(year: int, today: dt.date | None = None, quarter: int | None = None) -> dt.date:
    """The day a year (or one of its quarters) is judged on: today while it runs; the day after its
    end once it is over, so that every deadline in it, the last day's included, has passed; the day
    before it starts when it lies ahead."""
    today = today or timezone.localdate()
    window = window_of(year, quarter)
    if today > window.end:
        return window.end + dt.timedelta(days=1)
    if today < window.start:
        return window.start - dt.timedelta(days=1)
    return today


def subtree_orgs(visible_orgs, root, year: int):
    """Organizations of ``root``'s subtree that existed at some time during ``year`` (a queryset)."""
    return (
        visible_orgs.filter(tree.subtree_q("path", root.path))
        .filter(Q(established_on__isnull=True) | Q(established_on__lte=dt.date(year, 12, 31)))
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=dt.date(year, 1, 1)))
    )


def compliance_table(
    visible_orgs,
    root,
    year: int,
    on: dt.date | None = None,
    *,
    quarter: int | None = None,
    lead_days: int | None = None,
) -> ComplianceTable:
    """Rates per child of ``root`` (per township, at the district) and per sector, computed by the
    engine: five queries (four given ``lead_days``). With ``quarter`` (1–4), only the obligations whose
    periods fall within that quarter (its months and the quarter itself), judged on the quarter's end
    (today while it runs). The table of a maintained year is read from the figures
    (:func:`.compliance_figures.compliance_table`)."""
    on = on or as_of(year, quarter=quarter)
    orgs = org_infos(subtree_orgs(visible_orgs, root, year))
    tallies, lead_days = compute_tallies(orgs, year, on, paths=[root.path], quarter=quarter, lead_days=lead_days)
    by_id = {o.id: o for o in orgs}
    width = len(root.path) + tree.STEP
    children = {o.path: o for o in orgs if len(o.path) == width}
    groups: dict[str, TableRow] = {}
    sectors: dict[str, TableRow] = {}
    total = TableRow("total", str(_("Total")), org_id=root.pk)
    sector_labels = dict(Sector.choices)
    kinds_seen: set[str] = set()
    per_org: dict[int, Tally] = {}
    rows_of: dict[int, tuple[TableRow, TableRow]] = {}
    for (org_id, kind), tally in tallies.items():
        org_total = per_org.get(org_id)
        if org_total is None:
            org_total = per_org[org_id] = Tally()
        org_total.merge(tally)
        kinds_seen.add(kind)
    for org_id, org_total in per_org.items():
        org = by_id[org_id]
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
        for row in (group, sector, total):
            row.total.merge(org_total)
            row.organizations += 1
        rows_of[org_id] = (group, sector)
    for (org_id, kind), tally in tallies.items():
        group, sector = rows_of[org_id]
        group.tally(kind).merge(tally)
        sector.tally(kind).merge(tally)
        total.tally(kind).merge(tally)
    kinds = [(k, str(label)) for k, label in RequirementKind.choices if k in kinds_seen]
    order = list(sector_labels)
    return ComplianceTable(
        root=root,
        year=year,
        on=on,
        kinds=kinds,
        groups=sorted(groups.values(), key=lambda r: r.key),
        sectors=sorted(sectors.values(), key=lambda r: order.index(r.key) if r.key in sector_labels else 99),
        total=total,
        lead_days=lead_days,
        quarter=quarter,
    )


@dataclass
class DrillRow:
    org: OrgInfo
    cells: list[Cell]
    tally: Tally
    by_kind: dict[str, Tally] = field(default_factory=dict)


def compliance_drilldown(
    visible_orgs,
    root,
    year: int,
    *,
    kind: str = "",
    sector: str = "",
    status: str = "",
    on: dt.date | None = None,
    quarter: int | None = None,
) -> tuple[list[DrillRow], list[Period]]:
    """The organizations behind a rate: five queries.

    With ``kind``, each row has its periods (``cells``); without, its tally per kind (``by_kind``).
    ``status`` keeps only organizations with at least one period in that status (``overdue``: the
    ones that missed something). ``quarter`` (1–4) keeps the periods within that quarter.
    """
    on = on or as_of(year, quarter=quarter)
    qs = subtree_orgs(visible_orgs, root, year)
    if sector:
        qs = qs.filter(sector=sector)
    orgs = org_infos(qs)
    rows = []
    if kind:
        cells = compute_cells(orgs, year, on, paths=[root.path], kinds=[kind], quarter=quarter)
        by_org: dict[int, list[Cell]] = defaultdict(list)
        periods: dict[Period, None] = {}
        for cell in cells:
            by_org[cell.org_id].append(cell)
            periods[cell.period] = None
        for org in orgs:
            mine = by_org.get(org.id)
            if not mine or (status and not any(c.status == status for c in mine)):
                continue
            tally = Tally()
            for cell in mine:
                tally.add(cell, on)
            rows.append(DrillRow(org, mine, tally, {kind: tally}))
        return rows, sorted(periods)
    tallies, _lead = compute_tallies(orgs, year, on, paths=[root.path], quarter=quarter)
    return drill_rows(orgs, tallies, status), []


def drill_rows(orgs: list[OrgInfo], tallies: dict[tuple[int, str], Tally], status: str = "") -> list[DrillRow]:
    """The drill-down's rows from the tallies per organization and kind (the engine's or the
    maintained figures'), kept by ``status`` as :func:`compliance_drilldown` says."""
    rows = []
    by_org_kind: dict[int, dict[str, Tally]] = defaultdict(dict)
    for (org_id, k), tally in tallies.items():
        by_org_kind[org_id][k] = tally
    wanted = {"overdue": "overdue", "due_soon": "due_soon", "done": "done"}.get(status)
    for org in orgs:
        mine = by_org_kind.get(org.id)
        if not mine:
            continue
        total = Tally()
        for tally in mine.values():
            total.merge(tally)
        if wanted == "overdue" and not total.overdue:
            continue
        if wanted == "due_soon" and not total.due_soon:
            continue
        if wanted == "done" and not (total.done or total.current_done):
            continue
        rows.append(DrillRow(org, [], total, mine))
    return rows
