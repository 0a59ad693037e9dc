"""The demo's training: deterministic, consistent with what the services would write and check."""

import datetime as dt

import pytest
from django.db.models import Count, Q

from dangjian.demo.build import build
from dangjian.organizations.models import Organization
from dangjian.training.models import Programme, Session, SessionAttendance
from dangjian.training.queries import person_times_table
from dangjian.training.services import AttendanceIn, check_sheet
from tests.support.clock import travel

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def demo(db, time_machine):

    travel(time_machine, TODAY)
    return build(scale="small", seed=1, today=TODAY)


def test_the_demo_holds_lectures_courses_and_trips(demo):
    kinds = set(Programme.objects.values_list("kind", flat=True))
    assert kinds == {"lecture_series", "course", "study_trip"}
    root = Organization.objects.get(pk=demo.root_id)
    lectures = Session.objects.filter(programme__kind="lecture_series", state="held")
    assert 22 <= lectures.count() <= 23 and set(lectures.values_list("org_id", flat=True)) == {root.pk}
    assert not Session.objects.filter(held_on__gte=TODAY, state="held").exists()
    planned = Session.objects.get(state="planned")
    assert planned.held_on == dt.date(2026, 12, 15) and not planned.attendance.exists()
    assert SessionAttendance.objects.count() > 1000
    assert Session.objects.earliest("held_on").held_on >= dt.date(2025, 1, 1)


def test_the_copies_and_counts_are_what_the_services_would_write(demo):
    counted = Session.objects.annotate(
        p=Count("attendance", filter=Q(attendance__status="present")),
        leave=Count("attendance", filter=Q(attendance__status="on_leave")),
    )
    for session in counted:
        assert (session.present, session.on_leave) == (session.p, session.leave), session.pk
    mismatched = SessionAttendance.objects.exclude(held_on=models_F("session__held_on"))
    assert not mismatched.exists()
    for session in Session.objects.select_related("programme__org").order_by("id")[::9]:
        rows = list(session.attendance.all())
        sheet = check_sheet(
            session.programme, session.held_on, [AttendanceIn(r.member_id, r.status, r.reason) for r in rows]
        )
        assert sheet.paths == {r.member_id: r.org_path for r in rows}
        assert {(r.session_path, r.hours) for r in rows} <= {(session.org_path, session.hours)}


def test_person_times_of_the_district(demo):
    root = Organization.objects.get(pk=demo.root_id)
    table = person_times_table(root, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    present = SessionAttendance.objects.filter(status="present", held_on__year=2026).count()
    assert table.total.person_times == present > 0
    assert sum(r.figures.person_times for r in table.rows) == present


def models_F(name):
    from django.db.models import F

    return F(name)
