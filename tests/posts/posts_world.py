"""A small 一编三定 setting on top of the shared world: two party groups under branch A1, one under B1."""

from __future__ import annotations

import datetime as dt

from dangjian.posts import services as posts
from dangjian.posts.models import Post
from tests import factories

DAY = dt.date(2025, 3, 1)


def add_groups(world):
    world.group_a = factories.org(world.branch_a1, "东街第一党小组", level="party_group", code="TA-001-G1")
    world.group_b = factories.org(world.branch_a1, "东街第二党小组", level="party_group", code="TA-001-G2")
    world.group_sibling = factories.org(world.branch_b1, "河口第一党小组", level="party_group", code="TB-001-G1")
    world.post = Post.objects.get(org=None, name="政策宣传岗")
    world.sanitation = Post.objects.get(org=None, name="环境卫生岗")
    return world


def assignment_in(world, state, member=None, post=None):
    """An assignment of ``member`` (张强 by default) brought to ``state`` through the services."""
    member = member or world.zhang
    a = posts.post_assignment_declare(
        actor=None, member=member, post=post or world.post, origin="self_declared", declared_on=DAY
    )
    if state == "declared":
        return a
    a = posts.post_assignment_approve(actor=None, assignment=a, on=DAY)
    if state == "approved":
        return a
    a = posts.post_assignment_publicise(actor=None, assignment=a, starts_on=DAY, ends_on=DAY + dt.timedelta(days=6))
    if state == "publicised":
        return a
    a = posts.post_assignment_badge(actor=None, assignment=a, on=DAY + dt.timedelta(days=7))
    if state == "on_duty":
        return a
    return posts.post_assignment_end(actor=None, assignment=a, reason="换岗", on=DAY + dt.timedelta(days=30))
