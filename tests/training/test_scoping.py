"""Real programmes and sessions of the other subtree answer 404 on every training URL and route;
attendance is seen from the member's side too."""

import pytest
from django.urls import reverse

from dangjian.training.models import Programme, Session, SessionAttendance
from tests.test_subtree_walk import PARAM, all_routes
from tests.training.conftest import programme, session

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(world):
    """A course of 河口镇 (town B) with one held session of 王伟."""
    prog = programme(world.town_b, "河口镇党员培训班", kind="course")
    return prog, session(prog, present=[world.wang])


def test_every_training_route_with_an_object_answers_404_to_another_subtree(world, other, client):
    prog, sess = other
    client.force_login(world.town_organizer)
    walked = 0
    for route, _name in all_routes():
        if not route.startswith(("training/", "api/v1/training/")) or not PARAM.search(route):
            continue
        value = sess.pk if "session" in route else prog.pk
        url = "/" + PARAM.sub(str(value), route)
        for method in ("get", "post", "patch", "put", "delete"):
            response = (
                getattr(client, method)(url, content_type="application/json") if method != "get" else client.get(url)
            )
            assert response.status_code in (404, 405), f"{method.upper()} {url} → {response.status_code}"
            walked += 1
    assert walked >= 40
    assert Programme.objects.filter(pk=prog.pk).exists() and Session.objects.get(pk=sess.pk).state == "held"


def test_attendance_is_visible_by_the_session_or_the_member(world, lecture, other):
    _prog, district_session = lecture
    town_a = SessionAttendance.objects.visible_to(world.town_organizer)
    # 张强 and 李娜 (town A's members) at the district's session; nothing of town B's course
    assert set(town_a.values_list("member__name", flat=True)) == {"张强", "李娜"}
    assert not Session.objects.visible_to(world.town_organizer).filter(pk=district_session.pk).exists()
    everything = SessionAttendance.objects.visible_to(world.organizer)
    assert everything.count() == 4
    assert not SessionAttendance.objects.writable_by(world.town_organizer).exists()
    assert not SessionAttendance.objects.visible_to(world.auditor).exists()


def test_the_programme_list_shows_only_the_subtree(world, lecture, other, client_for):
    page = client_for(world.town_organizer).get(reverse("training-programmes")).content.decode()
    assert "河口镇党员培训班" not in page and "区委大讲堂" not in page
    page = client_for(world.organizer).get(reverse("training-programmes")).content.decode()
    assert "河口镇党员培训班" in page and "区委大讲堂" in page


def test_a_moved_branch_takes_its_attendance_and_sessions_along(world, lecture):
    from dangjian.organizations.services import organization_move
    from dangjian.training.queries import person_times_table

    course = programme(world.branch_a1, "东街村支部学习班", kind="course")
    own = session(course, present=[world.zhang])
    organization_move(actor=None, org=world.branch_a1, new_parent=world.town_b)
    world.branch_a1.refresh_from_db()
    paths = set(SessionAttendance.objects.filter(member=world.zhang).values_list("org_path", flat=True))
    assert paths == {world.branch_a1.path}
    assert SessionAttendance.objects.get(session=own).session_path == world.branch_a1.path
    assert Session.objects.get(pk=own.pk).org_path == world.branch_a1.path
    year = (own.held_on.replace(month=1, day=1), own.held_on.replace(month=12, day=31))
    town_b = {r.org.name: r.figures.person_times for r in person_times_table(world.town_b, *year).rows}
    assert town_b["东街村党支部"] == 2  # 张强 at the district's lecture and at his branch's course
    assert person_times_table(world.town_a, *year).total.person_times == 0  # 李娜 was on leave
