"""A branch's calendar, the lists of meetings, and the figures other modules read (attendance,
inactive organizations, the facts of held meetings the points feed reads)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone

from dangjian.core import sheets, tree
from dangjian.organizations.models import Organization
from dangjian.organizations.queries import committee_members_on
from dangjian.orglife.models import (
    Attendance,
    Meeting,
    MeetingKind,
    MeetingKindEntry,
)
from dangjian.orglife.periods import month_number
from dangjian.orglife.queries.compliance import (
    Cell,
    Tally,
    as_of,
    compute_cells,
    compute_tallies,
    org_info,
    org_infos,
    subtree_orgs,
)


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
    info = org_info(org)
    cells = compute_cells([info], year, on, paths=[org.path])
    meetings = list(
        Meeting.objects.filter(org=org, held_on__year=year).select_related("org").order_by("held_on", "starts_at", "id")
    )
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
    info = org_info(org)
    return [c for c in compute_cells([info], on.year, on, paths=[org.path]) if c.period.contains(on)]


@dataclass(frozen=True)
class QuorumBasis:
    """What a committee meeting's quorum was counted against, for its record page."""

    committee: list  # the members sitting on the committee that day; empty when none is recorded

    @property
    def recorded(self) -> bool:
        return bool(self.committee)


def quorum_basis(meeting) -> QuorumBasis | None:
    """For a held committee meeting: the committee of its day (``organizations.queries``); one query.
    None for other meetings."""
    if meeting.state != Meeting.State.HELD or MeetingKind.COMMITTEE_MEETING not in meeting.kinds:
        return None
    return QuorumBasis(committee_members_on(meeting.org_id, meeting.held_on))


# --- Lists ------------------------------------------------------------------------------------------
def meeting_list(
    visible, *, org=None, kind: str = "", state: str = "", year: int | None = None, month: int | None = None
):
    """Meetings of the subtree (of ``org`` and below), newest first."""
    qs = tree.narrow(visible.select_related("org"), org, kind_entries__kind=kind, state=state)
    if year:
        if month:
            qs = qs.filter(month=year * 100 + month)
        else:
            qs = qs.filter(month__gte=year * 100 + 1, month__lte=year * 100 + 12)
    return qs.order_by("-held_on", "-id")


def attendance_of(meeting: Meeting):
    return meeting.attendance.select_related("member").order_by("member__name_pinyin", "member_id")


def planned_near(org, day: dt.date, days: int = 31) -> list[Meeting]:
    """Planned meetings of ``org`` within ``days`` of ``day`` (at most five): one query."""
    window = (day - dt.timedelta(days=days), day + dt.timedelta(days=days))
    return list(
        Meeting.objects.filter(org=org, state=Meeting.State.PLANNED, held_on__range=window).order_by("held_on", "id")[
            :5
        ]
    )


def attach_planned(org, cells: list[Cell]) -> None:
    """Set ``planned_meeting_id`` on each cell with a planned meeting of its kind in its period (the
    first by date), so that recording that period completes the planned meeting: one query."""
    for cell in cells:
        cell.planned_meeting_id = None
    wanted = [c for c in cells if c.planned]
    if not wanted:
        return
    months = {m for c in wanted for m in c.period.months}
    entries = (
        MeetingKindEntry.objects.filter(
            org_id=org.pk, state=Meeting.State.PLANNED, kind__in={c.kind for c in wanted}, month__in=months
        )
        .order_by("meeting__held_on", "meeting_id")
        .values_list("kind", "month", "meeting_id")
    )
    rows = list(entries)
    for cell in wanted:
        months_of_cell = set(cell.period.months)
        cell.planned_meeting_id = next((m for k, mo, m in rows if k == cell.kind and mo in months_of_cell), None)


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
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def compliance_summary(root, year: int, on: dt.date | None = None) -> dict[str, Any]:
    """Figures for the reports module: ``{"due", "done", "rate", "by_kind": {kind: (due, done)}}``."""
    on = on or as_of(year)
    orgs = org_infos(subtree_orgs(Organization.objects.all(), root, year))
    tallies, _lead = compute_tallies(orgs, year, on, paths=[root.path])
    total = Tally()
    by_kind: dict[str, Tally] = defaultdict(Tally)
    for (_org_id, kind), tally in tallies.items():
        total.merge(tally)
        by_kind[kind].merge(tally)
    return {
        "due": total.due,
        "done": total.done,
        "rate": total.rate,
        "by_kind": {k: (t.due, t.done) for k, t in by_kind.items()},
    }


# --- For the points module (through these functions, never the tables) ------------------------------
@dataclass(frozen=True, slots=True)
class MeetingFacts(sheets.Facts):
    """What a meeting tells other modules: who held it, when, as what, and who attended how."""

    attendance: dict[int, str]  # member id → present / on_leave / absent


def meeting_attendance(meeting_id: int) -> MeetingFacts | None:
    """One meeting's facts (None if there is no such meeting): two queries."""
    row = Meeting.objects.filter(pk=meeting_id).values_list("org_id", "held_on", "state", "kinds").first()
    if row is None:
        return None
    sheet = dict(Attendance.objects.filter(meeting_id=meeting_id).values_list("member_id", "status"))
    return MeetingFacts(meeting_id, row[0], row[1], row[2], tuple(row[3] or ()), sheet)


def meeting_reference(meeting_id: int, user) -> sheets.RecordRef | None:
    """A meeting as a record derived from it names it: day, topic, branch; linked if ``user`` may open it."""
    return sheets.reference(
        Meeting.objects.select_related("org"),
        user,
        meeting_id,
        label=lambda m: f"{m.held_on:%Y-%m-%d} {m.topic} · {m.org.name}",
        url_name="orglife-meeting",
    )


def held_meetings_between(start: dt.date, end: dt.date, members: range | None = None) -> list[MeetingFacts]:
    """Every meeting held between ``start`` and ``end`` with its attendance: two streamed queries,
    for recomputing everything derived from a year of meetings at once. With ``members`` (a range of
    member ids): only their attendance, and only the meetings where one of them is on the sheet (their
    sheets read first, then those meetings by id), so that a county's year can be gone through a few
    thousand members at a time."""
    held = Meeting.objects.filter(state=Meeting.State.HELD, held_on__gte=start, held_on__lte=end)
    rows = Attendance.objects.filter(held_on__gte=start, held_on__lte=end)
    return [
        MeetingFacts(pk, org_id, held_on, Meeting.State.HELD, tuple(kinds or ()), sheet)
        for (pk, org_id, held_on, kinds), sheet in sheets.with_sheets(
            held,
            rows,
            record="meeting_id",
            value="status",
            fields=("pk", "org_id", "held_on", "kinds"),
            members=members,
        )
    ]
