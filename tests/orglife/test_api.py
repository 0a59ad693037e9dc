"""``/api/v1/orglife``: meetings recorded by a script are checked and audited like the form's;
compliance, calendars and rosters are scoped; lists cost a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.orglife.models import Meeting
from tests import factories
from tests.support.api import field_errors
from tests.support.audit import assert_one_audit_event

D = dt.date


def body(world, **extra):
    return {
        "org": world.branch_a1.pk,
        "kinds": ["theme_day", "general_meeting"],
        "held_on": "2026-06-12",
        "starts_at": "09:00",
        "place": "村党群服务中心",
        "topic": "学习党章",
        "attendance": [{"member": m.pk, "status": "present"} for m in [world.zhang, world.li, *world.extra[:2]]]
        + [{"member": world.extra[2].pk, "status": "on_leave", "reason": "生病住院"}],
        **extra,
    }


def test_a_script_records_a_meeting_with_its_attendance(world, branch, api_as):
    api = api_as(world.secretary)
    with assert_one_audit_event("create", object_type="orglife.meeting", alone=False):
        response = api.post("/orglife/meetings", body(world))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["kinds"] == ["general_meeting", "theme_day"]
    assert (data["expected"], data["present"], data["on_leave"], data["quorate"]) == (5, 4, 1, True)
    assert {a["member_name"] for a in data["attendance"]} == {"张强", "李娜", "王芳", "刘洋", "陈静"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"held_on": "2026-06-21"}, "held_on"),
        ({"kinds": ["party_lecture"]}, "lecturer"),
        ({"kinds": []}, "kinds"),
        ({"topic": "  "}, "topic"),
    ],
)
def test_bad_meetings_are_refused_with_the_field_and_nothing_written(world, branch, api_as, change, field):
    response = api_as(world.secretary).post("/orglife/meetings", body(world, **change))
    assert response.status_code == 422
    assert field in field_errors(response)
    assert not Meeting.objects.exists()


def test_an_attendee_outside_the_roster_is_refused(world, branch, api_as):
    data = body(world)
    data["attendance"].append({"member": world.wang.pk, "status": "present"})
    response = api_as(world.secretary).post("/orglife/meetings", data)
    assert response.status_code == 422 and "attendance" in field_errors(response)
    assert "王伟" not in response.content.decode()


def test_an_organization_outside_the_subtree_does_not_exist(world, branch, api_as):
    response = api_as(world.sibling_secretary).post("/orglife/meetings", body(world))
    assert response.status_code == 422 and "org" in field_errors(response)


def test_patch_replaces_the_sheet_and_checks_the_version(world, branch, api_as):
    client = api_as(world.secretary)
    meeting = client.post("/orglife/meetings", body(world)).json()
    sheet = [{"member": world.zhang.pk, "status": "present"}]
    response = client.patch(f"/orglife/meetings/{meeting['id']}", {"attendance": sheet, "version": 1})
    assert response.status_code == 200
    assert (response.json()["present"], response.json()["absent"], response.json()["quorate"]) == (1, 4, False)
    stale = client.patch(f"/orglife/meetings/{meeting['id']}", {"topic": "x", "version": 1})
    assert stale.status_code == 409


def test_cancel_keeps_the_record(world, branch, api_as):
    client = api_as(world.secretary)
    meeting = client.post("/orglife/meetings", body(world)).json()
    assert client.post(f"/orglife/meetings/{meeting['id']}/cancel", {}).status_code == 422
    response = client.post(f"/orglife/meetings/{meeting['id']}/cancel", {"reason": "重复录入"})
    assert response.json()["state"] == "cancelled"


def test_the_roster_lists_the_members_of_the_day_with_their_votes(world, branch, api_as):
    rows = api_as(world.secretary).get(f"/orglife/organizations/{branch.pk}/roster", {"on": "2026-06-01"}).json()
    votes = {r["name"]: r["voting"] for r in rows}
    assert votes == {"张强": True, "李娜": False, "王芳": True, "刘洋": True, "陈静": True}
    assert api_as(world.sibling_secretary).get(f"/orglife/organizations/{branch.pk}/roster").status_code == 404


def test_the_calendar_and_the_compliance_table(world, branch, api_as):
    factories.meeting(branch, ["theme_day"], D(2026, 5, 9))
    calendar = api_as(world.secretary).get(f"/orglife/organizations/{branch.pk}/calendar", {"year": 2026}).json()
    statuses = {(o["kind"], o["period"]): o["status"] for o in calendar["obligations"]}
    assert statuses["theme_day", "2026-05"] == "done" and statuses["theme_day", "2026-04"] == "overdue"
    assert len(calendar["meetings"]) == 1
    table = api_as(world.organizer).get("/orglife/compliance", {"year": 2026}).json()
    rows = {r["label"]: r for r in table["groups"]}
    assert rows["城关镇党委"]["by_kind"]["theme_day"]["done"] == 1
    assert api_as(world.secretary).get("/orglife/compliance", {"org": world.root.pk}).status_code == 404


def test_requirements_and_appraisals_are_listed(world, branch, api_as):
    from dangjian.orglife import services

    services.appraisal_open(actor=None, org=branch, year=2026)
    requirements = api_as(world.secretary).get("/orglife/requirements", {"current": "true"}).json()
    assert {r["kind"] for r in requirements} >= {"theme_day", "general_meeting", "appraisal"}
    page = api_as(world.secretary).get("/orglife/appraisals").json()
    assert page["count"] == 1 and page["items"][0]["ratings"] == {
        "excellent": 0,
        "qualified": 0,
        "basically_qualified": 0,
        "unqualified": 0,
    }
    assert api_as(world.sibling_secretary).get("/orglife/appraisals").json()["count"] == 0


@pytest.mark.parametrize(
    "path",
    [
        "/orglife/meetings",
        "/orglife/appraisals",
        "/orglife/compliance",
        "/orglife/requirements",
        "/orglife/organizations/{branch}/calendar",
        "/orglife/organizations/{branch}/roster",
    ],
)
def test_api_lists_cost_the_same_queries_with_more_rows(world, branch, api_as, path):
    from dangjian.orglife import services

    client = api_as(world.organizer)
    path = path.format(branch=branch.pk)
    factories.meeting(branch, ["theme_day"], D(2026, 1, 9))
    services.appraisal_open(actor=None, org=branch, year=2025)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    count()  # the first request of a token also records its use
    before = count()
    for month in (2, 3, 4):
        factories.meeting(branch, ["theme_day"], D(2026, month, 9))
    for org in (world.branch_a2, world.branch_b1):
        services.appraisal_open(actor=None, org=org, year=2026)
    for name in ("赵磊", "孙海"):
        factories.member(branch, name)
    assert count() == before
