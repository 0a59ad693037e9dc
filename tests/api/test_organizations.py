"""``/api/v1/organizations``: each persona's view of the tree, writes through the services, errors."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.models import AuditEvent
from dangjian.organizations.models import Organization
from tests import factories
from tests.support.api import field_errors, has_chinese, zh

PERSONAS = ["organizer", "town_organizer", "secretary", "sibling_secretary", "member_user", "auditor"]


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def snapshot():
    """Everything an organization write could touch, to prove a refused request wrote nothing."""
    return (
        AuditEvent.objects.exclude(action__in=["api_login"]).count(),
        list(
            Organization.objects.order_by("pk").values_list(
                "pk", "name", "path", "parent_id", "dissolved_on", "version"
            )
        ),
    )


# --- What each persona sees ------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_lists_exactly_the_organizations_it_may_see(world, api_as, persona):
    user = getattr(world, persona)
    response = api_as(user).get("/organizations", {"page_size": 200})
    expected = set(Organization.objects.visible_to(user).values_list("pk", flat=True))
    assert ids(response) == expected
    assert response.json()["count"] == len(expected)


def test_the_personas_see_the_subtrees_of_their_grants(world, api_as):
    assert ids(api_as(world.town_organizer).get("/organizations")) == {
        world.town_a.pk,
        world.branch_a1.pk,
        world.branch_a2.pk,
    }
    assert ids(api_as(world.secretary).get("/organizations")) == {world.branch_a1.pk}
    assert ids(api_as(world.auditor).get("/organizations")) == set()


@pytest.mark.parametrize("persona", ["organizer", "town_organizer", "secretary", "sibling_secretary"])
def test_the_subtree_of_a_persona_s_own_organization_is_what_it_may_see_there(world, api_as, persona):
    user = getattr(world, persona)
    top = Organization.objects.visible_to(user).order_by("path").first()
    response = api_as(user).get(f"/organizations/{top.pk}/subtree", {"page_size": 200})
    assert ids(response) == set(Organization.objects.visible_to(user).in_subtree(top.path).values_list("pk", flat=True))


def test_children_are_the_direct_children_with_their_counts(world, api_as):
    response = api_as(world.organizer).get(f"/organizations/{world.root.pk}/children")
    items = response.json()["items"]
    assert [i["id"] for i in items] == [world.town_a.pk, world.town_b.pk]
    assert [i["child_count"] for i in items] == [2, 1]


def test_ancestors_are_only_those_the_user_may_see(world, api_as):
    path = f"/organizations/{world.branch_a1.pk}/ancestors"
    assert [o["id"] for o in api_as(world.organizer).get(path).json()] == [world.root.pk, world.town_a.pk]
    assert [o["id"] for o in api_as(world.town_organizer).get(path).json()] == [world.town_a.pk]
    assert api_as(world.secretary).get(path).json() == []


def test_the_parent_id_is_hidden_when_the_parent_is_outside_the_subtree(world, api_as):
    path = f"/organizations/{world.branch_a1.pk}"
    assert api_as(world.secretary).get(path).json()["parent_id"] is None
    assert api_as(world.town_organizer).get(path).json()["parent_id"] == world.town_a.pk


def test_the_detail_shows_labels_in_chinese_and_no_internal_path(world, api_as):
    body = api_as(world.organizer).get(f"/organizations/{world.branch_a1.pk}").json()
    assert body["code"] == "TA-001"
    assert body["level"] == "branch"
    assert has_chinese(body["level_label"]) and has_chinese(body["sector_label"])
    assert body["depth"] == 3
    assert "path" not in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"level": "committee"}, {"root", "town_a", "town_b"}),
        ({"sector": "agency"}, {"root"}),
        ({"q": "东街"}, {"branch_a1"}),
        ({"q": "djc"}, {"branch_a1"}),  # pinyin initials of 东街村
        ({"q": "dongjie"}, {"branch_a1"}),
        ({"q": "ta-00"}, {"branch_a1", "branch_a2"}),  # code prefix, any case
        ({"q": "TB"}, {"town_b", "branch_b1"}),
        ({"active": "false"}, set()),
        ({"active": "true", "level": "branch"}, {"branch_a1", "branch_a2", "branch_b1"}),
    ],
)
def test_the_list_filters(world, api_as, params, expected):
    response = api_as(world.organizer).get("/organizations", params)
    assert ids(response) == {getattr(world, name).pk for name in expected}


def test_the_parent_filter_gives_direct_children(world, api_as):
    response = api_as(world.organizer).get("/organizations", {"parent": world.town_a.pk})
    assert ids(response) == {world.branch_a1.pk, world.branch_a2.pk}


def test_the_list_is_ordered_and_paginated(world, api_as):
    client = api_as(world.organizer)
    by_code = client.get("/organizations", {"ordering": "-code"}).json()["items"]
    assert [o["code"] for o in by_code] == sorted((o["code"] for o in by_code), reverse=True)
    by_path = client.get("/organizations").json()["items"]
    assert by_path[0]["id"] == world.root.pk
    page2 = client.get("/organizations", {"page": 2, "page_size": 4}).json()
    assert page2["count"] == 6
    assert [o["id"] for o in page2["items"]] == [o["id"] for o in by_path[4:6]]
    assert client.get("/organizations", {"page": 9}).json()["items"] == []


# --- Nobody reaches outside their subtree ---------------------------------------------------

OUTSIDE = [
    # persona, organization outside its subtree, a parent it could otherwise move it under
    ("sibling_secretary", "branch_a1", "town_b"),
    ("sibling_secretary", "town_a", "town_b"),
    ("secretary", "branch_b1", "town_a"),
    ("town_organizer", "branch_b1", "town_a"),
    ("town_organizer", "town_b", "town_a"),
    ("member_user", "branch_a1", "town_a"),
    ("auditor", "branch_a1", "town_b"),
]


@pytest.mark.parametrize(("persona", "target", "parent"), OUTSIDE)
def test_every_route_answers_404_outside_the_subtree_and_writes_nothing(world, api_as, persona, target, parent):
    client = api_as(getattr(world, persona))
    pk = getattr(world, target).pk
    before = snapshot()
    calls = [
        ("get", f"/organizations/{pk}", None),
        ("get", f"/organizations/{pk}/children", None),
        ("get", f"/organizations/{pk}/subtree", None),
        ("get", f"/organizations/{pk}/ancestors", None),
        ("patch", f"/organizations/{pk}", {"name": "改名", "version": 1}),
        ("post", f"/organizations/{pk}/move", {"parent": getattr(world, parent).pk}),
        ("post", f"/organizations/{pk}/dissolve", {"on": "2026-01-01"}),
        ("get", "/organizations", {"parent": pk}),
        ("get", "/members", {"org": pk}),
    ]
    for method, path, data in calls:
        response = getattr(client, method)(path, data)
        assert response.status_code == 404, (persona, method, path, response.status_code)
        assert response.json() == {"detail": zh("Not found."), "errors": []}
    assert snapshot() == before


def test_a_missing_organization_answers_exactly_like_a_hidden_one(world, api_as):
    client = api_as(world.sibling_secretary)
    hidden = client.get(f"/organizations/{world.branch_a1.pk}")
    missing = client.get("/organizations/987654321")
    huge = client.get(f"/organizations/{2**70}")
    assert hidden.status_code == missing.status_code == huge.status_code == 404
    assert hidden.content == missing.content == huge.content


def test_a_secretary_reads_its_branch_but_may_not_change_the_tree(world, api_as):
    client = api_as(world.secretary)
    assert client.get(f"/organizations/{world.branch_a1.pk}").status_code == 200
    assert client.patch(f"/organizations/{world.branch_a1.pk}", {"name": "改名"}).status_code == 404
    response = client.post(
        "/organizations",
        {"parent": world.branch_a1.pk, "name": "第一党小组", "level": "party_group", "sector": "rural"},
    )
    assert response.status_code == 422
    assert field_errors(response) == {"parent": zh("The parent organization does not exist.")}


def test_the_top_of_a_tree_cannot_be_moved_or_dissolved(world, api_as):
    client = api_as(world.organizer)
    assert client.post(f"/organizations/{world.root.pk}/move", {"parent": world.town_a.pk}).status_code == 404
    assert client.post(f"/organizations/{world.root.pk}/dissolve", {}).status_code == 404


# --- Writes ------------------------------------------------------------------------------


def create(client, **data):
    payload = {"parent": data.pop("parent"), "name": "南街村党支部", "level": "branch", "sector": "rural", **data}
    return client.post("/organizations", payload)


def test_an_organizer_creates_an_organization_and_it_is_audited(world, api_as):
    response = create(api_as(world.town_organizer), parent=world.town_a.pk, code="ta-003", established_on="2020-03-01")
    assert response.status_code == 201
    body = response.json()
    org = Organization.objects.get(pk=body["id"])
    assert (org.parent, org.code, org.name, org.version) == (world.town_a, "TA-003", "南街村党支部", 1)
    assert body["parent_id"] == world.town_a.pk
    assert body["established_on"] == "2020-03-01"
    event = AuditEvent.objects.get(action="create", object_type="organizations.organization", object_id=str(org.pk))
    assert event.actor == world.town_organizer
    assert event.source == "127.0.0.1"


def test_a_code_left_out_is_numbered_after_the_parent(world, api_as):
    response = create(api_as(world.organizer), parent=world.town_b.pk)
    assert response.json()["code"] == "TB-002"


def test_a_parent_outside_the_writable_subtree_is_reported_as_missing(world, api_as):
    client = api_as(world.town_organizer)
    before = snapshot()
    outside = create(client, parent=world.town_b.pk)
    missing = create(client, parent=987654321)
    assert outside.status_code == missing.status_code == 422
    assert outside.content == missing.content
    assert field_errors(outside) == {"parent": zh("The parent organization does not exist.")}
    assert snapshot() == before


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"name": ""}, {"name"}),
        ({"name": "   "}, {"name"}),
        ({"name": "长" * 101}, {"name"}),
        ({"level": "village"}, {"level"}),
        ({"sector": None}, {"sector"}),
        ({"established_on": "2020-02-30"}, {"established_on"}),
        ({"established_on": "0001-01-01"}, {"established_on"}),
        ({"code": "含中文"}, {"code"}),
        ({"code": "TA-001"}, {"code"}),  # already used
        ({"term_starts_on": "2024-01-01", "term_ends_on": "2023-01-01"}, {"term_ends_on"}),
        ({"level": "committee"}, {"parent"}),  # only party groups sit inside a branch
        ({"path": "0001"}, {"path"}),
        ({"id": 99}, {"id"}),
        ({"version": 3}, {"version"}),
        ({"depth": 1, "is_staff": True}, {"depth", "is_staff"}),
        ({"secretary": 1}, {"secretary"}),
    ],
)
def test_bad_payloads_name_the_fields_in_chinese_and_write_nothing(world, api_as, payload, fields):
    client = api_as(world.organizer)
    before = snapshot()
    parent = world.branch_a1 if payload.get("level") == "committee" else world.town_a
    response = create(client, parent=parent.pk, **payload)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] == zh("The submitted data is not valid.")
    assert set(field_errors(response)) == fields
    for error in body["errors"]:
        assert error["message"]
    assert snapshot() == before


def test_django_and_service_messages_arrive_in_chinese(world, api_as):
    client = api_as(world.organizer)
    response = create(client, parent=world.town_a.pk, name="")
    assert field_errors(response)["name"] == "此项为必填项。"
    response = create(client, parent=world.branch_a1.pk, level="committee")
    assert field_errors(response)["parent"] == zh("Only party groups can sit inside a branch.")
    assert has_chinese(field_errors(response)["parent"])


def test_an_update_changes_only_the_fields_sent_and_is_audited(world, api_as):
    client = api_as(world.organizer)
    response = client.patch(
        f"/organizations/{world.branch_a1.pk}", {"name": "东街社区党支部", "has_committee": True, "version": 1}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["has_committee"], body["code"], body["version"]) == ("东街社区党支部", True, "TA-001", 2)
    event = AuditEvent.objects.filter(action="update", object_id=str(world.branch_a1.pk)).get()
    assert event.changes["name"] == ["东街村党支部", "东街社区党支部"]
    assert event.actor == world.organizer


def test_a_stale_version_is_a_409_conflict_and_writes_nothing(world, api_as):
    client = api_as(world.organizer)
    path = f"/organizations/{world.branch_a1.pk}"
    assert client.patch(path, {"name": "第一次", "version": 1}).status_code == 200
    before = snapshot()
    response = client.patch(path, {"name": "第二次", "version": 1})
    assert response.status_code == 409
    body = response.json()
    assert body["errors"][0]["field"] == "version"
    assert body["detail"] == zh(
        "Someone else saved this record while you were editing it. Reload the page and apply your change again."
    )
    assert snapshot() == before


def test_read_only_fields_cannot_be_patched(world, api_as):
    client = api_as(world.organizer)
    before = snapshot()
    for field, value in (("parent", world.town_b.pk), ("path", "0002"), ("dissolved_on", "2024-01-01"), ("id", 1)):
        response = client.patch(f"/organizations/{world.branch_a1.pk}", {field: value})
        assert response.status_code == 422
        assert set(field_errors(response)) == {field}
    for field in ("name", "code", "level", "has_committee"):
        response = client.patch(f"/organizations/{world.branch_a1.pk}", {field: None})
        assert response.status_code == 422
        assert set(field_errors(response)) == {field}
    assert snapshot() == before


def test_the_secretary_of_an_organization_is_one_of_its_members(world, api_as):
    client = api_as(world.organizer)
    path = f"/organizations/{world.branch_a1.pk}"
    response = client.patch(path, {"secretary": world.zhang.pk})
    assert response.status_code == 200
    assert response.json()["secretary_id"] == world.zhang.pk
    response = client.patch(path, {"secretary": world.wang.pk})
    assert field_errors(response) == {"secretary": zh("The member does not exist in this organization.")}
    assert client.patch(path, {"secretary": None}).json()["secretary_id"] is None


def test_moving_an_organization_rewrites_its_subtree_and_is_audited(world, api_as):
    response = api_as(world.organizer).post(
        f"/organizations/{world.branch_a2.pk}/move", {"parent": world.town_b.pk, "note": "区划调整"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["parent_id"] == world.town_b.pk
    world.branch_a2.refresh_from_db()
    assert world.branch_a2.path.startswith(world.town_b.path)
    assert AuditEvent.objects.filter(action="move", object_id=str(world.branch_a2.pk), actor=world.organizer).exists()


def test_a_move_is_checked_by_the_service_and_the_scope(world, api_as):
    organizer, town = api_as(world.organizer), api_as(world.town_organizer)
    before = snapshot()
    path = f"/organizations/{world.town_a.pk}/move"
    assert field_errors(organizer.post(path, {"parent": world.branch_a1.pk})) == {
        "parent": zh("An organization cannot be moved under itself or its own subtree.")
    }
    assert field_errors(organizer.post(path, {})) == {"parent": zh("This field is required.")}
    moved = town.post(f"/organizations/{world.branch_a2.pk}/move", {"parent": world.town_b.pk})
    assert field_errors(moved) == {"parent": zh("The parent organization does not exist.")}
    assert snapshot() == before


def test_dissolving_needs_an_empty_organization(world, api_as):
    client = api_as(world.organizer)
    refused = client.post(f"/organizations/{world.branch_a1.pk}/dissolve", {"on": "2026-01-01"})
    assert refused.status_code == 422
    assert field_errors(refused) == {"dissolved_on": zh("Transfer its members to another organization first.")}
    done = client.post(f"/organizations/{world.branch_a2.pk}/dissolve", {"on": "2026-01-01", "note": "合并"})
    assert done.status_code == 200
    assert (done.json()["dissolved_on"], done.json()["is_active"]) == ("2026-01-01", False)
    assert AuditEvent.objects.filter(action="dissolve", object_id=str(world.branch_a2.pk)).exists()
    again = client.post(f"/organizations/{world.branch_a2.pk}/dissolve", {})
    assert field_errors(again) == {"dissolved_on": zh("This organization is already dissolved.")}


# --- Query counts ------------------------------------------------------------------------


def count_queries(client, path, params) -> int:
    client.get(path, params)  # warm up: the token's first use notes its time
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("route", ["/organizations", "/organizations/{root}/children", "/organizations/{root}/subtree"])
def test_list_queries_do_not_grow_with_the_page(world, api_as, route):
    for n in range(60):
        factories.org(world.town_b, f"村{n}", level="general_branch")
    client = api_as(world.organizer)
    path = route.format(root=world.town_b.pk)
    small = count_queries(client, path, {"page_size": 5})
    large = count_queries(client, path, {"page_size": 50})
    assert small == large <= 5
