"""Reads of the points module. Balances come from :class:`PointBalance` (one row per member and year),
never from summing the ledger; each function runs a fixed number of queries.

No function here ranks members for members: the branch table is for the committee and above, and
organizations are compared by rates (points per member), not raw sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, FloatField, IntegerField, Sum, Window
from django.db.models.functions import Cast, Floor, RowNumber, Substr

from dangjian.core import tree
from dangjian.core.roles import WRITE_ROLES
from dangjian.core.scoping import paths_for
from dangjian.points.models import ZERO, Category, PointBalance, PointEntry, PointScheme
from dangjian.posts.queries import members_led_by

CATEGORY_LABELS = dict(Category.choices)


def categories_of(by_category: dict) -> list[tuple[str, str, Decimal]]:
    """``[(code, label, points)]`` in the declared order of the categories."""
    return [(code, str(label), Decimal(by_category[code])) for code, label in Category.choices if code in by_category]


@dataclass
class MemberYear:
    balance: PointBalance | None
    entries: list[PointEntry]
    categories: list[tuple[str, str, Decimal]]

    @property
    def total(self) -> Decimal:
        return self.balance.total if self.balance else ZERO

    @property
    def pending(self) -> list[PointEntry]:
        return [e for e in self.entries if e.status == PointEntry.Status.PROPOSED]


def member_year(member, year: int) -> MemberYear:
    """One member's year: the balance, every entry with its rule, claim and the post it was for. Two queries."""
    balance = PointBalance.objects.filter(member=member, year=year).first()
    entries = list(
        PointEntry.objects.filter(member=member, year=year)
        .select_related("rule", "claim", "claim__assignment__post")
        .order_by("-occurred_on", "-id")
    )
    return MemberYear(balance, entries, categories_of(balance.by_category) if balance else [])


@dataclass
class BalanceRow:
    member: object
    total: Decimal
    by_category: dict[str, Decimal]
    entries: int


def branch_balances(members, year: int, *, sort: str = "name") -> tuple[list[BalanceRow], list[tuple[str, str]]]:
    """The members (a queryset, already scoped) with their year's totals per category, and the
    categories that occur. Two queries, whatever the number of members."""
    members = list(members)
    rows = {b.member_id: b for b in PointBalance.objects.filter(member_id__in=[m.pk for m in members], year=year)}
    seen: set[str] = set()
    out = []
    for member in members:
        b = rows.get(member.pk)
        cats = {k: Decimal(v) for k, v in (b.by_category if b else {}).items()}
        seen |= set(cats)
        out.append(BalanceRow(member, b.total if b else ZERO, cats, b.entries if b else 0))
    if sort == "total":
        out.sort(key=lambda r: (-r.total, r.member.name_pinyin))
    categories = [(code, str(label)) for code, label in Category.choices if code in seen]
    return out, categories


@dataclass
class OrgDistribution:
    org: object
    members: int = 0
    mean: Decimal | None = None
    median: Decimal | None = None


@dataclass
class Distribution:
    buckets: list[tuple[str, int, int]]  # (label, members, percent)
    children: list[OrgDistribution]
    members: int
    mean: Decimal | None


def _tenth(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.1"))


def distribution(root, children, year: int, width: int = 10) -> Distribution:
    """How a subtree's members are spread over bands of points (``[n·width, (n+1)·width)``), and each
    child organization's points per member and median (rates; no sums, no names).

    Three queries whatever the size of the subtree, each summed by the database grouped by the child's
    path prefix (issue 15: no balance comes back to Python): the children; the members and points per
    child and band; the one or two middle balances of each child. The balances of organizations outside
    ``children`` (the root's own, a dissolved child's) count in the bands and the totals only."""
    key_width = len(root.path) + tree.STEP
    by_path = {c.path: OrgDistribution(c) for c in children}  # 1
    balances = PointBalance.objects.filter(tree.subtree_q("org_path", root.path), year=year)
    child_key = Substr("org_path", 1, key_width)
    rows = (
        balances.annotate(k=child_key, band=Floor(Cast("total", FloatField()) / width))
        .values("k", "band")
        .annotate(n=Count("id"), points=Sum("total"))
        .values_list("k", "band", "n", "points")
    )  # 2
    counts: dict[int, int] = {}
    sums: dict[str, Decimal] = {}
    for key, band, n, points in rows:
        counts[int(band)] = counts.get(int(band), 0) + n
        sums[key] = sums.get(key, ZERO) + Decimal(points)
        if key in by_path:
            by_path[key].members += n
    members = sum(counts.values())
    for key, dist in by_path.items():
        dist.mean = _tenth(sums[key] / dist.members) if dist.members else None
    if by_path:
        middles: dict[str, list[Decimal]] = {}
        # partitioned by the child's step as a number: a text key sorts by collation, several times slower
        child = Cast(Substr("org_path", len(root.path) + 1, tree.STEP), IntegerField())
        ranked = (
            balances.filter(tree.subtrees_q("org_path", by_path))
            .annotate(
                child=child,
                twice=Window(RowNumber(), partition_by=[child], order_by=[F("total").asc(), F("id").asc()]) * 2,
                n=Window(Count("id"), partition_by=[child]),
            )
            .filter(twice__gte=F("n"), twice__lte=F("n") + 2)  # the middle one (odd n) or two (even n)
            .values_list("child", "total")
        )  # 3
        for number, total in ranked:
            middles.setdefault(root.path + tree.step(number), []).append(Decimal(total))
        for key, values in middles.items():
            by_path[key].median = _tenth(sum(values, ZERO) / len(values))
    buckets: list[tuple[str, int, int]] = []
    if counts:
        for band in range(min(counts), max(counts) + 1):
            n = counts.get(band, 0)
            buckets.append((f"{band * width}–{(band + 1) * width}", n, round(100 * n / members)))
    mean = _tenth(sum(sums.values(), ZERO) / members) if members else None
    return Distribution(buckets, [by_path[p] for p in sorted(by_path)], members, mean)


def member_points(member_ids, year: int) -> dict[int, Decimal]:
    """``{member id: the year's total}``, for other modules (the appraisal page): one query."""
    return dict(
        PointBalance.objects.filter(member_id__in=list(member_ids), year=year).values_list("member_id", "total")
    )


# --- Lists for the API and the Excel export ------------------------------------------------------------
ENTRY_SORTS = {
    "-occurred_on": ("-occurred_on", "-id"),
    "occurred_on": ("occurred_on", "id"),
    "-id": ("-id",),
    "id": ("id",),
}


def entry_list(
    visible,
    *,
    org=None,
    member=None,
    year: int | None = None,
    status: str = "",
    rule: str = "",
    source: str = "",
    sort: str = "-occurred_on",
):
    """Entries of an already scoped queryset, filtered: ``org`` and below, one member, a year, a status,
    a rule code, a source; with the rule, member, organization, claim and its post joined (one query per page)."""
    qs = visible.select_related("member", "rule", "org", "claim", "claim__assignment__post")
    qs = tree.narrow(qs, org, member=member, year=year, status=status, rule__code=rule, source_type=source)
    return qs.order_by(*ENTRY_SORTS.get(sort, ENTRY_SORTS["-occurred_on"]))


def schemes_for(user, member=None) -> list:
    """The schemes that concern ``user``: the default and the templates, the schemes of organizations
    above their subtrees (those that apply there) and within them; for a member, those above their
    organization. Two queries (the scopes are cached on the user)."""
    paths = list(paths_for(user, WRITE_ROLES))
    if member is not None:
        paths.append(member.org_path)
    return [
        s
        for s in PointScheme.objects.select_related("org").order_by("template", "org_path", "id")
        if not s.org_path or any(p.startswith(s.org_path) or s.org_path.startswith(p) for p in paths)
    ]


# --- The seam to 一编三定: supplied to posts (posts.contributions) from AppConfig.ready -----------------
def member_points_for_post(assignment_id: int, start, end) -> Decimal | None:
    """The approved points of the claims and awards that name the post assignment ``assignment_id``
    (一编三定) and happened from ``start`` to ``end`` (inclusive): the points of that post's duties, an
    input to its evaluation (定评). None when no such entry was approved in the period.

    Only the tie counts: points for another post of the same member, points of the same category
    that name no post, and proposed, rejected or reversed entries do not. (Claims of the category
    岗位职责和任务 name the member's post on duty by themselves when there is exactly one; see
    ``services.claim_propose``.) One query.
    """
    row = PointEntry.objects.filter(
        claim__assignment_id=assignment_id,
        status=PointEntry.Status.APPROVED,
        occurred_on__gte=start,
        occurred_on__lte=end,
    ).aggregate(total=Sum("points"), n=Count("id"))
    if not row["n"]:
        return None
    return Decimal(row["total"]).quantize(Decimal("0.1"))


def decidable_entries(user):
    """Entries ``user`` may open to decide: those of their subtree, and those of the members of the
    party groups they lead (a group leader's grant, if any, is not over the branch the entries are in)."""
    return PointEntry.objects.visible_to(user) | PointEntry.objects.filter(member__in=members_led_by(user))


# --- What is due: the approval inbox and a member's own claims (the inbox page and the homes) ---------
def awaiting_decision(user, limit: int = 200) -> list[PointEntry]:
    """Proposed entries waiting for a step ``user`` holds (group leader, secretary, township), oldest
    first: what the approval inbox lists and the home counts. Two queries."""
    from dangjian.points.services.permissions import holds_step  # services read these queries

    pending = (
        decidable_entries(user)
        .filter(status=PointEntry.Status.PROPOSED)
        .select_related("member", "rule", "claim", "org")
        .order_by("occurred_on", "id")[: limit * 5]
    )
    return [e for e in pending if e.claim.next_step and holds_step(user, e.claim.next_step, e.org_path, e.member_id)][
        :limit
    ]


def member_claims(member, limit: int = 10) -> list[PointEntry]:
    """The member's own claims (entries from a claim), newest first, with their status: one query."""
    return list(
        PointEntry.objects.filter(member=member, claim__isnull=False)
        .select_related("rule", "claim")
        .order_by("-occurred_on", "-id")[:limit]
    )
