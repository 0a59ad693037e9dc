"""A claim or award names the post (一编三定) it was done for, and the post's evaluation (定评) counts
exactly the approved entries that name it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.models import AuditEvent
from dangjian.points import queries, services
from dangjian.points.models import PointClaim, PointEntry
from dangjian.posts import queries as post_queries
from dangjian.posts import services as posts
from tests.posts.posts_world import add_groups, assignment_in
from tests.support.audit import assert_no_audit_event

# Post A (政策宣传岗) is on duty from 2025-03-08 and ends on 2025-03-31; post B (环境卫生岗) from 2025-04-08 on.
IN_A = dt.date(2025, 3, 20)
IN_B = dt.date(2025, 6, 3)


@pytest.fixture
def two_posts(world, rules):
    return make_two_posts(world)


def make_two_posts(world):
    """张强's post A (ended) and post B (on duty), as above."""
    if not hasattr(world, "sanitation"):
        add_groups(world)
    a = assignment_in(world, "ended")
    b = posts.post_assignment_declare(
        actor=None,
        member=world.zhang,
        post=world.sanitation,
        origin="self_declared",
        declared_on=dt.date(2025, 4, 1),
    )
    b = posts.post_assignment_approve(actor=None, assignment=b, on=dt.date(2025, 4, 1))
    b = posts.post_assignment_publicise(
        actor=None, assignment=b, starts_on=dt.date(2025, 4, 1), ends_on=dt.date(2025, 4, 7)
    )
    b = posts.post_assignment_badge(actor=None, assignment=b, on=dt.date(2025, 4, 8))
    return a, b


def propose(world, rules, code="task", day=IN_B, **extra):
    extra.setdefault("actor", world.secretary)
    extra.setdefault("member", world.zhang)
    extra.setdefault("event", "入户宣传政策")
    extra.setdefault("evidence", "村委会")
    return services.claim_propose(rule=rules[code], occurred_on=day, **extra)


def refused(field, call):
    entries = PointEntry.objects.count()
    with assert_no_audit_event(), pytest.raises(ValidationError) as exc:
        call()
    assert field in exc.value.message_dict, exc.value.message_dict
    assert PointEntry.objects.count() == entries
    return exc.value.message_dict[field][0]


# --- The tie ----------------------------------------------------------------------------------------------
def test_a_tasks_claim_is_tied_to_the_one_post_on_duty_that_day(world, rules, two_posts):
    a, b = two_posts
    assert PointClaim.objects.get(entry=propose(world, rules, day=IN_A)).assignment_id == a.pk
    assert PointClaim.objects.get(entry=propose(world, rules, day=IN_B)).assignment_id == b.pk
    # The day A ended is its first day off duty; B was not yet on duty: no post that day.
    assert PointClaim.objects.get(entry=propose(world, rules, day=dt.date(2025, 3, 31))).assignment_id is None
    # Other categories name a post only when asked to.
    deed = propose(world, rules, code="good-deed", day=IN_B)
    assert PointClaim.objects.get(entry=deed).assignment_id is None


def test_a_named_post_is_kept_even_outside_tasks(world, rules, two_posts):
    _a, b = two_posts
    deed = propose(world, rules, code="good-deed", day=IN_B, assignment=b)
    assert deed.claim.assignment_id == b.pk
    assert AuditEvent.objects.filter(object_type="points.pointentry", object_id=str(deed.pk)).get().changes[
        "assignment"
    ] == [None, b.pk]


def test_a_named_post_must_be_on_duty_that_day(world, rules, two_posts):
    a, b = two_posts
    message = refused("assignment", lambda: propose(world, rules, day=IN_B, assignment=a))
    assert "政策宣传岗" in message and "2025-06-03" in message
    refused("assignment", lambda: propose(world, rules, day=dt.date(2025, 4, 7), assignment=b))  # before the badge
    refused("assignment", lambda: propose(world, rules, day=dt.date(2025, 3, 31), assignment=a))  # the day it ended


def test_a_named_post_must_be_the_members_own(world, rules, two_posts):
    from tests import factories

    other = factories.member(world.branch_a1, "赵敏", gender="female", birth=dt.date(1985, 1, 1))
    theirs = assignment_in(world, "on_duty", member=other)
    message = refused("assignment", lambda: propose(world, rules, day=IN_B, assignment=theirs))
    assert "张强" in message


def test_an_open_post_not_yet_on_duty_is_not_offered_by_itself(world, rules):
    add_groups(world)
    assignment_in(world, "publicised")
    entry = propose(world, rules, day=dt.date(2025, 3, 7))
    assert entry.claim.assignment_id is None


# --- 定评 counts the tie --------------------------------------------------------------------------------
def test_points_for_post_a_do_not_count_for_post_b(world, rules, two_posts):
    a, b = two_posts
    propose(world, rules, day=IN_A)
    propose(world, rules, day=IN_B)
    propose(world, rules, day=dt.date(2025, 6, 4))
    assert post_queries.post_points(a, 2025) == Decimal("2")
    assert post_queries.post_points(b, 2025) == Decimal("4")
    assert queries.member_points_for_post(b.pk, dt.date(2025, 6, 4), dt.date(2025, 12, 31)) == 2
    assert post_queries.post_points(b, 2026) is None


def test_a_rejected_claim_does_not_count(world, rules, two_posts):
    _a, b = two_posts
    entry = propose(world, rules, day=IN_B, actor=world.member_user)  # the member's own claim waits
    assert entry.status == "proposed" and entry.claim.assignment_id == b.pk
    assert post_queries.post_points(b, 2025) is None
    services.entry_reject(actor=world.secretary, entry=entry, reason="未见记录")
    assert post_queries.post_points(b, 2025) is None
    approved = propose(world, rules, day=dt.date(2025, 6, 10), actor=world.member_user)
    services.entry_approve(actor=world.secretary, entry=approved)
    assert post_queries.post_points(b, 2025) == Decimal("2")


def test_a_tasks_claim_naming_no_post_does_not_count_for_the_post(world, rules, two_posts):
    """Points of the same category but for no post (e.g. a task of the branch before the badge)."""
    a, _b = two_posts
    propose(world, rules, day=dt.date(2025, 3, 2))  # before A's badge: no post on duty
    assert post_queries.post_points(a, 2025) is None


def test_the_evaluation_stores_the_points_of_its_own_post(world, rules, two_posts):
    a, b = two_posts
    propose(world, rules, day=IN_A)
    propose(world, rules, day=IN_B)
    propose(world, rules, day=dt.date(2025, 6, 4))
    evaluation = posts.post_evaluation_record(actor=None, assignment=b, year=2025, rating="competent")
    assert evaluation.points == 4
    assert posts.post_evaluation_record(actor=None, assignment=a, year=2025, rating="competent").points == 2


# --- A rule fed by a post's duties ------------------------------------------------------------------------
@pytest.fixture
def post_rule(world, rules):
    scheme = services.scheme_create(
        actor=None, name="东街村积分", org=world.branch_a1, effective_from=dt.date(2025, 1, 1), copy_from=None
    )
    return services.rule_create(
        actor=None,
        scheme=scheme,
        effective_from=dt.date(2025, 1, 1),
        data={
            "code": "duty",
            "name": "岗位履职",
            "category": "tasks",
            "direction": "award",
            "points": Decimal("3"),
            "source_kind": "post_duty",
            "evidence_required": True,
            "chain": ["secretary"],
        },
    )


def test_a_post_duty_rule_is_claimed_like_a_manual_rule(world, post_rule):
    assert not post_rule.automatic and post_rule.for_post
    assert post_rule in services.rules_for(world.zhang, dt.date(2026, 6, 1))
    assert "岗位" in post_rule.source_label


def test_a_post_duty_rule_takes_the_post_on_duty_and_refuses_a_day_without_one(world, post_rule, two_posts):
    _a, b = two_posts
    entry = services.claim_propose(
        actor=world.secretary,
        member=world.zhang,
        rule=post_rule,
        occurred_on=IN_B,
        event="清理河道垃圾",
        evidence="村委会",
    )
    assert entry.status == "approved" and entry.claim.assignment_id == b.pk
    message = refused(
        "assignment",
        lambda: services.claim_propose(
            actor=world.secretary,
            member=world.li,
            rule=post_rule,
            occurred_on=IN_B,
            event="清理河道垃圾",
            evidence="村委会",
        ),
    )
    assert "李娜" in message and "岗位履职" in message


@pytest.mark.parametrize(("data", "field"), [({"direction": "base"}, "source_kind"), ({"points": "0"}, "points")])
def test_a_post_duty_rule_is_checked_like_any_rule(world, data, field):
    values = {
        "code": "duty",
        "name": "岗位履职",
        "category": "tasks",
        "direction": "award",
        "points": "3",
        "source_kind": "post_duty",
        "chain": ["group_leader", "secretary"],
        "evidence_required": True,
    }
    assert services.validate_rule(values)["chain"] == ["group_leader", "secretary"]
    with pytest.raises(ValidationError) as exc:
        services.validate_rule({**values, **data})
    assert field in exc.value.message_dict


# --- Awards -------------------------------------------------------------------------------------------------
def test_an_award_ties_each_member_to_their_own_post(world, rules, two_posts):
    from tests import factories

    _a, b = two_posts
    other = factories.member(world.branch_a1, "赵敏", gender="female", birth=dt.date(1985, 1, 1))
    theirs = assignment_in(world, "on_duty", member=other)
    entries = services.award_bulk(
        actor=world.secretary,
        members=[world.zhang, other, world.li],
        rule=rules["task"],
        occurred_on=IN_B,
        event="防汛值守",
    )
    ties = {e.member_id: e.claim.assignment_id for e in entries}
    assert ties == {world.zhang.pk: b.pk, other.pk: theirs.pk, world.li.pk: None}
    assert post_queries.post_points(b, 2025) == 2 and post_queries.post_points(theirs, 2025) == 2
    event = AuditEvent.objects.filter(object_type="points.batch").latest("id")
    assert event.changes["assignments"][1] == {str(world.zhang.pk): b.pk, str(other.pk): theirs.pk}


def test_an_award_refuses_a_post_of_someone_not_awarded_and_writes_nothing(world, rules, two_posts):
    _a, b = two_posts
    refused(
        "assignments",
        lambda: services.award_bulk(
            actor=world.secretary,
            members=[world.li],
            rule=rules["task"],
            occurred_on=IN_B,
            event="防汛值守",
            assignments=[b],
        ),
    )


def test_a_post_duty_award_names_the_member_without_a_post(world, post_rule, two_posts):
    message = refused(
        "assignments",
        lambda: services.award_bulk(
            actor=world.secretary,
            members=[world.zhang, world.li],
            rule=post_rule,
            occurred_on=IN_B,
            event="清理河道垃圾",
            evidence="村委会",
        ),
    )
    assert "李娜" in message


# --- Pages ----------------------------------------------------------------------------------------------
def test_the_claim_page_offers_the_members_posts_and_keeps_the_one_chosen(world, client_for, rules, two_posts):
    a, b = two_posts
    client = client_for(world.secretary)
    url = f"/points/claims/new/?member={world.zhang.pk}"
    page = client.get(url).content.decode()
    assert 'name="assignment"' in page and "政策宣传岗" in page and "环境卫生岗" in page
    data = {"rule": rules["good-deed"].pk, "occurred_on": "2025-06-03", "event": "清理河道", "evidence": "村委会"}
    response = client.post(url, {**data, "assignment": a.pk})
    assert response.status_code == 200 and "不在“政策宣传岗”岗位上岗" in response.content.decode()
    assert not PointEntry.objects.exists()
    response = client.post(url, {**data, "assignment": b.pk})
    assert response.status_code == 302
    entry = PointEntry.objects.get(member=world.zhang)
    assert entry.claim.assignment_id == b.pk
    assert "环境卫生岗" in client.get(f"/points/entries/{entry.pk}/").content.decode()


def test_a_member_without_a_post_is_offered_none(world, client_for, rules, two_posts):
    page = client_for(world.secretary).get(f"/points/claims/new/?member={world.li.pk}").content.decode()
    assert 'name="rule"' in page and 'name="assignment"' not in page


def test_my_points_shows_the_post_an_entry_was_for(world, client_for, rules, two_posts):
    propose(world, rules, day=IN_B)
    page = client_for(world.member_user).get("/points/me/?year=2025").content.decode()
    assert "计入岗位：环境卫生岗" in page
