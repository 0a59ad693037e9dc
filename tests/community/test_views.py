"""The pages as each persona sees them: the figures with their drill-down, recording an activity with
its sheet on one screen, check-ins by ID number, a member's record; query counts that do not grow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from dangjian.community import services
from dangjian.community.models import MemberCheckIn, ServiceHours, VolunteerActivity
from tests import factories
from tests.factories import activity
from tests.support.audit import assert_no_audit_event

D = dt.date


def test_the_community_records_an_activity_with_its_sheet_on_one_screen(checked_in, client_for):
    w = checked_in
    client = client_for(w.community_secretary)
    form = client.get(reverse("community-activity-create") + "?on=2026-06-06")
    body = form.content.decode()
    assert form.status_code == 200
    assert w.sun.name in body and w.zhao.name in body  # its member, and the one checked in (marked)
    assert w.zhang.name not in body and w.wang.name not in body
    response = client.post(
        reverse("community-activity-create"),
        {
            "state": "held",
            "held_on": "2026-06-06",
            "title": "敬老院志愿服务",
            "kind": "care",
            "place": "东街敬老院",
            f"hours_{w.sun.pk}": "2",
            f"hours_{w.zhao.pk}": "1.5",
        },
    )
    a = VolunteerActivity.objects.get()
    assert response["Location"] == reverse("community-activity", args=[a.pk])
    assert dict(ServiceHours.objects.values_list("member_id", "hours")) == {
        w.sun.pk: Decimal("2.0"),
        w.zhao.pk: Decimal("1.5"),
    }
    detail = client.get(response["Location"]).content.decode()
    assert "敬老院志愿服务" in detail and "3.5" in detail and w.agency.name in detail


def test_a_refused_sheet_comes_back_with_the_message_and_nothing_written(place, client_for):
    w = place
    client = client_for(w.community_secretary)
    with assert_no_audit_event():
        response = client.post(
            reverse("community-activity-create"),
            {"state": "held", "held_on": "2026-06-06", "title": "巡逻", "kind": "patrol", f"hours_{w.sun.pk}": "13"},
        )
    assert response.status_code == 200
    assert not VolunteerActivity.objects.exists()
    assert "12" in response.content.decode()


def test_editing_changes_the_sheet(checked_in, client_for):
    w = checked_in
    a = activity(w, sheet=[(w.sun, "2"), (w.zhao, "1")])
    client = client_for(w.community_secretary)
    page = client.get(reverse("community-activity-edit", args=[a.pk]))
    assert page.status_code == 200
    response = client.post(
        reverse("community-activity-edit", args=[a.pk]),
        {
            "state": "held",
            "held_on": "2026-06-06",
            "title": a.title,
            "kind": a.kind,
            "version": a.version,
            f"hours_{w.sun.pk}": "3",
        },
    )
    assert response.status_code == 302
    assert dict(ServiceHours.objects.values_list("member_id", "hours")) == {w.sun.pk: Decimal("3.0")}


def test_cancel_and_delete_pages(place, client_for):
    w = place
    a = activity(w, sheet=[(w.sun, "2")])
    client = client_for(w.community_secretary)
    assert client.get(reverse("community-activity-cancel", args=[a.pk])).status_code == 200
    client.post(reverse("community-activity-cancel", args=[a.pk]), {"reason": "下雨", "version": a.version})
    a.refresh_from_db()
    assert a.state == "cancelled" and not ServiceHours.objects.exists()
    client.post(reverse("community-activity-delete", args=[a.pk]), {"confirm": "on", "version": a.version})
    assert not VolunteerActivity.objects.exists()


def test_a_checkin_is_recorded_by_id_number_and_name(place, client_for):
    w = place
    client = client_for(w.community_secretary)
    page = client.get(reverse("community-checkin-create"))
    assert page.status_code == 200 and w.community.name in page.content.decode()
    data = {"org": w.community.code, "id_number": w.zhao.id_number, "name": "赵敏敏", "checked_in_on": "2026-03-01"}
    data["offers"] = "care"
    wrong = client.post(reverse("community-checkin-create"), data)
    assert wrong.status_code == 200 and not MemberCheckIn.objects.exists()
    data["name"] = "赵敏"
    response = client.post(reverse("community-checkin-create"), data)
    assert response.status_code == 302
    checkin = MemberCheckIn.objects.get()
    assert (checkin.member, checkin.org) == (w.zhao, w.community)
    listing = client.get(reverse("community-checkins")).content.decode()
    assert "赵敏" in listing and w.agency.name in listing
    edit = client.post(reverse("community-checkin-edit", args=[checkin.pk]), {"offers": "patrol", "version": 1})
    assert edit.status_code == 302
    checkin.refresh_from_db()
    assert (checkin.offers, checkin.version) == ("patrol", 2)
    end = client.post(reverse("community-checkin-end", args=[checkin.pk]), {"ended_on": "2026-06-01", "version": 2})
    assert end.status_code == 302
    checkin.refresh_from_db()
    assert checkin.ended_on == D(2026, 6, 1)


def test_only_a_community_is_offered_for_checkins(place, client_for):
    """The branch secretary of a village records no check-ins: no community of theirs."""
    response = client_for(place.secretary).get(reverse("community-checkin-create"))
    assert place.community.name not in response.content.decode()


def test_the_figures_page_links_each_figure_to_its_records(checked_in, client_for):
    w = checked_in
    activity(w, sheet=[(w.sun, "2"), (w.zhao, "1.5")])
    client = client_for(w.organizer)
    body = client.get(reverse("community-table") + "?year=2026").content.decode()
    assert "城关镇党委" in body and "河口镇党委" in body
    assert f"/community/service/?org={w.town_b.pk}&year=2026&side=member" in body
    assert f"/community/activities/?org={w.town_a.pk}&year=2026&state=held" in body
    assert "100.0%" in body  # township B: its one serving member checked in
    served = client.get(f"/community/service/?org={w.town_b.pk}&year=2026&side=member").content.decode()
    assert "赵敏" in served and "孙丽" not in served
    serving = client.get(f"/community/serving/?org={w.town_b.pk}").content.decode()
    assert "赵敏" in serving and w.community.name in serving


def test_the_members_own_branch_sees_the_hours_but_not_the_communitys_activity(checked_in, client_for):
    w = checked_in
    a = activity(w, sheet=[(w.sun, "2"), (w.zhao, "1.5")])
    client = client_for(w.agency_secretary)
    assert client.get(reverse("community-activity", args=[a.pk])).status_code == 404
    record = client.get(reverse("community-member", args=[w.zhao.pk]))
    body = record.content.decode()
    assert record.status_code == 200 and "敬老院志愿服务" in body and "1.5" in body
    assert reverse("community-activity", args=[a.pk]) not in body  # no link to a page it may not see
    assert "孙丽" not in body
    served = client.get(reverse("community-service")).content.decode()
    assert "赵敏" in served and "孙丽" not in served
    checkins = client.get(reverse("community-checkins")).content.decode()
    assert "赵敏" in checkins and "/end/" not in checkins  # it sees the check-in, the community ends it


def test_my_volunteer_service(checked_in, client_for):
    w = checked_in
    a = activity(w, org=w.town_a, sheet=[(w.zhang, "2")])
    body = client_for(w.member_user).get(reverse("community-me")).content.decode()
    assert a.title in body and "2.0" in body
    assert client_for(w.secretary).get(reverse("community-me")).status_code == 404


def test_pages_cost_the_same_queries_with_more_rows(checked_in, client_for, django_assert_max_num_queries):
    w = checked_in
    client = client_for(w.organizer)
    urls = [
        reverse("community-table") + "?year=2026",
        reverse("community-activities"),
        reverse("community-service"),
        reverse("community-checkins"),
        reverse("community-serving"),
        reverse("community-member", args=[w.sun.pk]),
        reverse("community-activity-create") + f"?org={w.community.pk}&on=2026-06-06",
    ]

    def counts():
        found = []
        for url in urls:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            found.append(len(ctx.captured_queries))
        return found

    first = activity(w, sheet=[(w.sun, "1")])
    urls += [reverse("community-activity", args=[first.pk]), reverse("community-activity-edit", args=[first.pk])]
    before = counts()
    for i in range(6):
        extra = factories.member(w.community, f"新{i}", birth=D(1970 + i, 1, 1))
        agent = factories.member(w.agency, f"干{i}", birth=D(1970 + i, 2, 1))
        from dangjian.community.services import checkin_create

        checkin_create(
            actor=None, member=agent, org=w.community, data={"checked_in_on": D(2026, 3, 1), "offers": "patrol"}
        )
        activity(w, held_on=D(2026, 5, 1 + i), title=f"活动{i}", sheet=[(extra, "1"), (w.sun, "1"), (agent, "2")])
    services.service_record(actor=None, activity=first, service=[services.ServiceIn(m.pk, 1) for m in (extra, agent)])
    assert counts() == before


def test_the_member_page_shows_the_volunteer_card(checked_in, client_for):
    w = checked_in
    activity(w, sheet=[(w.sun, "2"), (w.zhao, "1.5")])
    body = client_for(w.agency_secretary).get(reverse("member-detail", args=[w.zhao.pk])).content.decode()
    assert "敬老院志愿服务" in body and "1.5" in body and w.community.name in body
