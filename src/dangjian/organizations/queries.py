"""Reads of the organization tree: children, ancestors, counts and data-quality warnings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core import parameters, tree
from dangjian.core.roles import WRITE_ROLES
from dangjian.core.scoping import paths_for
from dangjian.organizations.contributions import member_counts
from dangjian.organizations.models import CommitteeMember, CommitteePost, Level, Organization, Sector


@dataclass(frozen=True)
class Warning:
    org: Organization
    code: str
    message: str
    severity: str  # "warning" or "danger"


WARNING_LABELS = {
    "joint": gettext_lazy("Should be a joint branch"),
    "committee": gettext_lazy("Needs a branch committee"),
    "split": gettext_lazy("Should be split"),
    "term_ended": gettext_lazy("Term ended"),
    "term_ending": gettext_lazy("Term ending soon"),
}

WARNING_KEYS = [
    "branch.joint_below_full_members",
    "branch.committee_from_full_members",
    "branch.split_above_members",
    "org.term_warning_days",
]


def ancestors_of(org: Organization):
    return Organization.objects.filter(path__in=tree.ancestors(org.path)).order_by("path")


def children_of(org: Organization | None, visible):
    qs = visible.filter(parent=org) if org else visible.filter(parent__isnull=True)
    return qs.annotate(child_count=Count("children", filter=Q(children__dissolved_on__isnull=True))).order_by("path")


def visible_organizations(user):
    """Every organization the user sees (the subtrees of their grants)."""
    return Organization.objects.visible_to(user)


def visible_roots(user):
    """The topmost organizations a user sees: the organizations of their grants."""
    return Organization.objects.filter(path__in=paths_for(user, WRITE_ROLES)).order_by("path")


def subtree_org_breakdown(path: str) -> dict:
    rows = (
        Organization.objects.in_subtree(path)
        .filter(dissolved_on__isnull=True)
        .values("level", "sector")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_level: dict[str, int] = {}
    by_sector: dict[str, int] = {}
    for row in rows:
        by_level[row["level"]] = by_level.get(row["level"], 0) + row["n"]
        by_sector[row["sector"]] = by_sector.get(row["sector"], 0) + row["n"]
    return {
        "total": sum(by_level.values()),
        "level": [(c, label, by_level[c]) for c, label in Level.choices if by_level.get(c)],
        "sector": [(c, label, by_sector[c]) for c, label in Sector.choices if by_sector.get(c)],
    }


def warnings_for(orgs, counts: dict[int, dict[str, int]], on: dt.date | None = None) -> list[Warning]:
    """Apply the branch work regulations (as parameters) to organizations with their member counts."""
    on = on or timezone.localdate()
    rule = parameters.get_many(WARNING_KEYS, on)
    lead = dt.timedelta(days=rule["org.term_warning_days"])
    found: list[Warning] = []
    for org in orgs:
        if org.dissolved_on:
            continue
        if org.level == Level.BRANCH:
            c = counts.get(org.pk, {"total": 0, "full": 0})
            joint = getattr(org, "unit_count", 0) > 1
            if c["full"] < rule["branch.joint_below_full_members"] and not joint:
                found.append(
                    Warning(
                        org,
                        "joint",
                        _("Only %(n)d full members (fewer than %(min)d): consider a joint branch.")
                        % {"n": c["full"], "min": rule["branch.joint_below_full_members"]},
                        "warning",
                    )
                )
            if c["full"] >= rule["branch.committee_from_full_members"] and not org.has_committee:
                found.append(
                    Warning(
                        org,
                        "committee",
                        _("%(n)d full members (%(min)d or more) but no branch committee.")
                        % {"n": c["full"], "min": rule["branch.committee_from_full_members"]},
                        "warning",
                    )
                )
            if c["total"] > rule["branch.split_above_members"]:
                found.append(
                    Warning(
                        org,
                        "split",
                        _("%(n)d members (more than %(max)d): consider splitting the branch.")
                        % {"n": c["total"], "max": rule["branch.split_above_members"]},
                        "warning",
                    )
                )
        if org.term_ends_on:
            if org.term_ends_on < on:
                found.append(
                    Warning(
                        org,
                        "term_ended",
                        _("The term of office ended on %(d)s; renewal is overdue.")
                        % {"d": org.term_ends_on.isoformat()},
                        "danger",
                    )
                )
            elif org.term_ends_on <= on + lead:
                found.append(
                    Warning(
                        org,
                        "term_ending",
                        _("The term of office ends on %(d)s.") % {"d": org.term_ends_on.isoformat()},
                        "warning",
                    )
                )
    return found


def subtree_warnings(visible, path: str | None = None, on: dt.date | None = None) -> list[Warning]:
    """Warnings for every active organization in ``visible`` (optionally within ``path``): three queries."""
    qs = visible.filter(dissolved_on__isnull=True)
    if path:
        qs = qs.filter(tree.subtree_q("path", path))
    orgs = list(qs.annotate(unit_count=Count("units")).order_by("path"))
    paths = tree.collapse(o.path for o in orgs)
    return warnings_for(orgs, member_counts().under(paths), on)


# --- The committee ---------------------------------------------------------------------------------
def sitting_q(day: dt.date, prefix: str = "") -> Q:
    """Seats held on ``day``: started by then and not yet ended (``ended_on`` is the first day off)."""
    return Q(**{f"{prefix}started_on__lte": day}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gt": day})
    )


def committee_on(org: Organization | int, day: dt.date) -> set[int]:
    """The ids of the members sitting on ``org``'s committee on ``day`` (empty: none recorded): one query."""
    org_id = org if isinstance(org, int) else org.pk
    return set(CommitteeMember.objects.filter(sitting_q(day), org_id=org_id).values_list("member_id", flat=True))


def committee_members_on(org: Organization | int, day: dt.date) -> list:
    """The members sitting on ``org``'s committee on ``day``, by post then name: one query."""
    org_id = org if isinstance(org, int) else org.pk
    seats = (
        CommitteeMember.objects.filter(sitting_q(day), org_id=org_id)
        .select_related("member")
        .annotate(post_order=_post_order())
        .order_by("post_order", "member__name_pinyin", "member_id")
    )
    return [seat.member for seat in seats]


def _post_order() -> Case:
    return Case(
        *(When(post=code, then=Value(i)) for i, code in enumerate(CommitteePost.values)), output_field=IntegerField()
    )


def committee_seats(org: Organization):
    """Every seat of ``org``'s committee, the current ones first (by post), then the history."""
    return (
        CommitteeMember.objects.filter(org=org)
        .select_related("member")
        .annotate(post_order=_post_order())
        .order_by(F("ended_on").desc(nulls_first=True), "post_order", "started_on", "id")
    )


def committee_recorded() -> Exists:
    """An expression for ``Organization`` querysets: a committee is recorded (an open seat)."""
    return Exists(CommitteeMember.objects.filter(org_id=OuterRef("pk"), ended_on__isnull=True))


def has_committee(org: Organization) -> bool:
    """The organization has a committee: one recorded (an open seat), or the flag when none is."""
    return org.has_committee or CommitteeMember.objects.filter(org=org, ended_on__isnull=True).exists()


def picker_search(rows, text: str, *, within: str | None = None, exclude_levels=(), sector: str = ""):
    """Organizations for a picker, not dissolved: by name, pinyin initials or code (``rows`` is already
    scoped: ``Organization.objects.visible_to(user)``)."""
    rows = rows.filter(dissolved_on__isnull=True)
    if within:
        rows = rows.filter(tree.subtree_q("path", within))
    if exclude_levels:
        rows = rows.exclude(level__in=exclude_levels)
    if sector:
        rows = rows.filter(sector=sector)
    if text:
        if text.isascii():
            key = text.lower().replace(" ", "")
            rows = rows.filter(
                Q(name_initials__startswith=key) | Q(name_pinyin__startswith=key) | Q(code__istartswith=text)
            )
        else:
            rows = rows.filter(name__contains=text)
    return rows.order_by("depth", "path")
