"""``/api/v1/posts``: the catalogue (add, change, hide/offer), evaluations (定评), and the whole 一编三定
flow through the API alone — with the pages' permissions and the services' audit events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.models import AuditEvent
from dangjian.posts import queries as post_queries
from dangjian.posts import services as posts
from dangjian.posts.models import Post, PostArea, PostAssignment, PostEvaluation, PostSetting
from tests import factories
from tests.posts.posts_world import add_groups, assignment_in
from tests.support.api import field_errors, zh
from tests.support.audit import assert_one_audit_event

SORTING = {"area": "public_affairs", "name": "垃圾分类督导岗", "duties": "每周督导一次垃圾分类。"}


@pytest.fixture
def world(world):
    return add_groups(world)


def _own_post(world, org=None, name="河道巡查岗"):
    area = PostArea.objects.get(code="public_affairs")
    return posts.post_create(
        actor=None, org=org or world.branch_a1, data={"area": area, "name": name, "duties": "巡河"}
    )


# --- The catalogue -----------------------------------------------------------------------------------
def test_a_secretary_adds_a_post_for_the_branch_and_changes_it_with_the_version(world, api_as):
    api = api_as(world.secretary)
    before = AuditEvent.objects.count()
    r = api.post("/posts/catalogue", {"org": world.branch_a1.pk, **SORTING})
    assert r.status_code == 201, r.content
    created = r.json()
    assert (created["defined_by"], created["defined_by_name"], created["area"]) == (
        world.branch_a1.pk,
        "东街村党支部",
        "公共事务",
    )
    assert (created["order"], created["is_active"], created["version"]) == (0, True, 1)
    assert AuditEvent.objects.count() == before + 1
    names = [p["name"] for p in api.get("/posts/catalogue", {"org": world.branch_a1.pk}).json()]
    assert "垃圾分类督导岗" in names and len(names) == 11
    other = api_as(world.organizer).get("/posts/catalogue", {"org": world.branch_b1.pk}).json()
    assert "垃圾分类督导岗" not in [p["name"] for p in other]  # offered in the branch's subtree only

    r = api.patch(f"/posts/catalogue/{created['id']}", {"duties": "每周督导两次。", "order": 3, "version": 1})
    assert r.status_code == 200, r.content
    assert (r.json()["duties"], r.json()["order"], r.json()["version"]) == ("每周督导两次。", 3, 2)
    stale = api.patch(f"/posts/catalogue/{created['id']}", {"duties": "晚到的修改", "version": 1})
    assert stale.status_code == 409
    assert Post.objects.get(pk=created["id"]).duties == "每周督导两次。"
    r = api.patch(f"/posts/catalogue/{created['id']}", {"is_active": False})
    assert r.status_code == 200 and r.json()["is_active"] is False
    names = [p["name"] for p in api.get("/posts/catalogue", {"org": world.branch_a1.pk}).json()]
    assert "垃圾分类督导岗" not in names  # no longer offered, not deleted
    assert Post.objects.filter(pk=created["id"]).exists()


def test_the_district_defaults_are_changed_only_by_an_organizer_at_the_root(world, api_as):
    url = f"/posts/catalogue/{world.post.pk}"
    for persona in ("secretary", "town_organizer"):
        assert api_as(getattr(world, persona)).patch(url, {"duties": "改"}).status_code == 404
    town_post = _own_post(world, org=world.town_a, name="镇级岗")
    assert api_as(world.secretary).patch(f"/posts/catalogue/{town_post.pk}", {"duties": "改"}).status_code == 404
    assert api_as(world.town_organizer).patch(f"/posts/catalogue/{town_post.pk}", {"duties": "改"}).status_code == 200
    r = api_as(world.organizer).patch(url, {"duties": "宣传党的政策。"})
    assert r.status_code == 200 and r.json()["defined_by"] is None
    world.post.refresh_from_db()
    assert world.post.duties == "宣传党的政策。"


def test_a_post_is_hidden_in_a_subtree_and_the_nearest_setting_wins(world, api_as):
    secretary, town = api_as(world.secretary), api_as(world.town_organizer)
    body = {"org": world.branch_a1.pk, "post": world.post.pk, "hidden": True}
    r = secretary.post("/posts/settings", body)
    assert r.status_code == 200, r.content
    assert (r.json()["hidden"], r.json()["hidden_by"]) == (True, world.branch_a1.pk)
    offered = secretary.get("/posts/catalogue", {"org": world.branch_a1.pk}).json()
    assert world.post.pk not in [p["id"] for p in offered]
    every = secretary.get("/posts/catalogue", {"org": world.branch_a1.pk, "include_hidden": True}).json()
    assert [p["hidden"] for p in every if p["id"] == world.post.pk] == [True]
    again = secretary.post("/posts/settings", body)
    assert again.status_code == 422 and "hidden" in field_errors(again)

    r = town.post("/posts/settings", {"org": world.town_a.pk, "post": world.sanitation.pk, "hidden": True})
    assert r.status_code == 200
    in_branch = {
        p["id"]: p for p in town.get("/posts/catalogue", {"org": world.branch_a2.pk, "include_hidden": True}).json()
    }
    assert in_branch[world.sanitation.pk]["hidden_by"] == world.town_a.pk
    r = secretary.post("/posts/settings", {"org": world.branch_a1.pk, "post": world.sanitation.pk, "hidden": False})
    assert r.status_code == 200 and r.json()["hidden"] is False  # the branch's own setting is nearer
    offered = secretary.get("/posts/catalogue", {"org": world.branch_a1.pk}).json()
    assert world.sanitation.pk in [p["id"] for p in offered]
    assert PostSetting.objects.count() == 3


def test_catalogue_writes_outside_the_subtree_answer_404_and_bad_input_is_named(world, api_as):
    own = _own_post(world)
    sibling = api_as(world.sibling_secretary)
    assert sibling.post("/posts/catalogue", {"org": world.branch_a1.pk, **SORTING}).status_code == 404
    assert sibling.post("/posts/catalogue", {"org": world.branch_a1.pk}).status_code == 404
    assert sibling.patch(f"/posts/catalogue/{own.pk}", {"duties": "改"}).status_code == 404
    assert (
        sibling.post("/posts/settings", {"org": world.branch_a1.pk, "post": own.pk, "hidden": True}).status_code == 404
    )
    assert (
        sibling.post("/posts/settings", {"org": world.branch_b1.pk, "post": own.pk, "hidden": True}).status_code == 422
    )
    assert api_as(world.member_user).get("/posts/areas").status_code == 404

    api = api_as(world.secretary)
    count = Post.objects.count()
    r = api.post("/posts/catalogue", {"org": world.branch_a1.pk})
    assert r.status_code == 422 and set(field_errors(r)) == {"area", "name", "duties"}
    r = api.post("/posts/catalogue", {"org": world.branch_a1.pk, **SORTING, "area": "sports"})
    assert r.status_code == 422 and field_errors(r) == {"area": zh("Choose an area.")}
    r = api.post("/posts/catalogue", {"org": world.branch_a1.pk, **SORTING, "name": own.name})
    assert r.status_code == 422 and field_errors(r) == {"name": zh("A post with this name is already defined here.")}
    r = api.post("/posts/catalogue", {"org": world.group_a.pk, **SORTING})
    assert r.status_code == 422 and "org" in field_errors(r)
    r = api.post("/posts/catalogue", {"org": world.branch_a1.pk, **SORTING, "order": 1000})
    assert r.status_code == 422 and "order" in field_errors(r)
    r = api.patch(f"/posts/catalogue/{own.pk}", {"name": "   "})
    assert r.status_code == 422 and "name" in field_errors(r)
    assert Post.objects.count() == count
    areas = api.get("/posts/areas").json()
    assert [a["name"] for a in areas] == ["经济发展", "村务监督", "公共事务", "思想教育"]


# --- Evaluations -------------------------------------------------------------------------------------
def test_an_evaluation_is_recorded_listed_and_rated_again(world, api_as, monkeypatch):
    monkeypatch.setattr(post_queries, "post_points", lambda assignment, year: Decimal("6.5"))
    a = assignment_in(world, "on_duty")
    api = api_as(world.secretary)
    before = AuditEvent.objects.count()
    r = api.post("/posts/evaluations", {"assignment": a.pk, "year": 2025, "rating": "competent", "note": "按时履职"})
    assert r.status_code == 201, r.content
    e = r.json()
    assert (e["member_name"], e["post_name"], e["rating_label"], e["points"]) == ("张强", "政策宣传岗", "称职", 6.5)
    assert e["org_id"] == world.branch_a1.pk and e["evaluated_on"] == dt.date.today().isoformat()
    r = api.post("/posts/evaluations", {"assignment": a.pk, "year": 2025, "rating": "excellent", "on": "2026-01-10"})
    assert r.status_code == 200 and r.json()["id"] == e["id"]
    assert (r.json()["rating"], r.json()["note"], r.json()["evaluated_on"]) == ("excellent", "", "2026-01-10")
    assert AuditEvent.objects.count() == before + 2
    listed = api.get("/posts/evaluations", {"org": world.branch_a1.pk, "year": 2025, "rating": "excellent"}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == e["id"]
    for params in ({"rating": "competent"}, {"year": 2024}, {"member": world.li.pk}, {"q": "李"}):
        assert api.get("/posts/evaluations", params).json()["count"] == 0, params
    assert api.get("/posts/evaluations", {"q": "张"}).json()["count"] == 1
    assert api.get("/posts/evaluations", {"assignment": a.pk}).json()["count"] == 1
    assert api_as(world.sibling_secretary).get("/posts/evaluations").json()["count"] == 0
    assert api_as(world.sibling_secretary).get("/posts/evaluations", {"org": world.branch_a1.pk}).status_code == 404


def test_a_year_off_duty_or_another_branch_is_refused_by_field(world, api_as):
    a = assignment_in(world, "on_duty")
    api = api_as(world.secretary)
    r = api.post("/posts/evaluations", {"assignment": a.pk, "year": 2024, "rating": "competent"})
    assert r.status_code == 422 and field_errors(r) == {
        "year": zh("The member was not on duty in this post in that year.")
    }
    r = api.post("/posts/evaluations", {"assignment": a.pk, "year": 2025, "rating": "competent", "on": "2099-01-01"})
    assert r.status_code == 422 and "evaluated_on" in field_errors(r)
    r = api_as(world.sibling_secretary).post(
        "/posts/evaluations", {"assignment": a.pk, "year": 2025, "rating": "competent"}
    )
    assert r.status_code == 422 and "assignment" in field_errors(r)
    declared = assignment_in(world, "declared", member=world.li)
    r = api.post("/posts/evaluations", {"assignment": declared.pk, "year": 2025, "rating": "competent"})
    assert r.status_code == 422 and "year" in field_errors(r)
    assert not PostEvaluation.objects.exists()


def test_the_evaluation_list_costs_the_same_with_more_rows(world, api_as):
    api = api_as(world.secretary)
    a = assignment_in(world, "on_duty")
    posts.post_evaluation_record(actor=None, assignment=a, year=2025, rating="competent")
    api.get("/posts/evaluations")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        assert api.get("/posts/evaluations", {"org": world.branch_a1.pk}).json()["count"] == 1
    for i in range(4):
        m = factories.member(world.branch_a1, f"赵{i}", birth=dt.date(1981, 2, 1 + i))
        posts.post_evaluation_record(
            actor=None, assignment=assignment_in(world, "on_duty", member=m), year=2025, rating="excellent"
        )
    with CaptureQueriesContext(connection) as many:
        assert api.get("/posts/evaluations", {"org": world.branch_a1.pk}).json()["count"] == 5
    assert len(many) == len(few)


# --- The whole flow ----------------------------------------------------------------------------------
def test_the_whole_flow_runs_through_the_api_alone(world, api_as, monkeypatch):
    """Catalogue → group → declare → approve → publicise → objections → badge → evaluate → end, each
    one audit event, each visible in the lists a script reads."""
    monkeypatch.setattr(post_queries, "post_points", lambda assignment, year: Decimal("12.5"))
    api = api_as(world.secretary)

    def call(method, path, body=None, status=200):
        with assert_one_audit_event():
            r = getattr(api, method)(path, body)
        assert r.status_code == status, (path, r.content)
        return r.json()

    post = call("post", "/posts/catalogue", {"org": world.branch_a1.pk, **SORTING}, status=201)
    call(
        "post", f"/posts/groups/{world.group_a.pk}/members", {"member": world.zhang.pk, "started_on": "2025-02-01"}, 201
    )
    a = call(
        "post",
        "/posts/assignments",
        {
            "member": world.zhang.pk,
            "post": post["id"],
            "origin": "recommended",
            "recommended_by": "村委会",
            "declared_on": "2025-03-01",
        },
        status=201,
    )
    assert (a["state"], a["group_id"], a["duties"]) == ("declared", world.group_a.pk, SORTING["duties"])
    call("post", f"/posts/assignments/{a['id']}/approve", {"on": "2025-03-03", "version": a["version"]})
    a = call(
        "post",
        f"/posts/assignments/{a['id']}/publicise",
        {"notice_starts_on": "2025-03-04", "notice_ends_on": "2025-03-10"},
    )
    assert a["state"] == "publicised"
    notice = api.get("/posts/assignments", {"org": world.branch_a1.pk, "state": "publicised"}).json()
    assert [i["member_name"] for i in notice["items"]] == ["张强"]
    a = call("post", f"/posts/assignments/{a['id']}/objections", {"objections": "群众反映：无异议。"})
    assert a["objections"] == "群众反映：无异议。" and a["state"] == "publicised"
    early = api.post(f"/posts/assignments/{a['id']}/badge", {"on": "2025-03-10"})
    assert early.status_code == 422 and "on_duty_from" in field_errors(early)
    a = call("post", f"/posts/assignments/{a['id']}/badge", {"on": "2025-03-11"})
    badges = api_as(world.town_organizer).get("/posts/assignments", {"org": world.town_a.pk, "state": "on_duty"}).json()
    assert [(i["member_name"], i["post_name"]) for i in badges["items"]] == [("张强", "垃圾分类督导岗")]
    e = call("post", "/posts/evaluations", {"assignment": a["id"], "year": 2025, "rating": "excellent"}, status=201)
    assert (e["points"], e["rating_label"]) == (12.5, "优秀")
    a = call("post", f"/posts/assignments/{a['id']}/end", {"reason": "外出务工", "on": "2025-12-31"})
    assert (a["state"], a["ended_on"], a["end_reason"]) == ("ended", "2025-12-31", "外出务工")
    history = api.get("/posts/assignments", {"org": world.branch_a1.pk, "state": "ended"}).json()["items"]
    assert [(h["id"], h["objections"]) for h in history] == [(a["id"], "群众反映：无异议。")]
    evaluations = api.get("/posts/evaluations", {"assignment": a["id"]}).json()["items"]
    assert [(x["year"], x["rating"], x["points"]) for x in evaluations] == [(2025, "excellent", 12.5)]
    stored = PostAssignment.objects.get(pk=a["id"])
    assert (stored.approved_on, stored.on_duty_from) == (dt.date(2025, 3, 3), dt.date(2025, 3, 11))
    actions = list(
        AuditEvent.objects.filter(object_type="members.postassignment", object_id=str(a["id"]))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "create",
        "post_approve",
        "post_publicise",
        "post_objections",
        "post_badge",
        "post_evaluate",
        "post_end",
    ]
