"""The group leader's step of a chain: the leader of the member's own party group (一编三定), nobody else."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.roles import Role
from dangjian.points import services
from dangjian.points.models import PointEntry
from dangjian.posts import services as posts
from tests import factories
from tests.posts.posts_world import add_groups

ON = dt.date(2025, 1, 1)


@pytest.fixture
def groups(world, today):
    """李娜 leads 张强's group; 赵刚 leads the other group of the same branch. Both can log in."""
    add_groups(world)
    world.li_user = factories.user("lina", Role.MEMBER, world.branch_a1)
    world.li.user = world.li_user
    world.li.save(update_fields=["user"])
    world.zhao = factories.member(world.branch_a1, "赵刚", birth=dt.date(1979, 3, 3))
    world.zhao_user = factories.user("zhaogang", Role.MEMBER, world.branch_a1)
    world.zhao.user = world.zhao_user
    world.zhao.save(update_fields=["user"])
    posts.group_member_assign(actor=None, member=world.li, group=world.group_a, is_leader=True, on=ON)
    posts.group_member_assign(actor=None, member=world.zhang, group=world.group_a, on=ON)
    posts.group_member_assign(actor=None, member=world.zhao, group=world.group_b, is_leader=True, on=ON)
    return world


@pytest.fixture
def claim(groups, monthly, today):
    rule = services.rule_create(
        actor=None,
        scheme=monthly["scheme"],
        effective_from=ON,
        data={
            "code": "study",
            "name": "自学",
            "category": "study",
            "direction": "award",
            "points": Decimal("1"),
            "chain": ["group_leader", "secretary"],
        },
    )
    return services.claim_propose(
        actor=groups.member_user,
        member=groups.zhang,
        rule=rule,
        occurred_on=today - dt.timedelta(days=1),
        event="学习党章",
    )


def test_the_leader_of_the_members_group_takes_the_step_then_the_secretary(groups, claim):
    entry = services.entry_approve(actor=groups.li_user, entry=claim)
    assert entry.status == PointEntry.Status.PROPOSED and entry.claim.steps_done == 1
    entry = services.entry_approve(actor=groups.secretary, entry=PointEntry.objects.get(pk=claim.pk))
    assert entry.status == PointEntry.Status.APPROVED


def test_the_leader_of_another_group_is_outside_the_chain_and_nothing_is_written(groups, claim):
    with pytest.raises(ValidationError) as caught:
        services.entry_approve(actor=groups.zhao_user, entry=claim)
    assert "chain" in caught.value.message_dict
    assert PointEntry.objects.get(pk=claim.pk).claim.steps_done == 0


def test_the_leaders_inbox_lists_the_entry_and_the_other_leader_gets_404(groups, claim, client_for):
    inbox = client_for(groups.li_user).get("/points/inbox/")
    assert inbox.status_code == 200 and "学习党章" in inbox.content.decode()
    other = client_for(groups.zhao_user)
    assert "学习党章" not in other.get("/points/inbox/").content.decode()
    assert other.post(f"/points/entries/{claim.pk}/approve/", {"note": ""}).status_code == 404
    response = client_for(groups.li_user).post(f"/points/entries/{claim.pk}/approve/", {"note": ""})
    assert response.status_code == 302
    assert PointEntry.objects.get(pk=claim.pk).claim.steps_done == 1
