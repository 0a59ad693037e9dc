"""Reads of members: counts and breakdowns for a subtree, in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import tree
from dangjian.core.models import AuditEvent
from dangjian.members.models import (
    CorrectionRequest,
    Education,
    Gender,
    Member,
    StandingChange,
    Status,
    years_before,
)
from dangjian.organizations.models import Level

HAN = "汉族"  # the majority nationality; the statistics count the others as 少数民族

AGE_BANDS: list[tuple[str, int | None]] = [
    ("≤30", 30),
    ("31–35", 35),
    ("36–45", 45),
    ("46–55", 55),
    ("56–60", 60),
    ("61–70", 70),
    ("≥71", None),
]


# --- One member count (issue 14: one number for one thing) -------------------------------------------------
# Every page that says how many members an organization has counts them here, with this definition:
#
#   党员 on a day = the party members (full and probationary) on the register that day: joined the party
#   on or before it, and not left (``left_on``) on or before it; counted in the organization their record
#   is in (a transfer keeps no dated history of the organization left, so a past day counts a member
#   where they are now).
#
# No date on a member's record can lie in the future (``services.validate_member_data`` refuses them),
# so on or after today the register is exactly the current members (``left_on IS NULL``): the counts
# then use the partial index ``member_current_stats_idx`` and stay index-only at any scale.


def register_q(on: dt.date | None = None) -> Q:
    """The members on the register on ``on`` (default today): see the definition above."""
    on = on or timezone.localdate()
    if on >= timezone.localdate():
        return Q(left_on__isnull=True)
    return Q(joined_on__lte=on) & (Q(left_on__isnull=True) | Q(left_on__gt=on))


def count_definition(on: dt.date | None = None) -> str:
    """The definition of the member count, in words, as the pages show it next to the figure."""
    on = on or timezone.localdate()
    return _(
        "Members: the party members (full and probationary) on the register on %(day)s, in the organization "
        "their record is in; members who had left by then are not counted."
    ) % {"day": on.isoformat()}


def member_counts(paths, on: dt.date | None = None) -> dict[str, int]:
    """``{path: n}``: the members on the register on ``on`` in the subtree of each of ``paths`` (see the
    definition above). Figures per organization are summed by path prefix in SQL: one GROUP BY per
    distinct path length (one query for the children of an organization), whatever the subtree's size."""
    paths = list(dict.fromkeys(paths))
    counts = dict.fromkeys(paths, 0)
    for length in sorted({len(p) for p in paths}):
        same = [p for p in paths if len(p) == length]
        rows = (
            Member.objects.filter(register_q(on))
            .filter(tree.subtrees_q("org_path", same))
            .annotate(prefix=Substr("org_path", 1, length))
            .values("prefix")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("prefix", "n")
        )
        counts.update(rows)
    return counts


def subtree_member_count(org, on: dt.date | None = None) -> int:
    """The members on the register on ``on`` in ``org``'s subtree (an organization or its path): one query."""
    path = org if isinstance(org, str) else org.path
    return member_counts([path], on)[path]


def current_member_count(org) -> int:
    """The members on the register today directly in ``org`` (not its subtree)."""
    return Member.objects.filter(register_q(), org=org).count()


def age_band_q(label: str, on: dt.date) -> Q:
    """Members whose age on ``on`` falls in the band called ``label``."""
    lower = 0
    for name, upper in AGE_BANDS:
        if name == label:
            query = Q(birth_date__lte=years_before(on, lower))
            if upper is not None:
                query &= Q(birth_date__gt=years_before(on, upper + 1))
            return query
        lower = (upper or 0) + 1
    raise ValueError(label)


SORTS = {
    "name": ("name_pinyin", "id"),
    "birth_date": ("birth_date", "id"),
    "joined_on": ("joined_on", "id"),
    "org": ("org_path", "name_pinyin", "id"),
}


def member_list(
    visible,
    *,
    org=None,
    direct=False,
    q="",
    status="",
    gender="",
    education="",
    age="",
    flag="",
    sort="",
    sector="",
    ethnicity="",
    on: dt.date | None = None,
):
    """The filtered, sorted member list of a subtree (or of one organization with ``direct``)."""
    on = on or timezone.localdate()
    qs = visible.filter(register_q(on)).select_related("org")
    if org is not None:
        qs = qs.filter(org=org) if direct else qs.filter(tree.subtree_q("org_path", org.path))
    qs = qs.search(q)
    for name, value in (("status", status), ("gender", gender), ("education", education)):
        if value:
            qs = qs.filter(**{name: value})
    if age:
        qs = qs.filter(age_band_q(age, on))
    if sector:
        qs = qs.filter(org__sector=sector)
    if ethnicity == "han":
        qs = qs.filter(ethnicity=HAN)
    elif ethnicity == "minority":
        qs = qs.exclude(ethnicity=HAN)
    elif ethnicity:
        qs = qs.filter(ethnicity=ethnicity)
    if flag == "mobile":
        qs = qs.filter(mobile=True)
    elif flag == "in_hardship":
        qs = qs.filter(in_hardship=True)
    elif flag == "senior":
        qs = qs.senior(on)
    elif flag == "no_post":
        qs = qs.filter(holds_post=False)
    elif flag == "holds_post":
        qs = qs.filter(holds_post=True)
    key = (sort or "org").lstrip("-")
    fields = SORTS.get(key, SORTS["org"])
    if sort.startswith("-"):
        fields = tuple(f"-{f}" for f in fields)
    return qs.order_by(*fields)


def subtree_breakdown(path: str, on: dt.date | None = None) -> dict:
    """Counts of the members on the register on ``on`` (see :func:`register_q`) under ``path`` by status,
    gender, education and age band, and how many are in each child's subtree (``children``: ``{child
    path: n}``) and directly in the organization itself (``direct``: ``{"total": n, "full": n}``).

    One scan of the subtree: conditional counts (no sorting of the four dimensions; a GROUP BY over
    them costs about three times as much at county scale) grouped only by the child each member
    sits under — a dozen or so groups, summed here for the whole. Age bands are counted cumulatively
    (born after each cut-off) and differenced here.
    """
    on = on or timezone.localdate()
    counts: dict[str, Count] = {"total": Count("id")}
    dimensions = {"status": Status.choices, "gender": Gender.choices, "education": Education.choices}
    for field, choices in dimensions.items():
        for code, _label in choices:
            counts[f"{field}:{code}"] = Count("id", filter=Q(**{field: code}))
    cutoffs = [(label, years_before(on, upper + 1)) for label, upper in AGE_BANDS if upper is not None]
    for label, cutoff in cutoffs:
        counts[f"born_after:{label}"] = Count("id", filter=Q(birth_date__gt=cutoff))
    groups = list(
        Member.objects.filter(register_q(on))
        .filter(tree.subtree_q("org_path", path))
        .annotate(child=Substr("org_path", 1, len(path) + tree.STEP))
        .values("child")
        .annotate(**counts)
        .order_by()
    )
    row = {name: sum(group[name] for group in groups) for name in counts}
    total = row["total"]
    result: dict = {"total": total}
    for field, choices in dimensions.items():
        result[field] = [(code, label, row[f"{field}:{code}"]) for code, label in choices if row[f"{field}:{code}"]]
    unknown = total - sum(n for _c, _l, n in result["education"])
    if unknown:
        result["education"].append(("", "—", unknown))
    bands, previous = [], 0
    for label, _cutoff in cutoffs:
        cumulative = row[f"born_after:{label}"]
        bands.append((label, label, cumulative - previous))
        previous = cumulative
    bands.append((AGE_BANDS[-1][0], AGE_BANDS[-1][0], total - previous))
    result["band"] = bands
    result["children"] = {g["child"]: g["total"] for g in groups if g["child"] != path}
    own = next((g for g in groups if g["child"] == path), None)
    result["direct"] = {"total": own["total"], "full": own[f"status:{Status.FULL}"]} if own else {"total": 0, "full": 0}
    return result


def branch_counts(paths: list[str], on: dt.date | None = None) -> dict[int, dict[str, int]]:
    """``{org_id: {"total": n, "full": n}}`` of the members on the register on ``on`` (see :func:`register_q`)
    directly in each organization under ``paths``."""
    query = tree.subtrees_q("org_path", paths)
    if query is None:
        return {}
    rows = (
        Member.objects.filter(register_q(on))
        .filter(query)
        .values("org_id")
        .annotate(total=Count("id"), full=Count("id", filter=Q(status=Status.FULL)))
        .order_by()
    )
    return {r["org_id"]: {"total": r["total"], "full": r["full"]} for r in rows}


# Audited reads of a member record: someone saw it, nothing changed. The member's report lists them as
# accesses; the change log on the member's page leaves them out (issue 14: viewing a report is no change).
ACCESS_ACTIONS = ("view_sensitive", "privacy_report")


def change_log(member: Member):
    """The audited changes of one member record, newest first (shown on the member's page)."""
    return (
        AuditEvent.objects.filter(object_type="members.member", object_id=str(member.pk))
        .exclude(action__in=ACCESS_ACTIONS)
        .order_by("-id")
    )


def members_on(org, day: dt.date):
    """Members who belonged to ``org`` on ``day``, as far as the records tell.

    A member is in ``org`` on ``day`` when they are recorded in it, had joined the party by then,
    had not left it, and were not transferred in after ``day``. (A transfer within the district
    moves the member and records ``transferred_out`` on its date; a transfer out of the district
    records it on the day they left, ``left_on``, and leaves the organization as it was.) Transfers
    keep no dated history of the organization a member left, so someone who moved away since
    ``day`` is not found here (their past attendance stays on the meetings that recorded it).
    """
    return on_records(Member.objects.filter(org=org), day)


def members_within_on(path: str, day: dt.date):
    """Members of the subtree under ``path`` on ``day`` (as :func:`members_on`, one index range):
    who may attend the training an organization gives to its subtree."""
    return on_records(Member.objects.filter(tree.subtree_q("org_path", path)), day)


def on_records(members, day: dt.date):
    """``members`` narrowed to those on the records on ``day`` (see :func:`members_on`)."""
    transfers = StandingChange.objects.filter(
        member=OuterRef("pk"), kind=StandingChange.Kind.TRANSFERRED_OUT, on__gt=day
    )
    return (
        members.filter(joined_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
        .exclude(Q(left_on__isnull=True) & Exists(transfers))
        .exclude(Q(left_on__isnull=False) & Exists(transfers.filter(on__lt=OuterRef("left_on"))))
    )


def roster(org, on: dt.date | None = None) -> list[Member]:
    """The members an organization's meetings expect on a day, by name: a party group's are its branch's."""
    on = on or timezone.localdate()
    owner = org.parent if org.level == Level.PARTY_GROUP and org.parent_id else org
    return list(members_on(owner, on).order_by("name_pinyin", "id"))


def has_voting_rights(member: Member, on: dt.date) -> bool:
    """Full members vote; probationary members do not (they have no voting rights yet)."""
    return member.full_member_on is not None and member.full_member_on <= on


def picker_search(rows, text: str, within: str | None = None, status: str = ""):
    """Members for a picker: current ones by name, pinyin or initials, or by their number (``rows``
    is already scoped: ``Member.objects.visible_to(user)``); ``status``: only full or probationary ones."""
    rows = rows.current().select_related("org")
    if status in Status.values:
        rows = rows.filter(status=status)
    if within:
        rows = rows.filter(tree.subtree_q("org_path", within))
    if text.isascii() and text.isdigit():
        return rows.filter(pk=int(text)) if len(text) <= 18 else rows.none()
    return rows.search(text).order_by("name_pinyin", "id")


# --- What is due: probation ending, correction requests (the homes) -------------------------------------
PROBATION_YEARS = 1  # the Party Constitution: one year of probation, extended at most once by up to a year


@dataclass(frozen=True)
class ProbationDue:
    member: Member
    ends_on: dt.date  # the expected day of becoming a full member
    extended: bool


def probation_ending(members, on: dt.date, within_days: int = 180) -> list[ProbationDue]:
    """Current probationary members of ``members`` (a scoped queryset) whose probation ends from ``on`` up to
    ``within_days`` after (or has already ended without a decision recorded), soonest first. The
    expected day is a year after joining, two when the probation was extended. Two queries."""
    rows = list(
        members.current()
        .filter(status=Status.PROBATIONARY, joined_on__lte=years_before(on + dt.timedelta(days=within_days), 1))
        .select_related("org")
        .order_by("joined_on", "id")
    )
    extended = set(
        StandingChange.objects.filter(
            member__in=[m.pk for m in rows], kind=StandingChange.Kind.PROBATION_EXTENDED
        ).values_list("member_id", flat=True)
    )
    found = []
    for member in rows:
        years = PROBATION_YEARS + (1 if member.pk in extended else 0)
        ends_on = years_before(member.joined_on, -years)
        if ends_on <= on + dt.timedelta(days=within_days):
            found.append(ProbationDue(member, ends_on, member.pk in extended))
    return sorted(found, key=lambda d: (d.ends_on, d.member.pk))


def member_corrections(member, limit: int = 10):
    """The member's own correction requests, newest first, with their state: one query."""
    return list(CorrectionRequest.objects.filter(member=member).order_by("-created_at", "-id")[:limit])


# --- Member composition by child organization (the statistical tables, issue 16) -------------------------
# The columns a composition table can have: the value each member counts under (``""``: not recorded).
GRID_COLUMNS = ("education", "gender", "status", "ethnicity", "sector", "age")


def _grid_value(by: str, on: dt.date):
    if by in ("education", "gender", "status"):
        return F(by)
    if by == "sector":
        return F("org__sector")
    if by == "ethnicity":  # 汉族 / 少数民族, as the intra-party statistics count them
        return Case(When(ethnicity=HAN, then=Value("han")), default=Value("minority"), output_field=CharField())
    if by == "age":
        whens = [When(age_band_q(label, on), then=Value(label)) for label, _upper in AGE_BANDS]
        return Case(*whens, default=Value(""), output_field=CharField())
    raise ValueError(by)


def member_grid(path: str, by: str, on: dt.date | None = None) -> dict[tuple[str, str], int]:
    """``{(row, value): n}``: the members on the register on ``on`` (see :func:`register_q`) in ``path``'s
    subtree, by the child of ``path`` each sits under (``path`` itself for those directly in it) and by
    ``by`` (one of :data:`GRID_COLUMNS`). One GROUP BY query, whatever the subtree's size; the cells add
    up to :func:`subtree_member_count`."""
    on = on or timezone.localdate()
    width = len(path) + tree.STEP
    rows = (
        Member.objects.filter(register_q(on))
        .filter(tree.subtree_q("org_path", path))
        .annotate(row=Substr("org_path", 1, width), value=_grid_value(by, on))
        .values("row", "value")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("row", "value", "n")
    )
    found: dict[tuple[str, str], int] = {}
    for row, value, n in rows:
        key = (row, value or "")
        found[key] = found.get(key, 0) + n
    return found


def composition(path: str, field: str, on: dt.date | None = None) -> list[tuple[str, int]]:
    """``[(value, n)]``: the members on the register on ``on`` (see :func:`register_q`) under ``path`` by
    ``field`` — ``"ethnicity"`` or ``"org__sector"`` (their organization's sector) — most first: one query."""
    if field not in {"ethnicity", "org__sector"}:
        raise ValueError(field)
    rows = (
        Member.objects.filter(register_q(on))
        .filter(tree.subtree_q("org_path", path))
        .values_list(field)
        .annotate(n=Count("id"))
        .order_by("-n", field)
    )
    return [(value, n) for value, n in rows]
