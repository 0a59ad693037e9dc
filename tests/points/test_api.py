"""The points API: the same services and scoping as the pages; members see only their own points."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.points import services
from dangjian.points.models import PointEntry, PointRule
from tests import factories
from tests.support.api import field_errors
from tests.support.audit import assert_one_audit_event


@pytest.fixture
def claim(world, rules):
    return services.claim_propose(
        actor=world.member_user,
        member=world.zhang,
        rule=rules["good-deed"],
        occurred_on=dt.date(2026, 6, 1),
        event="帮助邻居抢收小麦",
        evidence="村民李大爷可证明",
    )


def test_a_member_claims_through_the_api_and_the_secretary_approves(world, api_as, rules):
    member = api_as(world.member_user)
    response = member.post(
        "/points/claims",
        {
            "member": world.zhang.pk,
            "rule": rules["good-deed"].pk,
            "occurred_on": "2026-06-02",
            "event": "义务清扫村道",
            "evidence": "组长王五",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "proposed" and body["next_step"] == "secretary" and body["requested"] == 2.0
    # The member cannot approve their own entry: the service says so, naming the chain.
    assert member.post(f"/points/entries/{body['id']}/approve", {}).status_code == 404
    secretary = api_as(world.secretary)
    response = secretary.post(f"/points/entries/{body['id']}/approve", {"note": "属实"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved" and response.json()["points"] == 2.0
    assert [s["action"] for s in response.json()["steps"]] == ["propose", "approve"]
    balance = member.get(f"/points/members/{world.zhang.pk}/balance", {"year": 2026}).json()
    assert balance["total"] == 2.0 and balance["by_category"][0]["category"] == "rewards"


def test_a_refused_claim_names_the_field_in_chinese_and_writes_nothing(world, api_as, rules):
    response = api_as(world.member_user).post(
        "/points/claims",
        {"member": world.zhang.pk, "rule": rules["good-deed"].pk, "occurred_on": "2026-06-02", "event": "扫地"},
    )
    assert response.status_code == 422
    assert "evidence" in field_errors(response) and "截图" in field_errors(response)["evidence"]
    assert not PointEntry.objects.exists()


def test_automatic_rules_cannot_be_claimed_through_the_api(world, api_as, rules):
    response = api_as(world.secretary).post(
        "/points/claims",
        {"member": world.li.pk, "rule": rules["theme-day"].pk, "occurred_on": "2026-03-02", "event": "参加"},
    )
    assert response.status_code == 422 and "rule" in field_errors(response)


def test_unknown_fields_are_refused(world, api_as, rules):
    response = api_as(world.secretary).post(
        "/points/claims",
        {
            "member": world.li.pk,
            "rule": rules["task"].pk,
            "occurred_on": "2026-03-02",
            "event": "x",
            "status": "approved",
        },
    )
    assert response.status_code == 422 and "status" in field_errors(response)


def test_only_the_holder_of_the_step_approves(world, api_as, rules):
    entry = services.claim_propose(
        actor=world.secretary,
        member=world.li,
        rule=rules["honour"],
        occurred_on=dt.date(2026, 5, 1),
        event="获县级优秀党员",
        evidence="县委组织部文件",
    )
    assert entry.claim.next_step == "township"
    response = api_as(world.secretary).post(f"/points/entries/{entry.pk}/approve", {})
    assert response.status_code == 422 and "chain" in field_errors(response)
    assert api_as(world.sibling_secretary).post(f"/points/entries/{entry.pk}/approve", {}).status_code == 404
    response = api_as(world.town_organizer).post(f"/points/entries/{entry.pk}/reject", {"reason": "文件未见"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert response.json()["reason"] == "文件未见"


def test_entries_are_scoped_and_filtered(world, api_as, rules, claim):
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10), absent=[world.li])
    factories.meeting(world.branch_b1, ("theme_day",), dt.date(2026, 3, 12))
    secretary = api_as(world.secretary)
    items = secretary.get("/points/entries", {"year": 2026}).json()["items"]
    assert {i["member_name"] for i in items} == {"张强", "李娜"}
    only = secretary.get("/points/entries", {"member": world.li.pk, "rule": "absent"}).json()
    assert only["count"] == 1 and only["items"][0]["points"] == -2.0
    proposed = secretary.get("/points/entries", {"status": "proposed"}).json()["items"]
    assert [i["id"] for i in proposed] == [claim.pk]
    assert secretary.get("/points/entries", {"org": world.branch_b1.pk}).status_code == 404
    assert secretary.get("/points/entries", {"member": world.wang.pk}).status_code == 404
    wang_entry = PointEntry.objects.get(member=world.wang)
    assert secretary.get(f"/points/entries/{wang_entry.pk}").status_code == 404
    # A member sees their own entries and nobody else's.
    member = api_as(world.member_user)
    mine = member.get("/points/entries").json()["items"]
    assert {i["member_name"] for i in mine} == {"张强"}
    li_entry = PointEntry.objects.get(member=world.li)
    assert member.get(f"/points/entries/{li_entry.pk}").status_code == 404
    assert member.get(f"/points/members/{world.li.pk}/balance").status_code == 404


def test_branch_balances_are_for_the_committee_only(world, api_as, rules):
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10), absent=[world.li])
    services.recompute_year(year=2026)
    response = api_as(world.secretary).get("/points/balances", {"org": world.branch_a1.pk, "year": 2026})
    assert response.status_code == 200
    rows = {r["member_name"]: r["total"] for r in response.json()["items"]}
    assert rows == {"张强": 22.0, "李娜": 18.0}
    by_total = api_as(world.secretary).get("/points/balances", {"org": world.branch_a1.pk, "sort": "total"}).json()
    assert [r["member_name"] for r in by_total["items"]] == ["张强", "李娜"]
    assert api_as(world.member_user).get("/points/balances", {"org": world.branch_a1.pk}).status_code == 404
    assert api_as(world.member_user).get("/points/balances").status_code == 404
    assert api_as(world.sibling_secretary).get("/points/balances", {"org": world.branch_a1.pk}).status_code == 404


def test_the_entry_list_costs_the_same_queries_whatever_the_rows(world, api_as, rules):
    secretary = api_as(world.secretary)
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10))
    secretary.get("/points/entries")
    with CaptureQueriesContext(connection) as few:
        secretary.get("/points/entries")
    for day in (11, 12, 13, 14):
        factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, day))
    with CaptureQueriesContext(connection) as many:
        assert secretary.get("/points/entries").json()["count"] > 4
    assert len(many) == len(few)


def test_organizers_change_rules_from_a_date_and_past_entries_keep_theirs(world, api_as, rules, claim):
    services.entry_approve(actor=world.secretary, entry=claim)
    department = api_as(world.organizer)
    response = department.post(
        f"/points/rules/{rules['good-deed'].pk}/revise", {"points": 3, "cap": 9, "effective_from": "2026-07-01"}
    )
    assert response.status_code == 201, response.content
    new = response.json()
    assert new["points"] == 3.0 and new["replaces_id"] == rules["good-deed"].pk
    claim.refresh_from_db()
    assert claim.rule_id == rules["good-deed"].pk and claim.points == 2
    assert PointRule.objects.get(pk=rules["good-deed"].pk).effective_to == dt.date(2026, 6, 30)
    # A town organizer cannot change the default scheme's rules: 404, as if it did not exist.
    town = api_as(world.town_organizer)
    assert town.post(f"/points/rules/{new['id']}/end", {"on": "2026-12-31"}).status_code == 404
    assert api_as(world.secretary).post(f"/points/rules/{new['id']}/end", {"on": "2026-12-31"}).status_code == 404
    ended = department.post(f"/points/rules/{new['id']}/end", {"on": "2026-12-31"})
    assert ended.status_code == 200 and ended.json()["effective_to"] == "2026-12-31"


def test_a_town_organizer_creates_a_scheme_with_rules(world, api_as, rules):
    town = api_as(world.town_organizer)
    town.get("/auth/me")  # a token's first use is recorded; not part of the write
    with assert_one_audit_event("create"):
        response = town.post(
            "/points/schemes", {"name": "城关镇积分", "org": world.town_a.pk, "effective_from": "2026-01-01"}
        )
    assert response.status_code == 201 and response.json()["can_edit"]
    scheme = response.json()["id"]
    rule = {
        "code": "study",
        "name": "自学",
        "category": "study",
        "direction": "award",
        "points": 0.5,
        "effective_from": "2026-01-01",
    }
    refused = town.post(f"/points/schemes/{scheme}/rules", rule)
    assert refused.status_code == 422 and "points" in field_errors(refused)
    created = town.post(f"/points/schemes/{scheme}/rules", {**rule, "allow_fraction": True, "chain": ["group_leader"]})
    assert created.status_code == 201, created.content
    listed = town.get("/points/rules", {"scheme": scheme}).json()
    assert [r["code"] for r in listed] == ["study"]
    assert town.post("/points/schemes", {"name": "x", "effective_from": "2026-01-01"}).status_code == 422
    sibling = api_as(world.sibling_secretary)
    assert sibling.get("/points/rules", {"scheme": scheme}).status_code == 404
    assert scheme not in [s["id"] for s in sibling.get("/points/schemes").json()]
    assert sibling.post(f"/points/schemes/{scheme}/rules", rule).status_code == 404


PERSONAS = [("sibling_secretary", "zhang"), ("secretary", "wang"), ("town_organizer", "wang"), ("member_user", "wang")]


@pytest.mark.parametrize(("persona", "member_attr"), PERSONAS)
def test_entries_and_claims_naming_a_member_of_the_other_subtree_are_refused(
    world, api_as, rules, persona, member_attr
):
    """The entry's and the balance's own routes: tests/points/test_scoping.py."""
    member = getattr(world, member_attr)
    client = api_as(getattr(world, persona))
    assert client.get("/points/entries", {"member": member.pk}).status_code == 404
    claimed = client.post(
        "/points/claims",
        {"member": member.pk, "rule": rules["task"].pk, "occurred_on": "2026-05-02", "event": "x"},
    )
    assert claimed.status_code == 422 and "member" in field_errors(claimed)
