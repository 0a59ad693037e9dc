"""A world with things due on 26 June 2026 (four days before the end of June and of the second quarter,
inside the reminder lead time): branch A1 held June's theme day and nothing else, plans a general
meeting; 张强 claims points and asks for a correction; 李娜's probation (joined 1 December 2025) ends
within six months; 张强 declared for a post."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.members import privacy
from dangjian.points import services as points
from dangjian.points.models import PointRule
from dangjian.posts import services as posts
from dangjian.posts.models import Post
from tests import factories
from tests.support.clock import travel

DAY = dt.date(2026, 6, 26)


@pytest.fixture
def due(world, time_machine):
    travel(time_machine, DAY)
    return seed(world)


def seed(world):
    """The records due on ``DAY`` (the clock must be on it)."""
    for org in (world.branch_a1, world.branch_a2, world.branch_b1):
        org.established_on = dt.date(1990, 1, 1)
        org.save(update_fields=["established_on"])
    world.held = factories.meeting(world.branch_a1, ["theme_day"], dt.date(2026, 6, 2))
    world.planned = factories.meeting(
        world.branch_a1, ["general_meeting"], dt.date(2026, 6, 29), state="planned", topic="七一主题党日筹备"
    )
    world.planned_b1 = factories.meeting(
        world.branch_b1, ["general_meeting"], dt.date(2026, 6, 28), state="planned", topic="河口村党员大会"
    )
    rule = PointRule.objects.get(scheme__org__isnull=True, scheme__template=False, code="good-deed")
    world.claim = points.claim_propose(
        actor=world.member_user,
        member=world.zhang,
        rule=rule,
        occurred_on=dt.date(2026, 6, 1),
        event="帮助邻居抢收小麦",
        evidence="村民李大爷可证明",
    )
    world.correction = privacy.correction_submit(
        actor=world.member_user, member=world.zhang, field="occupation", proposed="果农", reason="已改行"
    )
    world.declared = posts.post_assignment_declare(
        actor=None, member=world.zhang, post=Post.objects.get(org=None, name="政策宣传岗"), origin="self_declared"
    )
    return world
