"""Reads of community work: the volunteer figures of a subtree and period, check-in rates by
organization, a member's own service record, and the facts other modules (points) derive from.

Every figure costs a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, DecimalField, Exists, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.community.models import SERVING_SECTORS, MemberCheckIn, ServiceHours, VolunteerActivity
from dangjian.core import crypto, idnumber, sheets, tree
from dangjian.members.models import Member

ZERO = Decimal("0.0")


# --- The period of a table ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Span:
    """The days a table counts (both included) and the day the check-ins are judged on."""

    start: dt.date
    end: dt.date

    @property
    def on(self) -> dt.date:
        return min(self.end, timezone.localdate())

    @classmethod
    def year(cls, year: int) -> Span:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))


# --- The volunteer table of a subtree -----------------------------------------------------------------
@dataclass
class Figures:
    """The figures of one row: activities held there, service at them, its members' service anywhere,
    and its serving members' check-ins."""

    key: str
    name: str
    org_id: int
    activities: int = 0
    times: int = 0  # person-times served at the activities held here
    hours: Decimal = ZERO
    volunteers: int = 0  # distinct members who served at them
    member_volunteers: int = 0  # distinct members of here who served anywhere
    member_times: int = 0
    member_hours: Decimal = ZERO
    serving: int = 0  # serving members (在职党员) of agency, school and enterprise organizations
    checked_in: int = 0  # of them, checked in to a community on the day

    @property
    def rate(self) -> float | None:
        return self.checked_in / self.serving if self.serving else None

    @property
    def rate_percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"


@dataclass
class VolunteerTable:
    root: object
    span: Span
    rows: list[Figures]
    total: Figures


def _prefix(field: str, width: int):
    return Substr(field, 1, width)


def volunteer_table(visible_orgs, root, span: Span) -> VolunteerTable:
    """The figures of ``root``'s subtree, broken down by child organization (the root's own records in
    a row of their own): six queries whatever the number of organizations and rows."""
    width = len(root.path) + tree.STEP
    children = list(visible_orgs.filter(parent=root).values_list("path", "name", "id").order_by("path"))  # 1
    rows: dict[str, Figures] = {path: Figures(path, name, org_id) for path, name, org_id in children}
    own = Figures(root.path, str(_("%(name)s itself") % {"name": root.name}), root.pk)
    total = Figures("total", str(_("Total")), root.pk)

    def row(key: str) -> Figures:
        if key in rows:
            return rows[key]
        return own if len(key) < width else rows.setdefault(key, Figures(key, key, root.pk))

    held = VolunteerActivity.objects.filter(
        tree.subtree_q("org_path", root.path),
        state=VolunteerActivity.State.HELD,
        held_on__gte=span.start,
        held_on__lte=span.end,
    )
    for key, count in (
        held.annotate(k=_prefix("org_path", width)).values("k").annotate(n=Count("id")).values_list("k", "n")
    ):  # 2
        row(key).activities += count
    service = ServiceHours.objects.filter(held_on__gte=span.start, held_on__lte=span.end)  # of held activities only
    at = service.filter(tree.subtree_q("activity_path", root.path))
    by = service.filter(tree.subtree_q("org_path", root.path))
    sums = {"n": Count("id"), "people": Count("member_id", distinct=True), "h": Sum("hours")}
    for key, n, people, hours in (
        at.annotate(k=_prefix("activity_path", width)).values("k").annotate(**sums).values_list("k", "n", "people", "h")
    ):  # 3
        r = row(key)
        r.times, r.volunteers, r.hours = r.times + n, r.volunteers + people, r.hours + (hours or ZERO)
    for key, n, people, hours in (
        by.annotate(k=_prefix("org_path", width)).values("k").annotate(**sums).values_list("k", "n", "people", "h")
    ):  # 4
        r = row(key)
        r.member_times, r.member_volunteers = r.member_times + n, r.member_volunteers + people
        r.member_hours += hours or ZERO
    # The totals (distinct volunteers do not add up over rows): both sides in one scan.
    at_q, by_q = tree.subtree_q("activity_path", root.path), tree.subtree_q("org_path", root.path)
    totals = service.filter(at_q | by_q).aggregate(
        n=Count("id", filter=at_q),
        people=Count("member_id", distinct=True, filter=at_q),
        h=Sum("hours", filter=at_q),
        mn=Count("id", filter=by_q),
        mpeople=Count("member_id", distinct=True, filter=by_q),
        mh=Sum("hours", filter=by_q),
    )  # 5
    total.times, total.volunteers, total.hours = totals["n"], totals["people"], totals["h"] or ZERO
    total.member_times, total.member_volunteers = totals["mn"], totals["mpeople"]
    total.member_hours = totals["mh"] or ZERO
    on = span.on
    serving = serving_members(on).filter(tree.subtree_q("org_path", root.path))
    checked = MemberCheckIn.objects.open_on(on).filter(member_id=OuterRef("pk"))
    for key, n, done in (
        serving.annotate(k=_prefix("org_path", width), c=Exists(checked))
        .values("k")
        .annotate(n=Count("id"), done=Count("id", filter=Q(c=True)))
        .values_list("k", "n", "done")
    ):  # 6
        r = row(key)
        r.serving, r.checked_in = r.serving + n, r.checked_in + done
    out = [r for r in rows.values()]
    if own.activities or own.times or own.member_times or own.serving:
        out.insert(0, own)
    for r in out:
        total.activities += r.activities
        total.serving += r.serving
        total.checked_in += r.checked_in
    return VolunteerTable(root=root, span=span, rows=out, total=total)


def serving_members(on: dt.date):
    """Members on the records on ``on`` in organizations of the serving sectors (在职党员)."""
    return Member.objects.filter(org__sector__in=SERVING_SECTORS, joined_on__lte=on).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=on)
    )


# --- Lists behind the figures ---------------------------------------------------------------------------
def serving_list(visible_members, *, org=None, on: dt.date | None = None, missing: bool = False):
    """Serving members (of the user's visible members) with the community of their check-in in force
    on ``on`` (``community_name``, None when not checked in); ``missing``: only those not checked in."""
    on = on or timezone.localdate()
    qs = tree.narrow(visible_members.filter(pk__in=serving_members(on).values("pk")).select_related("org"), org)
    current = MemberCheckIn.objects.open_on(on).filter(member_id=OuterRef("pk")).order_by("-checked_in_on")
    qs = qs.annotate(community_name=Subquery(current.values("org__name")[:1]))
    if missing:
        qs = qs.filter(community_name__isnull=True)
    return qs.order_by("org_path", "name_pinyin", "id")


def activity_list(visible, *, org=None, span: Span | None = None, state: str = "", kind: str = ""):
    """Activities of the subtree (of ``org`` and below), newest first, with their people and hours."""
    qs = tree.narrow(visible.select_related("org"), org, state=state, kind=kind)
    if span is not None:
        qs = qs.filter(held_on__gte=span.start, held_on__lte=span.end)
    people = ServiceHours.objects.filter(activity_id=OuterRef("pk"))
    return qs.annotate(
        people=_subquery_count(people),
        hours_total=_subquery_sum(people),
    ).order_by("-held_on", "-id")


def _subquery_count(qs):
    return Coalesce(
        Subquery(qs.order_by().values("activity_id").annotate(c=Count("id")).values("c")[:1]),
        0,
        output_field=IntegerField(),
    )


def _subquery_sum(qs):
    return Coalesce(
        Subquery(qs.order_by().values("activity_id").annotate(s=Sum("hours")).values("s")[:1]),
        ZERO,
        output_field=DecimalField(max_digits=8, decimal_places=1),
    )


def service_list(visible, *, org=None, side: str = "member", span: Span | None = None, member=None):
    """Service rows (who served how long where), newest first. ``side`` "member": served by members of
    ``org``'s subtree; "activity": served at activities held in it."""
    qs = visible.select_related("member", "activity", "activity__org")
    if org is not None:
        qs = qs.filter(tree.subtree_q("activity_path" if side == "activity" else "org_path", org.path))
    if span is not None:
        qs = qs.filter(held_on__gte=span.start, held_on__lte=span.end)
    if member is not None:
        qs = qs.filter(member=member)
    return qs.order_by("-held_on", "-activity_id", "member__name_pinyin", "member_id")


def checkin_list(visible, *, org=None, side: str = "", state: str = "", on: dt.date | None = None, q: str = ""):
    """Check-ins visible to the user. ``side`` "community": to communities in ``org``'s subtree;
    "member": of members of ``org``'s subtree; empty: either. ``state`` "open" (in force on ``on``) or
    "ended"."""
    qs = visible.select_related("member", "member__org", "org")
    if org is not None:
        if side == "community":
            qs = qs.filter(tree.subtree_q("org_path", org.path))
        elif side == "member":
            qs = qs.filter(tree.subtree_q("member__org_path", org.path))
        else:
            qs = qs.in_either(org.path)
    if state == "open":
        qs = qs.open_on(on or timezone.localdate())
    elif state == "ended":
        qs = qs.filter(ended_on__isnull=False)
    if q:
        qs = qs.filter(member__name__contains=q.strip())
    return qs.order_by("-checked_in_on", "-id")


@dataclass
class MemberRecord:
    """A member's own volunteer service: the rows of a period, their totals and their check-ins."""

    rows: list
    times: int
    hours: Decimal
    checkins: list


def member_record(visible_hours, visible_checkins, member, span: Span) -> MemberRecord:
    """One member's service in a period and their check-ins: two queries."""
    rows = list(service_list(visible_hours, member=member, span=span))
    checkins = list(visible_checkins.filter(member=member).select_related("org").order_by("-checked_in_on", "-id"))
    return MemberRecord(rows, len(rows), sum((r.hours for r in rows), ZERO), checkins)


# --- For the points module (through these functions, never the tables) ------------------------------
@dataclass(frozen=True, slots=True)
class ServiceFacts(sheets.Facts):
    """What a volunteer activity tells other modules: who held it, when, as what, who served how long."""

    hours: dict[int, Decimal]  # member id → hours served


def activity_service(activity_id: int) -> ServiceFacts | None:
    """One activity's facts (None if there is no such activity, e.g. after a delete): two queries."""
    row = VolunteerActivity.objects.filter(pk=activity_id).values_list("org_id", "held_on", "state", "kind").first()
    if row is None:
        return None
    sheet = dict(ServiceHours.objects.filter(activity_id=activity_id).values_list("member_id", "hours"))
    return ServiceFacts(activity_id, row[0], row[1], row[2], (row[3],), sheet)


def service_between(start: dt.date, end: dt.date, members: range | None = None) -> list[ServiceFacts]:
    """Every activity held between ``start`` and ``end`` with its service hours: two streamed queries.
    With ``members`` (a range of member ids): only their hours, and only the activities where one of
    them served (their rows read first, then those activities by id), so that a county's year can be
    gone through a few thousand members at a time."""
    held = VolunteerActivity.objects.filter(state=VolunteerActivity.State.HELD, held_on__gte=start, held_on__lte=end)
    rows = ServiceHours.objects.filter(held_on__gte=start, held_on__lte=end)
    return [
        ServiceFacts(pk, org_id, held_on, VolunteerActivity.State.HELD, (kind,), sheet)
        for (pk, org_id, held_on, kind), sheet in sheets.with_sheets(
            held, rows, record="activity_id", value="hours", fields=("pk", "org_id", "held_on", "kind"), members=members
        )
    ]


def activity_reference(activity_id: int, user) -> sheets.RecordRef | None:
    """An activity as a record derived from it names it (a point entry): day, title, holding organization;
    linked when ``user`` may open it, named without a link otherwise (the member's own branch)."""
    return sheets.reference(
        VolunteerActivity.objects.select_related("org"),
        user,
        activity_id,
        label=lambda a: f"{a.held_on:%Y-%m-%d} {a.title} · {a.org.name}",
        url_name="community-activity",
    )


def member_by_id_number(number: str, name: str):
    """The current member with this ID number and exactly this name, wherever their organization is, or
    None: how a community finds a serving member who checks in with it (they bring their ID card).
    Both must match, so the look-up tells nothing to someone who does not already know both."""
    try:
        info = idnumber.parse(number or "")
    except ValidationError:
        return None
    member = (
        Member.objects.filter(id_number_hash=crypto.blind_index(info.number), left_on__isnull=True)
        .select_related("org")
        .first()
    )
    if member is None or member.name != (name or "").strip():
        return None
    return member
