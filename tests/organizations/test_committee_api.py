"""``/api/v1/organizations/{id}/committee`` and ``/committee-seats/{id}/end``: scoping, services, errors."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.models import AuditEvent
from dangjian.organizations.models import CommitteeMember
from tests import factories
from tests.support.api import field_errors

DAY = "2024-03-01"


def test_the_secretary_adds_lists_and_ends_a_seat(world, api_as):
    api = api_as(world.secretary)
    response = api.post(
        f"/organizations/{world.branch_a1.pk}/committee",
        {"member": world.zhang.pk, "post": "secretary", "started_on": DAY},
    )
    assert response.status_code == 201, response.json()
    seat = response.json()
    assert (seat["member_name"], seat["post"], seat["ended_on"]) == ("张强", "secretary", None)
    listed = api.get(f"/organizations/{world.branch_a1.pk}/committee", {"on": "2024-03-01"}).json()
    assert [s["id"] for s in listed] == [seat["id"]]
    assert api.get(f"/organizations/{world.branch_a1.pk}/committee", {"on": "2024-02-29"}).json() == []
    ended = api.post(f"/organizations/committee-seats/{seat['id']}/end", {"ended_on": "2025-01-01", "version": 1})
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2025-01-01"
    assert AuditEvent.objects.filter(object_type="organizations.committeemember").count() == 2


def test_refusals_name_the_field_and_write_nothing(world, api_as):
    api = api_as(world.secretary)
    url = f"/organizations/{world.branch_a1.pk}/committee"
    response = api.post(url, {"member": world.wang.pk, "post": "member", "started_on": DAY})
    assert response.status_code == 422 and "member" in field_errors(response)
    response = api.post(url, {"member": world.zhang.pk, "post": "member", "started_on": "2999-01-01"})
    assert response.status_code == 422 and "started_on" in field_errors(response)
    response = api.post(url, {"member": world.zhang.pk, "post": "member"})
    assert response.status_code == 422 and "started_on" in field_errors(response)
    assert not CommitteeMember.objects.exists()


def test_a_sibling_gets_404_for_the_committee_and_its_seats(world, api_as):
    api = api_as(world.sibling_secretary)
    assert api.get(f"/organizations/{world.branch_a1.pk}/committee").status_code == 404
    response = api.post(
        f"/organizations/{world.branch_a1.pk}/committee",
        {"member": world.zhang.pk, "post": "member", "started_on": DAY},
    )
    assert response.status_code == 404
    mine = api_as(world.secretary).post(
        f"/organizations/{world.branch_a1.pk}/committee",
        {"member": world.zhang.pk, "post": "member", "started_on": DAY},
    )
    assert api.post(f"/organizations/committee-seats/{mine.json()['id']}/end", {}).status_code == 404


def test_the_committee_list_costs_the_same_queries_however_many_seats(world, api_as):
    api = api_as(world.organizer)
    counts = []
    for i in range(2):
        for n in range(3):
            factories_member = factories.member(world.branch_a2, f"委员{i}{n}")
            api.post(
                f"/organizations/{world.branch_a2.pk}/committee",
                {"member": factories_member.pk, "post": "member", "started_on": DAY},
            )
        with CaptureQueriesContext(connection) as ctx:
            assert len(api.get(f"/organizations/{world.branch_a2.pk}/committee").json()) == 3 * (i + 1)
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_the_committee_page_lets_a_secretary_add_and_end_a_seat(world, client_for):
    from django.urls import reverse

    client = client_for(world.secretary)
    url = reverse("org-committee", args=[world.branch_a1.pk])
    response = client.post(url, {"member": world.zhang.pk, "post": "secretary", "started_on": DAY})
    assert response.status_code == 302
    seat = CommitteeMember.objects.get()
    body = client.get(url).content.decode()
    assert "张强" in body and reverse("org-committee-end", args=[seat.pk]) in body
    response = client.post(reverse("org-committee-end", args=[seat.pk]), {"ended_on": "2023-01-01", "version": 1})
    assert response.status_code == 200 and "ended_on" in response.context["form"].errors
    response = client.post(reverse("org-committee-end", args=[seat.pk]), {"ended_on": "2025-01-01", "version": 1})
    assert response.status_code == 302
    assert CommitteeMember.objects.get().ended_on == dt.date(2025, 1, 1)
    assert client_for(world.auditor).post(url, {"member": world.zhang.pk}).status_code == 404
