"""Reads of 一编三定 shared by the pages, the API, the Excel registers and the points app: the party
groups and their leaders, which posts of the catalogue a user reads and may change and which are
offered in an organization, assignments, who is on duty, and the evaluations (定评) list.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from dangjian.core import tree
from dangjian.core.roles import WRITE_ROLES, Role
from dangjian.core.scoping import paths_for
from dangjian.members.models import Member
from dangjian.organizations.models import Level, Organization
from dangjian.posts.contributions import post_points_provider
from dangjian.posts.models import OPEN_STATES, AssignmentState, GroupMembership, Post, PostAssignment, PostSetting


def catalogue_q(user) -> Q | None:
    """The posts ``user`` reads in a catalogue: the district defaults, the posts defined in their
    subtrees and those of the organizations above (offered to them). None: none at all."""
    paths = paths_for(user, WRITE_ROLES)
    if not paths:
        return None
    above = {p for path in paths for p in tree.ancestors(path)}
    query = Q(org__isnull=True) | tree.subtrees_q("org_path", paths)
    if above:
        query |= Q(org_path__in=above)
    return query


def catalogue_posts(user):
    """The posts ``user`` reads (see :func:`catalogue_q`), any state, with area and defining organization."""
    query = catalogue_q(user)
    posts = Post.objects.none() if query is None else Post.objects.filter(query)
    return posts.select_related("area", "org")


def editable_posts(user):
    """Posts whose definition ``user`` may change: their subtrees' own posts; the district defaults
    only for an organizer at the root."""
    query = tree.subtrees_q("org_path", paths_for(user, {Role.ORGANIZER, Role.SECRETARY}))
    roots = [p for p in paths_for(user, {Role.ORGANIZER}) if tree.depth(p) == 1]
    if roots:
        query = Q(org__isnull=True) if query is None else query | Q(org__isnull=True)
    return Post.objects.none() if query is None else Post.objects.filter(query)


def catalogue_of(user, org=None):
    """The catalogue register of ``org``: the defaults, the posts of the organizations above it and
    its own, and every post defined below it — offered or not. Without ``org``: everything the user
    reads. Ordered by area, then the defining organization (defaults first), then the post's order."""
    posts = catalogue_posts(user)
    if org is not None:
        posts = posts.filter(
            Q(org__isnull=True) | Q(org_path__in=tree.ancestors(org.path)) | tree.subtree_q("org_path", org.path)
        )
    return posts.order_by("area__order", "area_id", "org_path", "order", "id")


def evaluation_list(
    visible, *, org=None, year: int | None = None, rating: str = "", assignment=None, member=None, q: str = ""
):
    """Evaluations (``visible``: already scoped) of a subtree, a year, a rating, an assignment, a member
    or a member's name; newest year first, then by branch and name."""
    qs = visible.select_related("assignment", "assignment__member", "assignment__post", "assignment__org")
    if org is not None:
        qs = qs.filter(tree.subtree_q("assignment__org_path", org.path))
    if year is not None:
        qs = qs.filter(year=year)
    if rating:
        qs = qs.filter(rating=rating)
    if assignment is not None:
        qs = qs.filter(assignment_id=assignment)
    if member is not None:
        qs = qs.filter(assignment__member_id=member)
    if q:
        qs = qs.filter(assignment__member__in=Member.objects.search(q))
    return qs.order_by("-year", "assignment__org_path", "assignment__member__name_pinyin", "assignment_id", "id")


# --- Groups, the posts offered, assignments: also read by points (group leaders, posts on duty) ---------
def _on(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def memberships_on(on: dt.date | None = None):
    """Group memberships in force on a day (``ended_on`` is the first day no longer in the group)."""
    day = _on(on)
    return GroupMembership.objects.filter(started_on__lte=day).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))


def group_of(member: Member, on: dt.date | None = None):
    """The party group ``member`` is in on a day, or None."""
    row = memberships_on(on).filter(member=member).select_related("org").first()
    return row.org if row else None


def group_leader_of(member: Member, on: dt.date | None = None) -> Member | None:
    """The leader of the group ``member`` is in on a day (the member themself if they lead it), or None."""
    groups = memberships_on(on).filter(member=member).values("org_id")
    row = memberships_on(on).filter(org_id__in=groups, is_leader=True).select_related("member").first()
    return row.member if row else None


def members_led_by(who, on: dt.date | None = None):
    """Members of the groups that ``who`` (a member, or a user with a member record) leads on a day.

    The leader is included. For the points app: "the group leader proposes" for these members.
    """
    member = who if isinstance(who, Member) else Member.objects.filter(user=who).first()
    if member is None:
        return Member.objects.none()
    led = memberships_on(on).filter(member=member, is_leader=True).values("org_id")
    return Member.objects.filter(pk__in=memberships_on(on).filter(org_id__in=led).values("member_id"))


def branch_groups(branch, on: dt.date | None = None) -> list[tuple]:
    """``[(group, [membership…])]`` of a branch's active party groups on a day, leaders first: two queries."""
    groups = list(
        Organization.objects.filter(parent=branch, level=Level.PARTY_GROUP, dissolved_on__isnull=True).order_by("path")
    )
    rows = (
        memberships_on(on)
        .filter(org__in=groups)
        .select_related("member")
        .order_by("org_id", "-is_leader", "member__name_pinyin", "id")
    )
    by_group: dict[int, list] = {g.pk: [] for g in groups}
    for row in rows:
        by_group[row.org_id].append(row)
    return [(g, by_group[g.pk]) for g in groups]


def posts_offered(org, *, include_hidden: bool = False) -> list:
    """The posts offered in ``org``: the district's defaults and the posts of its ancestors and itself,
    active, and not hidden by the nearest :class:`PostSetting` up the tree. Two queries.

    With ``include_hidden`` every active post that applies is returned, each with ``hidden`` and
    ``hidden_at`` (the organization whose setting decided) set, for the catalogue page.
    """
    paths = [*tree.ancestors(org.path), org.path]
    posts = list(
        Post.objects.filter(Q(org__isnull=True) | Q(org_path__in=paths), is_active=True)
        .select_related("area", "org")
        .order_by("area__order", "org_path", "order", "id")
    )
    settings = (
        PostSetting.objects.filter(org__path__in=paths, post__in=posts)
        .select_related("org")
        .order_by("org__path")  # the nearest (deepest) setting is read last and wins
    )
    decided: dict[int, tuple[bool, object]] = {}
    for setting in settings:
        decided[setting.post_id] = (setting.hidden, setting.org)
    result = []
    for post in posts:
        post.hidden, post.hidden_at = decided.get(post.pk, (False, None))
        if include_hidden or not post.hidden:
            result.append(post)
    return result


def post_assignment_list(visible, *, org=None, state: str = "", q: str = ""):
    """Assignments of a subtree (or of the whole visible set), filtered by state and member name."""
    qs = tree.narrow(visible.select_related("member", "post", "post__area", "group", "org"), org)
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(member__in=Member.objects.search(q))
    return qs.order_by("org_path", "state", "member__name_pinyin", "id")


def current_assignment(member: Member):
    """The member's open post assignment (with post, area and group), or None."""
    return (
        PostAssignment.objects.filter(member=member, state__in=OPEN_STATES)
        .select_related("post", "post__area", "group")
        .first()
    )


def duty_assignments(member_ids) -> dict[int, list]:
    """``{member id: [assignment…]}``: each member's post assignments that reached 挂牌 (on duty), newest
    first, with their post. One query. For points: a claim or award names the post it was done for."""
    found: dict[int, list] = {}
    rows = (
        PostAssignment.objects.filter(member_id__in=list(member_ids), on_duty_from__isnull=False)
        .select_related("post")
        .order_by("-on_duty_from", "-id")
    )
    for assignment in rows:
        found.setdefault(assignment.member_id, []).append(assignment)
    return found


def on_duty_in(assignment, year: int) -> bool:
    """Whether the member was on duty in ``assignment`` on some day of ``year`` (see :func:`on_duty`:
    an assignment that ends on 1 January was off duty all that year)."""
    return (
        assignment.on_duty_from is not None
        and assignment.on_duty_from.year <= year
        and (assignment.ended_on is None or assignment.ended_on > dt.date(year, 1, 1))
    )


def on_duty(assignment, day: dt.date) -> bool:
    """Whether the member was on duty in ``assignment`` on ``day``: from 挂牌 (``on_duty_from``) until
    the day before ``ended_on`` (the day an assignment ends is its first day off duty)."""
    return (
        assignment.on_duty_from is not None
        and assignment.on_duty_from <= day
        and (assignment.ended_on is None or day < assignment.ended_on)
    )


def post_points(assignment, year: int) -> Decimal | None:
    """The points ``assignment``'s member earned for its post in ``year``: the approved claims and awards
    that name this assignment. An input to the evaluation (定评), shown beside it, never deciding it.
    Supplied by the points app (``points.queries.member_points_for_post``, registered in
    :mod:`dangjian.posts.contributions`); None when the ledger holds none.
    """
    return post_points_provider()(assignment.pk, dt.date(year, 1, 1), dt.date(year, 12, 31))


def awaiting_approval(user):
    """Declared post assignments (申报) the user's branches must approve, oldest first: for the homes."""
    return (
        PostAssignment.objects.writable_by(user)
        .filter(state=AssignmentState.DECLARED)
        .select_related("member", "post", "org")
        .order_by("declared_on", "id")
    )
