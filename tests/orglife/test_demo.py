"""The demo's year of organizational life: realistic, consistent with the services, with gaps."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Count

from dangjian.demo.build import build
from dangjian.members.models import Member
from dangjian.organizations.models import Organization
from dangjian.orglife import queries, services
from dangjian.orglife.models import Appraisal, Attendance, LifeMeetingFollowUp, Meeting, MeetingKindEntry, Reminder
from tests.support.clock import travel

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def demo(db, time_machine):

    travel(time_machine, TODAY)
    return build(scale="small", seed=1, today=TODAY)


def test_the_demo_holds_a_year_of_meetings_of_every_kind(demo):
    assert demo.meetings == Meeting.objects.count() > 800
    assert demo.attendance == Attendance.objects.count() > 5000
    kinds = set(MeetingKindEntry.objects.values_list("kind", flat=True))
    assert kinds >= {"theme_day", "general_meeting", "committee_meeting", "party_lecture", "life_meeting"}
    combined = [m for m in Meeting.objects.all() if len(m.kinds) > 1]
    assert combined  # theme days held as general meetings
    first, last = Meeting.objects.order_by("held_on").values_list("held_on", flat=True)[:1][0], TODAY
    assert first >= dt.date(2025, 11, 1) and not Meeting.objects.filter(state="held", held_on__gte=last).exists()
    assert LifeMeetingFollowUp.objects.exists() and Appraisal.objects.filter(state="decided").exists()


def test_the_derived_columns_are_what_the_services_would_write(demo):
    for meeting in Meeting.objects.filter(state="held").select_related("org").order_by("id")[::7]:
        sheet = [services.AttendanceIn(a.member_id, a.status, a.reason, a.dual_life) for a in meeting.attendance.all()]
        again = copy.copy(meeting)
        services._derive(again, sheet, services.sheet_for(meeting.org, meeting.held_on, meeting))
        fields = ("expected", "present", "on_leave", "absent", "voting_expected", "voting_present", "month")
        assert [getattr(again, f) for f in fields] == [getattr(meeting, f) for f in fields], meeting.pk


def test_attendance_comes_from_the_roster_of_the_day(demo):
    for meeting in Meeting.objects.filter(state="held").select_related("org").order_by("id")[::5]:
        roster = {m.pk for m in services.roster(meeting.org, meeting.held_on)}
        assert set(meeting.attendance.values_list("member_id", flat=True)) <= roster
    assert not Attendance.objects.filter(status="on_leave", reason="").exists()


def test_some_branches_go_quiet_for_months(demo):
    root = Organization.objects.get(parent__isnull=True)
    quiet = queries.organizations_without_meetings([root.path], months=3, on=TODAY)
    table = queries.compliance_table(Organization.objects.all(), root, 2026, TODAY)
    assert 0 < table.total.total.done < table.total.total.due  # neither perfect nor empty
    assert table.total.total.rate > 0.6
    assert quiet  # a few stalled branches: the rectification screening finds them


def test_the_demo_secretary_has_something_due_and_a_meeting_planned(demo):
    branch = Member.objects.get(user__username="secretary").org
    assert Meeting.objects.filter(org=branch, state="planned").exists()
    now = queries.current_cells(branch, TODAY)
    assert any(c.kind == "theme_day" and c.status == "due_soon" and c.planned for c in now)
    reminder = Reminder.objects.get(org=branch, kind="theme_day")  # in the secretary's inbox
    assert reminder.recipients == ["secretary"]
    appraisal = Appraisal.objects.get(org=branch)
    ratings = dict(appraisal.entries.values_list("rating").annotate(n=Count("id")))
    assert ratings.get("excellent", 0) <= appraisal.entries.count() * 334 // 1000


def test_the_same_seed_and_day_give_the_same_meetings(db, time_machine):

    travel(time_machine, TODAY)

    def snapshot():
        with transaction.atomic():
            build(scale="small", seed=5, today=TODAY)
            data = list(
                Meeting.objects.order_by("org_path", "held_on", "id").values_list(
                    "org__code", "held_on", "kinds", "present"
                )
            )
            transaction.set_rollback(True)
        return data

    assert snapshot() == snapshot()
