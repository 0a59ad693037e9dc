"""``/api/v1/posts``: the same services and scoping as the pages; lists in a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.posts.models import PostAssignment
from tests import factories
from tests.posts.posts_world import add_groups, assignment_in
from tests.support.api import field_errors
from tests.support.audit import assert_one_audit_event


@pytest.fixture
def world(world):
    return add_groups(world)


def test_a_script_takes_an_assignment_through_its_stages(world, api_as):
    api = api_as(world.secretary)
    r = api.post(f"/posts/groups/{world.group_a.pk}/members", {"member": world.zhang.pk, "is_leader": True})
    assert r.status_code == 201, r.content
    r = api.post(
        "/posts/assignments",
        {"member": world.zhang.pk, "post": world.post.pk, "origin": "self_declared", "declared_on": "2025-03-01"},
    )
    assert r.status_code == 201, r.content
    a = r.json()
    assert a["group_id"] == world.group_a.pk and a["duties"] == world.post.duties
    steps = [
        ("approve", {"on": "2025-03-02"}),
        ("publicise", {"notice_starts_on": "2025-03-03", "notice_ends_on": "2025-03-09"}),
        ("badge", {"on": "2025-03-10"}),
        ("evaluate", {"year": 2025, "rating": "competent"}),
        ("end", {"reason": "外出务工", "on": "2025-12-31"}),
    ]
    for step, payload in steps:
        with assert_one_audit_event():
            r = api.post(f"/posts/assignments/{a['id']}/{step}", payload)
        assert r.status_code == 200, (step, r.content)
    assert r.json()["state"] == "ended"
    groups = api.get("/posts/groups", {"org": world.branch_a1.pk}).json()
    assert groups[0]["members"][0]["member_name"] == "张强"


def test_an_assignment_for_a_member_who_holds_a_post_is_refused_by_field(world, api_as):
    world.zhang.holds_post = True
    world.zhang.save()
    r = api_as(world.secretary).post(
        "/posts/assignments", {"member": world.zhang.pk, "post": world.post.pk, "origin": "recommended"}
    )
    assert r.status_code == 422
    assert "member" in field_errors(r)
    assert not PostAssignment.objects.exists()


def test_a_stage_out_of_order_is_refused(world, api_as):
    a = assignment_in(world, "declared")
    r = api_as(world.secretary).post(f"/posts/assignments/{a.pk}/badge", {})
    assert r.status_code == 422 and "state" in field_errors(r)


def test_the_sibling_secretary_sees_nothing(world, api_as):
    a = assignment_in(world, "on_duty")
    api = api_as(world.sibling_secretary)
    assert api.get(f"/posts/assignments/{a.pk}").status_code == 404
    assert api.get("/posts/assignments").json()["count"] == 0
    assert api.get("/posts/catalogue", {"org": world.branch_a1.pk}).status_code == 404


def test_the_catalogue_and_the_list_cost_the_same_with_more_rows(world, api_as):
    api = api_as(world.secretary)
    assignment_in(world, "on_duty")
    api.get("/posts/assignments", {"org": world.branch_a1.pk})  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        api.get("/posts/assignments", {"org": world.branch_a1.pk})
    for i in range(4):
        m = factories.member(world.branch_a1, f"赵{i}", birth=dt.date(1981, 2, 1 + i))
        assignment_in(world, "publicised", member=m)
    with CaptureQueriesContext(connection) as many:
        r = api.get("/posts/assignments", {"org": world.branch_a1.pk})
    assert r.json()["count"] == 5
    assert len(many) == len(few)
    assert len(api.get("/posts/catalogue", {"org": world.branch_a1.pk}).json()) == 10
