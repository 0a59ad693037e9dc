"""What members contributes to the organizations below it (registered in ``apps.Config.ready``):
member counts for the branch rules and the dissolution check, and the members' cards on an
organization's page (see :mod:`dangjian.organizations.contributions`)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from dangjian.members.models import Member, Status
from dangjian.members.queries import branch_counts, count_definition, member_counts, register_q, subtree_breakdown
from dangjian.organizations.contributions import MemberCounts, Panel, provide_member_counts, register_panel

DIRECT_SHOWN = 20  # members listed on an organization's page; a link leads to the rest


def direct_counts(org) -> dict[str, int]:
    """``{"total": n, "full": n}`` of the members on the register today directly in ``org``
    (``members.queries.register_q``): one query."""
    return (
        Member.objects.filter(register_q())
        .filter(org=org)
        .aggregate(total=Count("id"), full=Count("id", filter=Q(status=Status.FULL)))
    )


def composition(org, children) -> dict:
    """The subtree's members by status, gender, education and age, and each child's total: one scan."""
    members = subtree_breakdown(org.path)
    return {"members": members, "per_child": members["children"], "definition": count_definition()}


def direct_members(org, children) -> dict:
    return {
        "direct_count": direct_counts(org)["total"],
        "direct_members": Member.objects.filter(register_q(), org=org).order_by("name_pinyin")[:DIRECT_SHOWN],
    }


def register() -> None:
    provide_member_counts(MemberCounts(under=branch_counts, of=direct_counts, within=member_counts))
    register_panel(
        Panel(
            name="members.composition",
            template="members/_org_composition.html",
            context=composition,
            column="side",
            order=10,
            child_heading=_("Members"),
            child_url="member-list",
        )
    )
    register_panel(Panel(name="members.direct", template="members/_org_members.html", context=direct_members, order=10))
