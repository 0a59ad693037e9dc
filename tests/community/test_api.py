"""The community API: the same services and scoping as the pages, errors naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dangjian.community.models import MemberCheckIn, ServiceHours, VolunteerActivity
from tests.factories import activity
from tests.support.api import field_errors


def test_record_an_activity_put_its_sheet_and_read_the_figures(checked_in, api_as):
    w = checked_in
    api = api_as(w.community_secretary)
    body = {
        "org": w.community.pk,
        "held_on": "2026-06-06",
        "title": "敬老院志愿服务",
        "kind": "care",
        "service": [{"member": w.sun.pk, "hours": "2"}],
    }
    response = api.post("/community/activities", body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert [(s["member_name"], s["hours"]) for s in data["service"]] == [("孙丽", "2.0")]
    sheet = {"service": [{"member": w.sun.pk, "hours": 3}, {"member": w.zhao.pk, "hours": 1.5}], "version": 1}
    response = api._call("put", f"/community/activities/{data['id']}/service", sheet)
    assert response.status_code == 200, response.json()
    assert dict(ServiceHours.objects.values_list("member_id", "hours")) == {
        w.sun.pk: Decimal("3.0"),
        w.zhao.pk: Decimal("1.5"),
    }
    figures = api_as(w.organizer).get("/community/figures", {"year": 2026}).json()
    assert figures["total"]["activities"] == 1 and figures["total"]["hours"] == "4.5"
    b = next(r for r in figures["rows"] if r["org_id"] == w.town_b.pk)
    assert (b["member_volunteers"], b["serving_members"], b["checked_in"], b["rate"]) == (1, 1, 1, 1.0)


def test_errors_name_the_field_and_write_nothing(checked_in, api_as):
    w = checked_in
    api = api_as(w.community_secretary)
    body = {"org": w.community.pk, "held_on": "2026-06-06", "title": "巡逻", "kind": "patrol"}
    response = api.post("/community/activities", {**body, "service": [{"member": w.wang.pk, "hours": 2}]})
    assert response.status_code == 422 and "service" in field_errors(response)
    assert api.post("/community/activities", {**body, "held_on": "2026-07-01"}).status_code == 422
    response = api.post("/community/activities", {**body, "id": 5})
    assert response.status_code == 422  # unknown fields are refused (extra="forbid")
    response = api.post("/community/activities", {**body, "org": w.branch_b1.pk})
    assert response.status_code == 422 and "org" in field_errors(response)
    assert not VolunteerActivity.objects.exists()
    a = activity(w, sheet=[(w.sun, "2")])
    response = api.patch(f"/community/activities/{a.pk}", {"title": "新名称", "version": 99})
    assert response.status_code == 409
    response = api.post(f"/community/activities/{a.pk}/cancel", {})
    assert response.status_code == 422 and "reason" in field_errors(response)


def test_checkins_through_the_api(place, api_as):
    w = place
    api = api_as(w.community_secretary)
    body = {"org": w.community.pk, "id_number": w.zhao.id_number, "name": "赵敏", "checked_in_on": "2026-03-01"}
    response = api.post("/community/checkins", {**body, "offers": "care", "name": "别人"})
    assert response.status_code == 422 and "id_number" in field_errors(response)
    response = api.post("/community/checkins", {**body, "offers": "care"})
    assert response.status_code == 201, response.json()
    checkin = response.json()
    assert (checkin["member_org_name"], checkin["org_name"]) == ("河口镇机关党支部", "东街社区党支部")
    again = api.post("/community/checkins", {**body, "offers": "care"})
    assert again.status_code == 422 and "member" in field_errors(again)
    listing = api_as(w.agency_secretary).get("/community/checkins").json()
    assert [c["member_name"] for c in listing["items"]] == ["赵敏"]
    assert api_as(w.sibling_secretary).get("/community/checkins").json()["count"] == 0
    response = api.post(f"/community/checkins/{checkin['id']}/end", {"ended_on": "2026-06-01"})
    assert response.status_code == 200 and response.json()["ended_on"] == "2026-06-01"
    assert MemberCheckIn.objects.get().ended_on is not None


def test_lists_cost_the_same_queries_with_more_rows(checked_in, api_as, django_assert_max_num_queries):
    w = checked_in
    api = api_as(w.organizer)
    activity(w, sheet=[(w.sun, "1")])
    with django_assert_max_num_queries(12):
        assert api.get("/community/activities").status_code == 200
    for i in range(8):
        activity(w, held_on=dt.date(2026, 5, 1 + i), title=f"活动{i}", sheet=[(w.sun, "1")])
    with django_assert_max_num_queries(12):
        assert api.get("/community/activities").json()["count"] == 9
    with django_assert_max_num_queries(12):
        assert api.get("/community/service").json()["count"] == 9
    with django_assert_max_num_queries(12):
        assert api.get("/community/checkins").json()["count"] == 1
