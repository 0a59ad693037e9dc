"""Reads of 一编三定 shared by the pages, the API and the Excel registers: which posts of the catalogue
a user reads and may change, and the evaluations (定评) list. The general member reads, and the
group and assignment reads other modules call, are in ``members/queries.py``.
"""

from __future__ import annotations

from django.db.models import Q

from dangjian.core import tree
from dangjian.core.roles import WRITE_ROLES, Role
from dangjian.core.scoping import paths_for


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
    from dangjian.members.models import Post

    query = catalogue_q(user)
    posts = Post.objects.none() if query is None else Post.objects.filter(query)
    return posts.select_related("area", "org")


def editable_posts(user):
    """Posts whose definition ``user`` may change: their subtrees' own posts; the district defaults
    only for an organizer at the root."""
    from dangjian.members.models import Post

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
    from dangjian.members.models import Member

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
