"""一编三定: groups, the catalogue, assignments through their stages, evaluations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.models import AuditEvent
from dangjian.posts import contributions, queries
from dangjian.posts import services as posts
from dangjian.posts.models import GroupMembership, Post, PostArea, PostAssignment, PostEvaluation
from tests import factories
from tests.posts.posts_world import DAY, add_groups, assignment_in
from tests.support.audit import assert_no_audit_event, assert_one_audit_event


@pytest.fixture
def world(world):
    return add_groups(world)


def audit_count():
    return AuditEvent.objects.count()


# --- The catalogue ---------------------------------------------------------------------------------
def test_the_default_catalogue_has_four_areas_and_ten_posts_with_duties(db):
    assert list(PostArea.objects.values_list("name", flat=True)) == ["经济发展", "村务监督", "公共事务", "思想教育"]
    defaults = Post.objects.filter(org=None)
    assert defaults.count() == 10
    assert all(p.duties for p in defaults)


def test_a_township_adds_a_post_for_its_subtree_only(world):
    area = PostArea.objects.get(code="public_affairs")
    with assert_one_audit_event("create"):
        data = {"area": area, "name": "矛盾调解岗", "duties": "调解纠纷"}
        post = posts.post_create(actor=world.town_organizer, org=world.town_a, data=data)
    assert post in queries.posts_offered(world.branch_a1)
    assert post not in queries.posts_offered(world.branch_b1)


def test_the_nearest_setting_up_the_tree_decides_whether_a_post_is_offered(world):
    posts.post_setting_set(actor=None, org=world.town_a, post=world.post, hidden=True)
    assert world.post not in queries.posts_offered(world.branch_a1)
    assert world.post in queries.posts_offered(world.branch_b1)
    posts.post_setting_set(actor=None, org=world.branch_a1, post=world.post, hidden=False)
    assert world.post in queries.posts_offered(world.branch_a1)
    assert world.post not in queries.posts_offered(world.branch_a2)


def test_a_post_name_is_unique_where_it_is_defined(world):
    area = PostArea.objects.get(code="economic")
    posts.post_create(actor=None, org=world.town_a, data={"area": area, "name": "电商服务岗", "duties": "x"})
    before = Post.objects.count()
    with pytest.raises(ValidationError) as exc:
        posts.post_create(actor=None, org=world.town_a, data={"area": area, "name": "电商服务岗", "duties": "y"})
    assert "name" in exc.value.message_dict
    assert Post.objects.count() == before


def test_a_post_in_use_is_deactivated_not_deleted_and_keeps_its_assignments(world):
    assignment = assignment_in(world, "on_duty")
    posts.post_update(actor=None, post=world.post, data={"is_active": False})
    assert world.post not in queries.posts_offered(world.branch_a1)
    assignment.refresh_from_db()
    assert assignment.post_id == world.post.pk and assignment.state == "on_duty"


# --- Groups ------------------------------------------------------------------------------------------
def test_placing_a_member_in_a_group_keeps_the_history(world):
    posts.group_member_assign(actor=None, member=world.zhang, group=world.group_a, on=DAY)
    with assert_one_audit_event():
        posts.group_member_assign(actor=None, member=world.zhang, group=world.group_b, on=DAY + dt.timedelta(days=10))
    rows = list(GroupMembership.objects.filter(member=world.zhang).order_by("started_on"))
    assert [(r.org_id, r.ended_on) for r in rows] == [
        (world.group_a.pk, DAY + dt.timedelta(days=10)),
        (world.group_b.pk, None),
    ]
    assert queries.group_of(world.zhang, DAY + dt.timedelta(days=5)) == world.group_a
    assert queries.group_of(world.zhang) == world.group_b


def test_a_new_leader_replaces_the_old_one_who_stays_in_the_group(world):
    posts.group_member_assign(actor=None, member=world.zhang, group=world.group_a, is_leader=True, on=DAY)
    posts.group_member_assign(actor=None, member=world.li, group=world.group_a, on=DAY)
    later = DAY + dt.timedelta(days=3)
    posts.group_member_assign(actor=None, member=world.li, group=world.group_a, is_leader=True, on=later)
    assert queries.group_leader_of(world.zhang) == world.li
    assert queries.group_leader_of(world.zhang, DAY + dt.timedelta(days=1)) == world.zhang
    assert set(queries.members_led_by(world.li)) == {world.zhang, world.li}
    assert not queries.members_led_by(world.zhang).exists()
    assert set(queries.members_led_by(world.zhang, DAY)) == {world.zhang, world.li}


def test_members_led_by_accepts_the_leaders_user_account(world):
    posts.group_member_assign(actor=None, member=world.zhang, group=world.group_a, is_leader=True, on=DAY)
    assert list(queries.members_led_by(world.member_user)) == [world.zhang]
    assert not queries.members_led_by(world.secretary).exists()


@pytest.mark.parametrize("group_attr", ["group_sibling", "branch_a1"])
def test_a_group_must_be_a_party_group_under_the_members_branch(world, group_attr):
    with assert_no_audit_event(), pytest.raises(ValidationError) as exc:
        posts.group_member_assign(actor=None, member=world.zhang, group=getattr(world, group_attr))
    assert "group" in exc.value.message_dict
    assert not GroupMembership.objects.exists()


def test_the_branch_groups_list_their_members_leaders_first_in_two_queries(world, django_assert_num_queries):
    posts.group_member_assign(actor=None, member=world.li, group=world.group_a, on=DAY)
    posts.group_member_assign(actor=None, member=world.zhang, group=world.group_a, is_leader=True, on=DAY)
    with django_assert_num_queries(2):
        groups = queries.branch_groups(world.branch_a1)
    assert [(g, [m.member for m in rows]) for g, rows in groups] == [
        (world.group_a, [world.zhang, world.li]),
        (world.group_b, []),
    ]


# --- Assignments: invariants -------------------------------------------------------------------------
def declare(world, **overrides):
    data = {"actor": world.secretary, "member": world.zhang, "post": world.post, "origin": "self_declared"}
    data.update(overrides)
    return posts.post_assignment_declare(**data)


def refused(world, field, **overrides):
    before = PostAssignment.objects.count()
    with assert_no_audit_event(), pytest.raises(ValidationError) as exc:
        declare(world, **overrides)
    assert field in exc.value.message_dict, exc.value
    assert PostAssignment.objects.count() == before


def test_a_member_who_holds_a_post_cannot_be_given_one(world):
    world.zhang.holds_post = True
    world.zhang.save()
    refused(world, "member")


def test_a_member_with_an_open_assignment_cannot_declare_again(world):
    assignment_in(world, "publicised")
    refused(world, "member", post=world.sanitation)


def test_a_member_who_ended_an_assignment_may_take_another(world):
    assignment_in(world, "ended")
    assert declare(world, post=world.sanitation).state == "declared"


def test_the_group_must_be_under_the_members_branch(world):
    refused(world, "group", group=world.group_sibling)


def test_the_group_must_be_the_members_current_group(world):
    posts.group_member_assign(actor=None, member=world.zhang, group=world.group_a, on=DAY)
    refused(world, "group", group=world.group_b)
    assert declare(world).group == world.group_a  # taken from the membership when not given


def test_a_hidden_post_is_not_offered(world):
    posts.post_setting_set(actor=None, org=world.town_a, post=world.post, hidden=True)
    refused(world, "post")


def test_a_post_of_another_subtree_is_not_offered(world):
    area = PostArea.objects.get(code="economic")
    other = posts.post_create(actor=None, org=world.town_b, data={"area": area, "name": "河口专岗", "duties": "x"})
    refused(world, "post", post=other)


def test_a_recommended_assignment_copies_the_duties_which_may_be_changed(world):
    with assert_one_audit_event():
        a = declare(world, origin="recommended", recommended_by="第一党小组")
    assert a.duties == world.post.duties and a.org == world.branch_a1
    posts.post_assignment_update(actor=None, assignment=a, data={"duties": "每月入户宣讲两次"})
    a.refresh_from_db()
    assert a.duties == "每月入户宣讲两次"
    world.post.refresh_from_db()
    assert world.post.duties != a.duties


# --- Assignments: stages -----------------------------------------------------------------------------
def test_each_stage_writes_exactly_one_audit_event(world):
    for state in ("declared", "approved", "publicised", "on_duty", "ended"):
        PostAssignment.objects.all().delete()
        before = audit_count()
        a = assignment_in(world, state)
        assert a.state == state
        assert audit_count() - before == ["declared", "approved", "publicised", "on_duty", "ended"].index(state) + 1


@pytest.mark.parametrize(
    ("state", "step"),
    [
        ("declared", "publicise"),
        ("declared", "badge"),
        ("approved", "approve"),
        ("approved", "badge"),
        ("publicised", "approve"),
        ("on_duty", "publicise"),
        ("ended", "approve"),
        ("ended", "end"),
    ],
)
def test_stages_follow_their_order(world, state, step):
    a = assignment_in(world, state)
    calls = {
        "approve": lambda: posts.post_assignment_approve(actor=None, assignment=a),
        "publicise": lambda: posts.post_assignment_publicise(
            actor=None, assignment=a, starts_on=DAY + dt.timedelta(days=40), ends_on=DAY + dt.timedelta(days=50)
        ),
        "badge": lambda: posts.post_assignment_badge(actor=None, assignment=a),
        "end": lambda: posts.post_assignment_end(actor=None, assignment=a, reason="x"),
    }
    with assert_no_audit_event(), pytest.raises(ValidationError) as exc:
        calls[step]()
    assert "state" in exc.value.message_dict
    a.refresh_from_db()
    assert a.state == state


def test_the_public_notice_lasts_the_minimum_days(world):
    a = assignment_in(world, "approved")
    with pytest.raises(ValidationError) as exc:
        posts.post_assignment_publicise(actor=None, assignment=a, starts_on=DAY, ends_on=DAY + dt.timedelta(days=3))
    assert "notice_ends_on" in exc.value.message_dict


def test_the_badge_comes_after_the_public_notice(world):
    a = assignment_in(world, "publicised")
    with pytest.raises(ValidationError) as exc:
        posts.post_assignment_badge(actor=None, assignment=a, on=a.notice_ends_on)
    assert "on_duty_from" in exc.value.message_dict


def test_objections_are_recorded_during_the_notice_with_one_event(world):
    a = assignment_in(world, "publicised")
    with assert_one_audit_event():
        posts.post_assignment_record_objections(actor=None, assignment=a, objections="群众反映其本人环境卫生较差")
    a.refresh_from_db()
    assert a.objections.startswith("群众")


def test_ending_needs_a_reason(world):
    a = assignment_in(world, "on_duty")
    with pytest.raises(ValidationError) as exc:
        posts.post_assignment_end(actor=None, assignment=a, reason=" ")
    assert "end_reason" in exc.value.message_dict


def test_the_history_of_a_member_keeps_every_assignment(world):
    assignment_in(world, "ended")
    second = declare(world, post=world.sanitation)
    rows = list(PostAssignment.objects.filter(member=world.zhang).order_by("id"))
    assert [(r.post_id, r.state) for r in rows] == [(world.post.pk, "ended"), (world.sanitation.pk, "declared")]
    assert queries.current_assignment(world.zhang) == second


# --- Evaluation ----------------------------------------------------------------------------------------
def test_an_evaluation_shows_the_points_as_input_and_is_recorded_once_per_year(world):
    a = assignment_in(world, "on_duty")
    with assert_one_audit_event():
        evaluation = posts.post_evaluation_record(actor=None, assignment=a, year=2025, rating="excellent", note="积极")
    assert evaluation.points is None  # the seam: no points app answers yet
    with assert_one_audit_event():
        posts.post_evaluation_record(actor=None, assignment=a, year=2025, rating="competent")
    assert PostEvaluation.objects.get(assignment=a, year=2025).rating == "competent"


def test_a_year_without_duty_cannot_be_evaluated(world):
    a = assignment_in(world, "publicised")
    with pytest.raises(ValidationError) as exc:
        posts.post_evaluation_record(actor=None, assignment=a, year=2025, rating="excellent")
    assert "year" in exc.value.message_dict
    assert not PostEvaluation.objects.exists()


def test_the_evaluation_keeps_the_points_the_ledger_gives_with_their_fraction(world, monkeypatch):
    monkeypatch.setattr(contributions, "_post_points", lambda assignment_id, start, end: Decimal("2.5"))
    a = assignment_in(world, "on_duty")
    assert queries.post_points(a, 2026) == Decimal("2.5")
    evaluation = posts.post_evaluation_record(actor=None, assignment=a, year=2026, rating="competent")
    assert PostEvaluation.objects.get(pk=evaluation.pk).points == Decimal("2.5")


def test_member_of_another_branch_is_refused_as_group_member(world):
    member = factories.member(world.branch_a2, "孙丽", gender="female", birth=dt.date(1980, 1, 1))
    with pytest.raises(ValidationError):
        posts.group_member_assign(actor=None, member=member, group=world.group_a)


def test_a_post_that_ends_on_new_years_day_was_not_held_that_year():
    def held(start, end):
        return SimpleNamespace(on_duty_from=start, ended_on=end)

    assert queries.on_duty_in(held(dt.date(2024, 3, 8), dt.date(2025, 1, 2)), 2025)  # on duty on 1 January
    assert not queries.on_duty_in(held(dt.date(2024, 3, 8), dt.date(2025, 1, 1)), 2025)  # 1 January: the first day off
    assert queries.on_duty_in(held(dt.date(2025, 12, 31), None), 2025)
    assert not queries.on_duty_in(held(dt.date(2026, 1, 1), None), 2025)
    assert not queries.on_duty_in(held(None, None), 2025)  # never put on duty
