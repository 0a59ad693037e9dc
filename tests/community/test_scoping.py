"""Volunteer activities, check-ins and a member's service record as scoped resources
(tests/support/scoped.py): anonymous users log in, the community's secretary reads, other subtrees get
404 on every route and lists, the auditor writes nothing, a create or an update is one audit event,
lists cost the same queries with twice the rows. Below: the member's own branch sees the member's
hours and check-in, but not the community's activity, and cannot change either; a moved subtree."""

from __future__ import annotations

import itertools

import pytest

from dangjian.community import queries
from dangjian.community.models import MemberCheckIn, ServiceHours, VolunteerActivity
from dangjian.community.services import checkin_create
from dangjian.organizations.models import Organization
from dangjian.organizations.services import organization_move
from tests import factories
from tests.factories import activity
from tests.support.routes import routes_with_an_object
from tests.support.scoped import ScopedResource, declared_shapes

SEQ = itertools.count(1)
# The community (东街社区, township A) is reached by neither 河口村's secretary, nor 东街村's (its sibling),
# nor the agency's (河口镇机关, whose serving member 赵敏 checks in to it).
OUTSIDERS = (("sibling_secretary", "community"), ("secretary", "community"), ("agency_secretary", "community"))


class InTheCommunity(ScopedResource):
    owner = "community_secretary"
    owner_org = "community"
    outsiders = OUTSIDERS

    @pytest.fixture
    def w(self, checked_in):
        return checked_in


class TestActivity(InTheCommunity):
    model = VolunteerActivity
    routes = (
        "/community/activities/{pk}/",
        "/community/activities/{pk}/edit/",
        "/community/activities/{pk}/cancel/",
        "POST /community/activities/{pk}/delete/",
        "/api/v1/community/activities/{pk}",
        "PATCH /api/v1/community/activities/{pk}",
        "DELETE /api/v1/community/activities/{pk}",
        "PUT /api/v1/community/activities/{pk}/service",
        "POST /api/v1/community/activities/{pk}/cancel",
    )
    list_routes = ("/community/activities/", "/api/v1/community/activities")
    create = "POST /api/v1/community/activities"
    update = "PATCH /api/v1/community/activities/{pk}"

    def make(self, w, org):
        return activity(w, org=org, title=f"志愿服务{next(SEQ)}", sheet=[(w.sun, "2"), (w.zhao, "1")])

    def shown(self, obj):
        return obj.title

    def create_data(self, w, org):
        return {"org": org.pk, "held_on": "2026-06-06", "title": "巡逻", "kind": "patrol"}

    def update_data(self, w, obj):
        return {"title": "新名称", "version": obj.version}


class TestCheckIn(InTheCommunity):
    model = MemberCheckIn
    outsiders = OUTSIDERS[:2]  # the agency's secretary sees the check-in of its member: see below
    routes = (
        "/community/checkins/{pk}/edit/",
        "/community/checkins/{pk}/end/",
        "/api/v1/community/checkins/{pk}",
        "POST /api/v1/community/checkins/{pk}/end",
    )
    list_routes = ("/community/checkins/", "/api/v1/community/checkins")
    create = "POST /api/v1/community/checkins"

    def make(self, w, org):
        member = factories.member(w.agency, f"报到党员{next(SEQ)}")
        data = {"checked_in_on": factories.dt.date(2026, 3, 1), "offers": "care"}
        return checkin_create(actor=w.community_secretary, member=member, org=org, data=data)

    def shown(self, obj):
        return obj.member.name

    def create_data(self, w, org):
        member = factories.member(w.agency, f"报到党员{next(SEQ)}")
        return {
            "org": org.pk,
            "id_number": member.id_number,
            "name": member.name,
            "checked_in_on": "2026-03-01",
            "offers": "care",
        }


class TestMemberRecord(InTheCommunity):
    model = None
    routes = ("/community/members/{pk}/", "/api/v1/community/members/{pk}/service")

    def make(self, w, org):
        return factories.member(org, f"社区党员{next(SEQ)}")


def test_every_community_route_with_an_object_is_declared():
    declared = declared_shapes(TestActivity, TestCheckIn, TestMemberRecord)
    assert routes_with_an_object("community/", "api/v1/community/") <= declared


def test_the_members_branch_sees_the_hours_but_cannot_change_the_checkin(checked_in, client):
    """(That it cannot reach the community's activity or members: the outsiders above.)"""
    w = checked_in
    activity(w, sheet=[(w.sun, "2"), (w.zhao, "1")])
    client.force_login(w.agency_secretary)
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


def test_a_moved_subtree_takes_its_activities_service_rows_and_checkins_along(checked_in):
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
