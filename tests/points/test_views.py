"""Points pages: a member sees only their own, the committee its branch, siblings get 404, query
counts do not grow with the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.points import services
from dangjian.points.models import PointEntry
from tests import factories


@pytest.fixture
def year_of_points(world, rules):
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10), absent=[world.li])
    factories.meeting(world.branch_b1, ("theme_day",), dt.date(2026, 3, 12))
    services.recompute_year(year=2026)
    return services.claim_propose(
        actor=world.member_user,
        member=world.zhang,
        rule=rules["good-deed"],
        occurred_on=dt.date(2026, 6, 1),
        event="帮助邻居抢收小麦",
        evidence="村民李大爷可证明",
    )


def test_a_member_sees_their_own_points_and_nobody_elses(world, client_for, year_of_points):
    client = client_for(world.member_user)
    page = client.get("/points/me/").content.decode()
    assert "22" in page and "帮助邻居抢收小麦" in page and "李娜" not in page
    assert client.get("/points/balances/").status_code == 404
    assert client.get("/points/distribution/").status_code == 404
    li_entry = PointEntry.objects.filter(member=world.li).first()
    assert client.get(f"/points/entries/{li_entry.pk}/").status_code == 404
    assert client.get(f"/points/entries/{year_of_points.pk}/").status_code == 200


def test_a_member_claims_on_the_page_and_the_secretary_approves_it(world, client_for, rules):
    client = client_for(world.member_user)
    response = client.post(
        "/points/claims/new/",
        {
            "rule": rules["good-deed"].pk,
            "occurred_on": "2026-06-02",
            "event": "义务清扫村道",
            "evidence": "组长王五",
        },
    )
    assert response.status_code == 302
    entry = PointEntry.objects.get(member=world.zhang, occurred_on=dt.date(2026, 6, 2))
    client = client_for(world.secretary)
    assert "义务清扫村道" in client.get("/points/inbox/").content.decode()
    client.post(f"/points/entries/{entry.pk}/approve/", {"note": ""})
    entry.refresh_from_db()
    assert entry.status == "approved"


def test_a_refused_claim_names_the_field_on_the_page(world, client_for, rules):
    client = client_for(world.member_user)
    response = client.post(
        "/points/claims/new/",
        {
            "rule": rules["good-deed"].pk,
            "occurred_on": "2026-06-02",
            "event": "义务清扫村道",
            "evidence": "",
        },
    )
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    assert not PointEntry.objects.exists()


def test_the_secretary_sees_the_branch_balances(world, client_for, year_of_points):
    page = client_for(world.secretary).get(f"/points/balances/?org={world.branch_a1.pk}&year=2026").content.decode()
    assert "张强" in page and "李娜" in page and "王伟" not in page


def test_the_sibling_secretary_gets_404_for_everything_of_the_branch(world, client_for, year_of_points):
    """The entry's own pages: tests/points/test_scoping.py; here the pages filtered by the branch."""
    client = client_for(world.sibling_secretary)
    for url in (
        f"/points/balances/?org={world.branch_a1.pk}",
        f"/points/distribution/?org={world.town_a.pk}",
        f"/points/award/?org={world.branch_a1.pk}",
        f"/points/claims/new/?member={world.zhang.pk}",
    ):
        assert client.get(url).status_code == 404, url


def test_the_distribution_names_no_member(world, client_for, year_of_points):
    page = client_for(world.organizer).get("/points/distribution/?year=2026").content.decode()
    assert "城关镇党委" in page and "张强" not in page and "王伟" not in page


def test_rules_are_changed_only_by_the_department(world, client_for, rules):
    rule = rules["task"]
    assert client_for(world.town_organizer).get(f"/points/rules/{rule.pk}/revise/").status_code == 404
    client = client_for(world.organizer)
    assert client.get("/points/rules/").status_code == 200
    response = client.post(
        f"/points/rules/{rule.pk}/revise/",
        {
            "name": rule.name,
            "category": "tasks",
            "direction": "award",
            "points": "3",
            "cap": "18",
            "cap_period": "year",
            "source_kind": "",
            "chain": ["secretary"],
            "effective_from": "2026-07-01",
        },
    )
    assert response.status_code == 302


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["secretary", "organizer"])
def test_query_counts_do_not_grow_with_the_rows(world, client_for, rules, persona):
    client = client_for(getattr(world, persona))
    urls = [
        f"/points/balances/?org={world.branch_a1.pk}&year=2026",
        "/points/distribution/?year=2026",
        "/points/inbox/",
        "/points/rules/",
    ]
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10))
    services.recompute_year(year=2026)
    services.claim_propose(
        actor=world.member_user,
        member=world.zhang,
        rule=rules["good-deed"],
        occurred_on=dt.date(2026, 4, 1),
        event="好事",
        evidence="组长",
    )
    before = [_count(client, u) for u in urls]
    for n in range(5):
        factories.member(world.branch_a1, f"党员{n}")
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 4, 10))
    services.recompute_year(year=2026)
    for n in range(3):
        services.claim_propose(
            actor=world.member_user,
            member=world.zhang,
            rule=rules["good-deed"],
            occurred_on=dt.date(2026, 5, n + 1),
            event="好事",
            evidence="组长",
        )
    assert [_count(client, u) for u in urls] == before


def test_my_points_costs_the_same_with_more_entries(world, client_for, rules):
    client = client_for(world.member_user)
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10))
    before = _count(client, "/points/me/")
    for month in (4, 5):
        factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, month, 10))
    assert _count(client, "/points/me/") == before


def test_an_automatic_entry_names_the_record_it_came_from(world, client_for, rules):
    """The secretary follows the link to the meeting; the member sees what it was without a link when
    the meeting is not theirs to open; a sibling secretary still gets 404."""
    meeting = factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10))
    entry = PointEntry.objects.get(member=world.zhang, source_type="meeting", source_id=meeting.pk)
    label = f"2026-03-10 {meeting.topic} · {world.branch_a1.name}"
    page = client_for(world.secretary).get(f"/points/entries/{entry.pk}/").content.decode()
    assert f'<a href="/orglife/meetings/{meeting.pk}/">{label}</a>' in page
    member_page = client_for(world.member_user).get(f"/points/entries/{entry.pk}/").content.decode()
    assert label in member_page
    assert client_for(world.sibling_secretary).get(f"/points/entries/{entry.pk}/").status_code == 404
