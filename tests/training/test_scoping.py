"""Programmes and sessions as scoped resources (tests/support/scoped.py): anonymous users log in,
the owner reads, other subtrees get 404 on every route and lists, the auditor writes nothing, a
create or an update is one audit event, lists cost the same queries with twice the rows. Below the
declarations, what the case does not cover: the levels above, attendance seen from the member's side,
and a moved branch."""

import itertools

import pytest
from django.urls import reverse

from dangjian.organizations.services import organization_move
from dangjian.training.models import Programme, Session, SessionAttendance
from dangjian.training.queries import person_times_table
from tests.factories import SESSION_DAY, programme, session
from tests.support.routes import routes_with_an_object
from tests.support.scoped import ScopedResource, declared_shapes

pytestmark = pytest.mark.django_db
SEQ = itertools.count(1)


class TestProgramme(ScopedResource):
    model = Programme
    routes = (
        "/training/programmes/{pk}/",
        "/training/programmes/{pk}/edit/",
        "POST /training/programmes/{pk}/delete/",
        "/training/programmes/{pk}/sessions/new/",
        "/api/v1/training/programmes/{pk}",
        "PATCH /api/v1/training/programmes/{pk}",
        "DELETE /api/v1/training/programmes/{pk}",
    )
    list_routes = ("/training/programmes/", "/api/v1/training/programmes")
    create = "POST /api/v1/training/programmes"
    update = "POST /training/programmes/{pk}/edit/"

    def make(self, w, org):
        return programme(org, f"党员学习班{next(SEQ)}", kind="course")

    def shown(self, obj):
        return obj.name

    def create_data(self, w, org):
        return {"org": org.pk, "name": "新的学习班", "kind": "course", "starts_on": "2026-01-01"}

    def update_data(self, w, obj):
        return {"name": "改名的学习班", "kind": "course", "starts_on": "2026-01-01", "version": obj.version}


class TestSession(ScopedResource):
    model = Session
    routes = (
        "/training/sessions/{pk}/",
        "/training/sessions/{pk}/edit/",
        "POST /training/sessions/{pk}/cancel/",
        "POST /training/sessions/{pk}/delete/",
        "/api/v1/training/sessions/{pk}",
        "PATCH /api/v1/training/sessions/{pk}",
        "DELETE /api/v1/training/sessions/{pk}",
        "PUT /api/v1/training/sessions/{pk}/attendance",
        "POST /api/v1/training/sessions/{pk}/cancel",
    )
    list_routes = ("/api/v1/training/sessions",)
    create = "POST /api/v1/training/sessions"
    update = "PATCH /api/v1/training/sessions/{pk}"

    def make(self, w, org):
        return session(programme(org, f"党员学习班{next(SEQ)}", kind="course"), title=f"第{next(SEQ)}讲")

    def create_data(self, w, org):
        prog = programme(org, "新的学习班", kind="course")
        return {"programme": prog.pk, "held_on": SESSION_DAY.isoformat(), "title": "党章", "hours": "2"}

    def update_data(self, w, obj):
        return {"hours": "3"}


def test_every_training_route_with_an_object_is_declared():
    assert routes_with_an_object("training/", "api/v1/training/") <= declared_shapes(TestProgramme, TestSession)


@pytest.fixture
def other(world):
    """A course of 河口镇 (town B) with one held session of 王伟."""
    prog = programme(world.town_b, "河口镇党员培训班", kind="course")
    return prog, session(prog, present=[world.wang])


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
