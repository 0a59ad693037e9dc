"""The seam to 一编三定: the points of a post's duties reach the post's evaluation, and "my points"
shows the member's group, post and duties (both through the other module's functions)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dangjian.points import queries, services
from dangjian.posts import queries as post_queries
from dangjian.posts import services as posts
from tests.posts.posts_world import add_groups, assignment_in


def test_approved_points_of_post_duties_reach_the_evaluation(world, rules):
    add_groups(world)
    a = assignment_in(world, "on_duty")
    assert post_queries.post_points(a, 2026) is None  # nothing recorded yet
    for day, rule in ((dt.date(2026, 3, 2), "task"), (dt.date(2026, 4, 6), "task"), (dt.date(2026, 4, 7), "good-deed")):
        services.claim_propose(
            actor=world.secretary,
            member=world.zhang,
            rule=rules[rule],
            occurred_on=day,
            event="政策宣传入户",
            evidence="村委会",
        )
    # The two 岗位职责 claims name the one post on duty by themselves; the 好人好事 claim names no post,
    # and a claim still awaiting approval does not count.
    pending = services.claim_propose(
        actor=world.member_user,
        member=world.zhang,
        rule=rules["task"],
        occurred_on=dt.date(2026, 5, 6),
        event="政策宣传入户",
    )
    assert pending.status == "proposed"
    assert post_queries.post_points(a, 2026) == Decimal("4")
    assert post_queries.post_points(a, 2025) is None
    assert queries.member_points_for_post(a.pk, dt.date(2026, 4, 1), dt.date(2026, 4, 30)) == 2
    evaluation = posts.post_evaluation_record(actor=None, assignment=a, year=2026, rating="excellent")
    assert evaluation.points == 4


def test_my_points_shows_my_group_post_and_duties(world, client_for, rules):
    add_groups(world)
    posts.group_member_assign(actor=None, member=world.li, group=world.group_a, is_leader=True, on=dt.date(2025, 1, 1))
    posts.group_member_assign(actor=None, member=world.zhang, group=world.group_a, on=dt.date(2025, 1, 1))
    a = assignment_in(world, "on_duty")
    page = client_for(world.member_user).get("/points/me/").content.decode()
    assert "东街第一党小组" in page and "李娜" in page
    assert world.post.name in page and a.duties.splitlines()[0] in page
