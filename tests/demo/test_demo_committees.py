"""The demo's committees: recorded seats that obey the service's rules, and committee meetings whose
quorum is counted against the committee of their day, as the services would count it."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.demo.build import build
from dangjian.members.queries import members_on
from dangjian.organizations.models import CommitteeMember, Organization
from dangjian.organizations.queries import committee_on
from dangjian.orglife.models import Meeting

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def demo(db, time_machine):
    from tests.support.clock import travel

    travel(time_machine, TODAY)
    return build(scale="small", seed=1, today=TODAY)


def test_every_branch_with_a_committee_has_a_secretary_and_some_history(demo):
    branches = Organization.objects.filter(level="branch", has_committee=True, dissolved_on__isnull=True)
    recorded = set(CommitteeMember.objects.filter(ended_on__isnull=True).values_list("org_id", flat=True))
    assert len(recorded) >= 0.8 * branches.count()
    for org in Organization.objects.filter(pk__in=recorded):
        open_seats = CommitteeMember.objects.filter(org=org, ended_on__isnull=True)
        assert 3 <= open_seats.count() <= 5
        secretary = open_seats.get(post="secretary")
        assert org.secretary_id == secretary.member_id
    assert CommitteeMember.objects.filter(ended_on__isnull=False).exists()


def test_every_seat_obeys_the_rules_of_the_service(demo):
    for seat in CommitteeMember.objects.select_related("member", "org"):
        assert seat.member.org_id == seat.org_id
        assert members_on(seat.org, seat.started_on).filter(pk=seat.member_id).exists()
        assert seat.member.full_member_on <= seat.started_on
        assert seat.ended_on is None or seat.started_on < seat.ended_on <= TODAY


def test_committee_meetings_expect_the_committee_of_their_day(demo):
    recorded = set(CommitteeMember.objects.values_list("org_id", flat=True))
    meetings = Meeting.objects.filter(kind_entries__kind="committee_meeting", state="held", org_id__in=recorded)
    checked = 0
    for meeting in meetings.order_by("id")[:200]:
        committee = committee_on(meeting.org_id, meeting.held_on)
        assert meeting.expected == len(committee), meeting
        present = set(meeting.attendance.filter(status="present").values_list("member_id", flat=True))
        assert meeting.present == len(present & committee)
        checked += 1
    assert checked >= 20
