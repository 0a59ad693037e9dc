"""A committee meeting's quorum: more than half of the committee sitting on the meeting's day,
when a committee is recorded (organizations.CommitteeMember); those on the sheet otherwise."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.organizations.models import Organization
from dangjian.organizations.services import committee_member_add, committee_member_end
from dangjian.orglife import queries, services
from dangjian.orglife.models import Meeting
from tests import factories

D = dt.date
SINCE = dt.date(2025, 1, 1)


def seat(org, member, post="member", on=SINCE):
    return committee_member_add(actor=None, org=org, member=member, post=post, started_on=on)


def committee_meeting(org, day, present=(), on_leave=(), absent=()):
    sheet = [services.AttendanceIn(m.pk, "present") for m in present]
    sheet += [services.AttendanceIn(m.pk, "on_leave", "生病住院") for m in on_leave]
    sheet += [services.AttendanceIn(m.pk, "absent") for m in absent]
    data = {"kinds": ["committee_meeting"], "held_on": day, "topic": "研究发展党员工作"}
    return services.meeting_create(actor=None, org=org, data=data, attendance=sheet)


def test_the_quorum_counts_the_whole_committee_of_the_day_recorded_or_not(branch, world, today):
    a, b, c = world.zhang, world.extra[0], world.extra[1]
    seat(branch, a, "secretary")
    seat(branch, b)
    seat(branch, c)
    # Only one committee member on the sheet: the other two are absent, not missing from the count.
    meeting = committee_meeting(branch, D(2026, 5, 6), present=[a])
    assert (meeting.expected, meeting.present, meeting.absent, meeting.quorate) == (3, 1, 2, False)
    meeting = committee_meeting(branch, D(2026, 5, 7), present=[a, b])
    assert (meeting.expected, meeting.present, meeting.quorate) == (3, 2, True)


def test_someone_attending_who_is_not_on_the_committee_does_not_count(branch, world, today):
    a, b, c = world.zhang, world.extra[0], world.extra[1]
    for member in (a, b, c):
        seat(branch, member)
    meeting = committee_meeting(branch, D(2026, 5, 6), present=[a, world.extra[2]], absent=[b, c])
    assert (meeting.expected, meeting.present, meeting.quorate) == (3, 1, False)
    assert meeting.attendance.count() == 4  # the guest's attendance is kept


def test_a_seat_started_after_the_day_or_ended_before_it_does_not_count(branch, world, today):
    a, b, c, d = world.zhang, world.extra[0], world.extra[1], world.extra[2]
    seat(branch, a, "secretary")
    seat(branch, b)
    ended = seat(branch, c)
    committee_member_end(actor=None, seat=ended, ended_on=D(2026, 3, 1))
    seat(branch, d, on=D(2026, 6, 1))  # joined the committee after the meeting
    meeting = committee_meeting(branch, D(2026, 5, 6), present=[a], absent=[b])
    assert meeting.expected == 2  # a and b: not c (ended before), not d (started after)
    assert (meeting.present, meeting.quorate) == (1, False)
    meeting = committee_meeting(branch, D(2026, 2, 6), present=[a, b])
    assert (meeting.expected, meeting.present, meeting.quorate) == (3, 2, True)  # c still sat then


def test_without_a_recorded_committee_those_on_the_sheet_are_expected(branch, world, today):
    meeting = committee_meeting(branch, D(2026, 5, 6), present=[world.zhang], absent=[world.extra[0]])
    assert (meeting.expected, meeting.present, meeting.quorate) == (2, 1, False)
    basis = queries.quorum_basis(meeting)
    assert basis is not None and not basis.recorded


def test_the_record_page_says_what_the_quorum_was_counted_against(branch, world, today, client_for):
    client = client_for(world.secretary)
    meeting = committee_meeting(branch, D(2026, 5, 6), present=[world.zhang])
    body = client.get(reverse("orglife-meeting", args=[meeting.pk])).content.decode()
    assert reverse("org-committee", args=[branch.pk]) in body  # none recorded: a link to record it
    seat(branch, world.zhang, "secretary")
    seat(branch, world.extra[0])
    meeting = committee_meeting(branch, D(2026, 5, 7), present=[world.zhang], absent=[world.extra[0]])
    body = client.get(reverse("orglife-meeting", args=[meeting.pk])).content.decode()
    assert "王芳" in body and reverse("org-committee", args=[branch.pk]) not in body


def test_the_sheet_of_a_committee_meeting_offers_the_committee_first_and_preselected(branch, world, client_for):
    seat(branch, world.extra[2], "secretary")
    seat(branch, world.extra[1])
    client = client_for(world.secretary)
    response = client.get(reverse("orglife-meeting-create") + "?kind=committee_meeting")
    members = response.context["form"].members
    assert [m.pk for m in members[:2]] == [world.extra[2].pk, world.extra[1].pk]
    body = response.content.decode()
    assert (
        f'name="att_{world.extra[1].pk}" value="present" class="btn-check" id="id_att_{world.extra[1].pk}_0" checked'
        in body
    )
    assert f'name="att_{world.zhang.pk}" value="none" class="btn-check" id="id_att_{world.zhang.pk}_3" checked' in body


def test_a_general_branch_committee_meeting_may_record_its_members_from_the_branches(world, today):
    general = factories.org(world.town_a, "机关党总支", level="general_branch", established_on=D(2000, 1, 1))
    below = factories.org(general, "第一党支部", established_on=D(2000, 1, 1))
    people = [factories.member(below, name) for name in ("甲", "乙", "丙")]
    for member in people:
        seat(general, member)
    meeting = committee_meeting(general, D(2026, 5, 6), present=people[:2], absent=people[2:])
    assert (meeting.expected, meeting.present, meeting.quorate) == (3, 2, True)


def test_a_recorded_committee_makes_committee_meetings_due(world, today):
    org = Organization.objects.get(pk=world.branch_a2.pk)
    org.established_on = D(1990, 1, 1)
    org.save(update_fields=["established_on"])
    infos = queries.org_infos(Organization.objects.filter(pk=org.pk))
    assert not infos[0].has_committee
    seat(org, factories.member(org, "赵六"), "secretary")
    infos = queries.org_infos(Organization.objects.filter(pk=org.pk))
    assert infos[0].has_committee
    cells = queries.current_cells(Organization.objects.get(pk=org.pk), today)
    assert any(c.kind == "committee_meeting" for c in cells)


def test_the_committee_page_costs_the_same_queries_however_many_seats(world, client_for):
    client = client_for(world.organizer)
    org = world.branch_a2
    counts = []
    for i in range(2):
        for n in range(3):
            member = factories.member(org, f"委员{i}{n}")
            added = seat(org, member)
            if n == 0:
                committee_member_end(actor=None, seat=added, ended_on=D(2025, 6, 1))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("org-committee", args=[org.pk])).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_the_meeting_stays_as_it_was_when_there_is_no_committee_meeting(branch, world, today):
    seat(branch, world.zhang, "secretary")
    meeting = factories.meeting(branch, ["theme_day"], D(2026, 5, 9))
    assert meeting.expected == Meeting.objects.get(pk=meeting.pk).expected == 5
