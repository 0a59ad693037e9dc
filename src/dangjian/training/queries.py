"""Reads of training: person-times (人次) of a subtree, a member's training record, and the facts
other modules (points) read instead of the tables.

Person-times count the ``present`` attendance rows of held sessions — once per person per
session — placed in the tree by the MEMBER's organization: a township's person-times include its
members at the district's lectures. Every function runs a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr

from dangjian.core import sheets, tree
from dangjian.organizations.models import Organization
from dangjian.training.models import Programme, Session, SessionAttendance

PRESENT = SessionAttendance.Status.PRESENT


# --- Person-times of a subtree ---------------------------------------------------------------------
@dataclass(slots=True)
class Figures:
    """Sessions held (organized in the subtree), person-times (present, once per person per session,
    of the subtree's members wherever the session was), persons trained and person-hours."""

    sessions: int = 0
    person_times: int = 0
    persons: int = 0
    person_hours: Decimal = Decimal("0.0")


@dataclass
class PersonTimesRow:
    org: object  # the child organization (or the organization itself for its own row)
    own: bool  # the organization's own sessions and members, not its children's
    figures: Figures


@dataclass
class PersonTimesTable:
    org: object
    start: dt.date
    end: dt.date
    rows: list[PersonTimesRow]
    total: Figures


def person_times_table(org, start: dt.date, end: dt.date) -> PersonTimesTable:
    """Figures of ``org``'s subtree between ``start`` and ``end``, one row per child organization
    (its whole subtree) and one for ``org`` itself: four queries whatever the rows (children, sessions
    grouped by child, attendance grouped by child, distinct persons of the whole)."""
    width = len(org.path) + tree.STEP
    children = list(Organization.objects.filter(parent=org).order_by("path"))
    sessions = dict(
        Session.objects.filter(
            tree.subtree_q("org_path", org.path), state=Session.State.HELD, held_on__gte=start, held_on__lte=end
        )
        .annotate(child=Substr("org_path", 1, width))
        .values_list("child")
        .annotate(n=Count("id"))
        .order_by()
    )
    present = attendance_in(org.path, start, end)
    groups = {
        child: (n, persons, hours or Decimal("0.0"))
        for child, n, persons, hours in present.annotate(child=Substr("org_path", 1, width))
        .values_list("child")
        .annotate(n=Count("id"), persons=Count("member_id", distinct=True), hours=Sum("hours"))
        .order_by()
    }

    def figures(path: str) -> Figures:
        n, persons, hours = groups.get(path, (0, 0, Decimal("0.0")))
        return Figures(sessions.get(path, 0), n, persons, hours)

    rows = [PersonTimesRow(org, True, figures(org.path))]
    rows += [
        PersonTimesRow(child, False, figures(child.path))
        for child in children
        if child.dissolved_on is None or child.path in groups or child.path in sessions
    ]
    total = Figures(
        sum(sessions.values()),
        sum(g[0] for g in groups.values()),
        present.aggregate(n=Count("member_id", distinct=True))["n"] if groups else 0,
        sum((g[2] for g in groups.values()), Decimal("0.0")),
    )
    return PersonTimesTable(org, start, end, rows, total)


def attendance_in(path: str, start: dt.date, end: dt.date, *, own: bool = False, status: str = PRESENT, rows=None):
    """Attendance rows that count, of the members under ``path`` (only those directly in it with
    ``own``), between ``start`` and ``end``: one index range on the member's path. ``rows``: an
    already scoped queryset to start from (``SessionAttendance.objects.visible_to(user)``)."""
    place = Q(org_path=path) if own else tree.subtree_q("org_path", path)
    qs = (SessionAttendance.objects.all() if rows is None else rows).filter(
        place, counted=True, held_on__gte=start, held_on__lte=end
    )
    return qs.filter(status=status) if status else qs


def sessions_in(visible, path: str, start: dt.date, end: dt.date, *, own: bool = False):
    """Held sessions organized under ``path`` (by ``path`` itself with ``own``) between two days."""
    place = Q(org_path=path) if own else tree.subtree_q("org_path", path)
    return (
        visible.filter(place, state=Session.State.HELD, held_on__gte=start, held_on__lte=end)
        .select_related("programme", "org")
        .order_by("-held_on", "-id")
    )


def persons_in(rows, path: str, start: dt.date, end: dt.date, *, own: bool = False):
    """The persons trained under ``path`` with their person-times and hours (one query); ``rows``
    is the user's scoped attendance."""
    return (
        attendance_in(path, start, end, own=own, rows=rows)
        .values("member_id", "member__name")
        .annotate(n=Count("id"), hours=Sum("hours"))
        .order_by("member__name", "member_id")
    )


# --- Lists ------------------------------------------------------------------------------------------
def programme_list(visible, *, org=None, kind: str = "", year: int | None = None):
    """Programmes of the subtree (of ``org`` and below), with their sessions held and person-times."""
    qs = tree.narrow(visible.select_related("org"), org, kind=kind)
    if year:
        qs = qs.filter(starts_on__lte=dt.date(year, 12, 31)).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=dt.date(year, 1, 1))
        )
    return qs.annotate(
        held=Count("sessions", filter=Q(sessions__state=Session.State.HELD)),
        person_times=Sum("sessions__present", filter=Q(sessions__state=Session.State.HELD)),
    ).order_by("-starts_on", "-id")


def sheet_of(session: Session):
    return session.attendance.select_related("member").order_by("member__name_pinyin", "member_id")


def member_training(member, start: dt.date | None = None, end: dt.date | None = None):
    """One member's attendance at sessions that count (with session and programme), newest first."""
    qs = SessionAttendance.objects.filter(member=member, counted=True).select_related(
        "session", "session__programme", "session__org"
    )
    if start:
        qs = qs.filter(held_on__gte=start)
    if end:
        qs = qs.filter(held_on__lte=end)
    return qs.order_by("-held_on", "-id")


def member_summary(member, start: dt.date, end: dt.date) -> Figures:
    """A member's own person-times and hours between two days (one query)."""
    row = SessionAttendance.objects.filter(
        member=member, counted=True, status=PRESENT, held_on__gte=start, held_on__lte=end
    ).aggregate(n=Count("id"), hours=Sum("hours"))
    return Figures(0, row["n"], 1 if row["n"] else 0, row["hours"] or Decimal("0.0"))


# --- For the points module (through these functions, never the tables) ------------------------------
@dataclass(frozen=True, slots=True)
class SessionFacts(sheets.Facts):
    """What a session tells other modules: who organized it, when, of which kind (``kinds`` is
    ``(programme.kind,)``), who attended how."""

    attendance: dict[int, str]  # member id → present / on_leave / absent
    hours: Decimal


def session_attendance(session_id: int) -> SessionFacts | None:
    """One session's facts (None if there is no such session, e.g. once deleted): two queries."""
    row = (
        Session.objects.filter(pk=session_id)
        .values_list("org_id", "held_on", "state", "programme__kind", "hours")
        .first()
    )
    if row is None:
        return None
    sheet = dict(SessionAttendance.objects.filter(session_id=session_id).values_list("member_id", "status"))
    org_id, held_on, state, kind, hours = row
    return SessionFacts(session_id, org_id, held_on, state, (kind,), sheet, hours)


def held_sessions_between(start: dt.date, end: dt.date, members: range | None = None) -> list[SessionFacts]:
    """Every session held between ``start`` and ``end`` with its attendance: two streamed queries
    (``core.sheets.with_sheets``). With ``members`` (a range of member ids): only their attendance,
    and only the sessions where one of them is on the sheet, so that a county's year can be gone
    through a few thousand members at a time."""
    held = Session.objects.filter(state=Session.State.HELD, held_on__gte=start, held_on__lte=end)
    rows = SessionAttendance.objects.filter(held_on__gte=start, held_on__lte=end)
    return [
        SessionFacts(pk, org_id, held_on, Session.State.HELD, (kind,), sheet, hours)
        for (pk, org_id, held_on, kind, hours), sheet in sheets.with_sheets(
            held,
            rows,
            record="session_id",
            value="status",
            fields=("pk", "org_id", "held_on", "programme__kind", "hours"),
            members=members,
        )
    ]


def session_reference(session_id: int, user) -> sheets.RecordRef | None:
    """A session as a record derived from it names it (a point entry): day, topic, programme; linked
    when ``user`` may open it, named without a link otherwise (a member's entry from the district's
    lecture names the lecture). None once the session is gone."""
    return sheets.reference(
        Session.objects.select_related("programme"),
        user,
        session_id,
        label=lambda s: f"{s.held_on:%Y-%m-%d} {s.title} · {s.programme.name}",
        url_name="training-session",
    )


__all__ = [
    "Figures",
    "SessionFacts",
    "attendance_in",
    "held_sessions_between",
    "member_training",
    "person_times_table",
    "programme_list",
    "session_attendance",
    "session_reference",
]


# --- Person-times by programme (the statistical tables, issue 16) -----------------------------------------
def person_times_by_programme(path: str, start: dt.date, end: dt.date) -> dict[tuple[str, int], int]:
    """``{(row, programme id): person-times}`` of the members under ``path`` between two days, by the
    child of ``path`` each member sits under (``path`` itself for those directly in it): the same
    attendance as :func:`person_times_table` (present, counted), so a row adds up to its figure there.
    One GROUP BY query."""
    width = len(path) + tree.STEP
    rows = (
        attendance_in(path, start, end)
        .annotate(row=Substr("org_path", 1, width))
        .values_list("row", "session__programme_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(row, programme): n for row, programme, n in rows}


def programme_names(ids) -> dict[int, str]:
    """``{id: name}`` of the programmes ``ids`` (one query)."""
    return dict(Programme.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


def programme_totals(path: str, start: dt.date, end: dt.date) -> list[tuple[int, str, int]]:
    """``[(programme id, name, person-times)]`` of the members under ``path`` between two days, by name:
    :func:`person_times_by_programme` summed over its rows (the dashboard's chart; two queries)."""
    totals: dict[int, int] = {}
    for (_row, programme), n in person_times_by_programme(path, start, end).items():
        totals[programme] = totals.get(programme, 0) + n
    names = programme_names(totals)
    return sorted(((pk, names.get(pk, ""), n) for pk, n in totals.items()), key=lambda t: (t[1], t[0]))


def person_times_by_month(path: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, int]]:
    """``[(first day of the month, person-times)]`` of the members under ``path`` between two days, for
    every month of the stretch (0 where none), counted as :func:`person_times_table` counts them: one
    query, a conditional count per month (plain comparisons on the indexed day; no date function)."""
    months, day = [], start.replace(day=1)
    while day <= end:
        following = (day + dt.timedelta(days=32)).replace(day=1)
        months.append((day, following - dt.timedelta(days=1)))
        day = following
    counts = attendance_in(path, start, end).aggregate(
        **{
            f"m{n}": Count("id", filter=Q(held_on__gte=first, held_on__lte=last))
            for n, (first, last) in enumerate(months)
        }
    )
    return [(first, counts[f"m{n}"]) for n, (first, _last) in enumerate(months)]


# --- Programmes with their person-times in a period (the work summary's list, issue 16) -------------------
@dataclass(frozen=True)
class ProgrammeFigures:
    programme_id: int
    name: str
    sessions: int
    person_times: int


def programme_person_times(path: str, start: dt.date, end: dt.date) -> list[ProgrammeFigures]:
    """The programmes organized under ``path`` that held sessions between ``start`` and ``end``, each with
    its sessions held and person-times (present attendance that counts, once per person per session, of
    every member wherever they belong — the programme's own audience), most person-times first. Two queries."""
    held = (
        Session.objects.filter(
            tree.subtree_q("org_path", path), state=Session.State.HELD, held_on__gte=start, held_on__lte=end
        )
        .values_list("programme_id", "programme__name")
        .annotate(n=Count("id"))
        .order_by()
    )
    times = dict(
        SessionAttendance.objects.filter(
            tree.subtree_q("session_path", path),
            counted=True,
            status=PRESENT,
            held_on__gte=start,
            held_on__lte=end,
            session__state=Session.State.HELD,
        )
        .values_list("session__programme_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = [ProgrammeFigures(pk, name, n, times.get(pk, 0)) for pk, name, n in held]
    return sorted(rows, key=lambda r: (-r.person_times, r.name, r.programme_id))
