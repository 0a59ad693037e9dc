"""The cross-subtree walk again, with real objects: every community URL and API route that takes an id
answers 404 to a persona of another subtree. The member's own branch sees the member's hours and
check-in, but not the community's activity, and cannot change either."""

from __future__ import annotations

import pytest

from dangjian.community.models import MemberCheckIn, ServiceHours, VolunteerActivity
from tests.factories import activity
from tests.test_subtree_walk import PARAM, all_routes

KINDS = [
    ("community/activities/", "activity"),
    ("community/checkins/", "checkin"),
    ("community/members/", "member"),
    ("api/v1/community/activities/", "activity"),
    ("api/v1/community/checkins/", "checkin"),
    ("api/v1/community/members/", "member"),
]


def targets(w) -> dict[str, int]:
    a = activity(w, sheet=[(w.sun, "2"), (w.zhao, "1")])
    return {"activity": a.pk, "checkin": w.checkin.pk, "member": w.sun.pk}


def walk(client, ids, persona, kinds=None):
    walked = 0
    for route, _name in all_routes():
        if not route.startswith(("community/", "api/v1/community/")) or not PARAM.search(route):
            continue
        kind = next(k for prefix, k in KINDS if route.startswith(prefix))
        if kinds is not None and kind not in kinds:
            continue
        url = "/" + PARAM.sub(str(ids[kind]), route)
        for method in ("get", "post", "patch", "put", "delete"):
            if method == "get":
                response = client.get(url)
            else:
                response = getattr(client, method)(url, data="{}", content_type="application/json")
            assert response.status_code in (404, 405), f"{persona} {method.upper()} {url} → {response.status_code}"
            walked += 1
    return walked


@pytest.mark.parametrize("persona", ["sibling_secretary", "secretary"])
def test_every_community_route_answers_404_for_the_other_subtrees_objects(checked_in, client, persona):
    w = checked_in
    ids = targets(w)
    client.force_login(getattr(w, persona))
    assert walk(client, ids, persona) >= 50
    assert VolunteerActivity.objects.filter(state="held").count() == 1 and ServiceHours.objects.count() == 2
    assert MemberCheckIn.objects.filter(ended_on__isnull=True).count() == 1


def test_the_members_branch_sees_the_hours_but_cannot_reach_or_change_the_activity(checked_in, client):
    w = checked_in
    ids = targets(w)
    client.force_login(w.agency_secretary)
    assert walk(client, ids, "agency_secretary", kinds={"activity", "member"}) >= 30
    # the check-in: visible, not changeable
    assert client.get(f"/api/v1/community/checkins/{w.checkin.pk}").status_code == 200
    assert client.post(f"/community/checkins/{w.checkin.pk}/end/", {"ended_on": "2026-06-01"}).status_code == 404
    assert client.post(f"/community/checkins/{w.checkin.pk}/edit/", {"offers": "other"}).status_code == 404
    response = client.post(
        f"/api/v1/community/checkins/{w.checkin.pk}/end", '{"ended_on": "2026-06-01"}', content_type="application/json"
    )
    assert response.status_code == 404
    assert MemberCheckIn.objects.get().ended_on is None
    # its own member's record and service rows
    assert client.get(f"/community/members/{w.zhao.pk}/").status_code == 200
    rows = client.get(f"/api/v1/community/members/{w.zhao.pk}/service?year=2026").json()
    assert [(r["member_name"], r["hours"]) for r in rows] == [("赵敏", "1.0")]


def test_the_owner_reaches_the_same_objects(checked_in, client):
    w = checked_in
    ids = targets(w)
    client.force_login(w.community_secretary)
    for url in (
        f"/community/activities/{ids['activity']}/",
        f"/community/activities/{ids['activity']}/edit/",
        f"/community/activities/{ids['activity']}/cancel/",
        f"/community/checkins/{ids['checkin']}/end/",
        f"/community/members/{ids['member']}/",
        f"/api/v1/community/activities/{ids['activity']}",
        f"/api/v1/community/checkins/{ids['checkin']}",
    ):
        assert client.get(url).status_code == 200, url


def test_a_moved_subtree_takes_its_activities_service_rows_and_checkins_along(checked_in):
    from dangjian.community import queries
    from dangjian.organizations.models import Organization
    from dangjian.organizations.services import organization_move

    w = checked_in
    a = activity(w, sheet=[(w.sun, "2"), (w.zhao, "1")])
    organization_move(actor=None, org=w.community, new_parent=w.town_b)
    organization_move(actor=None, org=w.agency, new_parent=w.town_a)
    w.community.refresh_from_db()
    w.agency.refresh_from_db()
    assert VolunteerActivity.objects.get(pk=a.pk).org_path == w.community.path
    assert set(ServiceHours.objects.values_list("activity_path", flat=True)) == {w.community.path}
    assert ServiceHours.objects.get(member=w.zhao).org_path == w.agency.path
    assert MemberCheckIn.objects.get().org_path == w.community.path
    span = queries.Span.year(2026)
    rows = {r.name: r for r in queries.volunteer_table(Organization.objects.all(), w.root, span).rows}
    assert (rows["河口镇党委"].activities, rows["河口镇党委"].times) == (1, 2)
    assert (rows["城关镇党委"].member_times, rows["城关镇党委"].serving) == (1, 1)
