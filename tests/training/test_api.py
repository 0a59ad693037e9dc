"""``/api/v1/training``: the same services and scoping as the pages, errors in the shared shape."""

import pytest

from dangjian.training.models import Programme, Session, SessionAttendance
from tests.factories import SESSION_DAY as DAY
from tests.factories import session
from tests.support.api import field_errors
from tests.support.audit import assert_no_audit_event

pytestmark = pytest.mark.django_db


def test_a_script_creates_a_programme_and_records_a_session(world, api_as):
    api = api_as(world.organizer)
    response = api.post(
        "/training/programmes",
        {"org": world.root.pk, "name": "区委大讲堂", "kind": "lecture_series", "starts_on": "2026-01-01"},
    )
    assert response.status_code == 201, response.content
    programme_id = response.json()["id"]
    sheet = [
        {"member": world.zhang.pk, "status": "present"},
        {"member": world.wang.pk, "status": "on_leave", "reason": "出差"},
    ]
    response = api.post(
        "/training/sessions",
        {
            "programme": programme_id,
            "held_on": DAY.isoformat(),
            "title": "新质生产力",
            "hours": "2.5",
            "attendance": sheet,
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["present"], data["on_leave"], data["hours"]) == (1, 1, "2.5")
    session_id = data["id"]
    put = api._call("put", f"/training/sessions/{session_id}/attendance", {"attendance": sheet[:1]})
    assert put.status_code == 200 and put.json()["attendance"][0]["member_name"] == "张强"
    figures = api.get("/training/person-times", {"org": world.root.pk, "year": DAY.year}).json()
    assert figures["total"] == {"sessions": 1, "person_times": 1, "persons": 1, "person_hours": "2.5"}
    assert api.get("/training/sessions", {"programme": programme_id}).json()["count"] == 1
    assert api.patch(f"/training/sessions/{session_id}", {"hours": "3"}).json()["hours"] == "3.0"
    assert api.post(f"/training/sessions/{session_id}/cancel", {"reason": "录入错误"}).json()["state"] == "cancelled"
    assert api.delete(f"/training/sessions/{session_id}").status_code == 204
    assert api.delete(f"/training/programmes/{programme_id}").status_code == 204
    assert not Programme.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hours": "0"}, "hours"),
        ({"hours": "25"}, "hours"),
        ({"held_on": "2099-01-01"}, "held_on"),
        ({"title": " "}, "title"),
    ],
)
def test_bad_sessions_are_refused_with_the_field_and_nothing_written(world, lecture, api_as, change, field):
    prog, _sess = lecture
    api = api_as(world.organizer)
    body = {"programme": prog.pk, "held_on": DAY.isoformat(), "title": "课题", "hours": "2", **change}
    with assert_no_audit_event():
        response = api.post("/training/sessions", body)
    assert response.status_code == 422, response.content
    assert field in field_errors(response)
    assert Session.objects.count() == 1


def test_an_outsider_on_the_sheet_is_refused(world, api_as):
    api = api_as(world.town_organizer)
    prog = api.post(
        "/training/programmes", {"org": world.town_a.pk, "name": "培训班", "kind": "course", "starts_on": "2026-01-01"}
    ).json()
    body = {
        "programme": prog["id"],
        "held_on": DAY.isoformat(),
        "title": "课题",
        "hours": "2",
        "attendance": [{"member": world.wang.pk, "status": "present"}],
    }
    response = api.post("/training/sessions", body)
    assert response.status_code == 422 and "attendance" in field_errors(response)
    assert not SessionAttendance.objects.exists()


def test_extra_fields_are_forbidden(world, api_as):
    response = api_as(world.organizer).post(
        "/training/programmes",
        {"org": world.root.pk, "name": "x", "kind": "course", "starts_on": "2026-01-01", "org_path": "0001"},
    )
    assert response.status_code == 422


def test_sibling_subtree_is_404_on_every_route(world, lecture, api_as):
    prog, sess = lecture
    api = api_as(world.sibling_secretary)
    assert api.get(f"/training/programmes/{prog.pk}").status_code == 404
    assert api.get(f"/training/sessions/{sess.pk}").status_code == 404
    assert api.patch(f"/training/programmes/{prog.pk}", {"name": "x"}).status_code == 404
    assert api.patch(f"/training/sessions/{sess.pk}", {"title": "x"}).status_code == 404
    assert api._call("put", f"/training/sessions/{sess.pk}/attendance", {"attendance": []}).status_code == 404
    assert api.post(f"/training/sessions/{sess.pk}/cancel", {}).status_code == 404
    assert api.delete(f"/training/sessions/{sess.pk}").status_code == 404
    assert api.delete(f"/training/programmes/{prog.pk}").status_code == 404
    assert api.get("/training/person-times", {"org": world.town_a.pk}).status_code == 404
    assert api.get("/training/programmes", {"org": world.root.pk}).status_code == 404
    assert api.get("/training/programmes").json()["count"] == 0
    # the sibling's own figures count 王伟 at the district's lecture
    figures = api.get("/training/person-times", {"org": world.branch_b1.pk, "year": DAY.year}).json()
    assert figures["total"]["person_times"] == 1
    assert Session.objects.get(pk=sess.pk).title != "x"


def test_lists_cost_a_constant_number_of_queries(world, lecture, api_as, django_assert_max_num_queries):

    prog, _sess = lecture
    for day in range(1, 6):
        session(prog, DAY.replace(day=day), present=[world.zhang, world.wang])
    api = api_as(world.organizer)
    for url in ("/training/programmes", "/training/sessions", "/training/person-times"):
        with django_assert_max_num_queries(12):
            assert api.get(url, {"year": DAY.year}).status_code == 200
