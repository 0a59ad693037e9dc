"""Writes: every service validates, refuses bad input with a clear message and writes nothing,
and records exactly one audit event for what it did."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.services import ConcurrentEditError, parameter_set
from dangjian.orglife import channels, services
from dangjian.orglife.models import (
    Appraisal,
    AppraisalFollowUp,
    Attendance,
    LifeMeetingFollowUp,
    Meeting,
    MeetingKindEntry,
    Reminder,
)
from dangjian.orglife.services import AttendanceIn
from tests import factories
from tests.support.audit import assert_no_audit_event, assert_one_audit_event
from tests.support.clock import travel

D = dt.date


def everyone(world, status="present"):
    return [AttendanceIn(m.pk, status) for m in [world.zhang, world.li, *world.extra]]


def refused(call, field=None) -> str:
    """The message of the ValidationError a call raises (for ``field`` when given)."""
    with pytest.raises(ValidationError) as info:
        call()
    exc = info.value
    if field is not None:
        return " ".join(exc.message_dict[field])
    return " ".join(exc.messages)


def nothing_written():
    return not Meeting.objects.exists() and not Attendance.objects.exists() and not MeetingKindEntry.objects.exists()


def create(org, **data):
    attendance = data.pop("attendance", [])
    base = {"kinds": ["theme_day"], "held_on": D(2026, 6, 1), "topic": "主题党日"}
    base.update(data)
    return lambda: services.meeting_create(actor=None, org=org, data=base, attendance=attendance)


def test_a_held_meeting_cannot_be_dated_after_today(branch, world, today):
    with assert_no_audit_event():
        message = refused(create(branch, held_on=D(2026, 6, 21), attendance=everyone(world)), "held_on")
    assert "2026-06-20" in message
    assert nothing_written()


def test_a_planned_meeting_may_be_in_the_future_but_not_in_the_past(branch, today):
    services.meeting_create(
        actor=None,
        org=branch,
        data={"kinds": ["theme_day"], "held_on": D(2026, 7, 1), "topic": "七一", "state": "planned"},
    )
    assert refused(create(branch, state="planned", held_on=D(2026, 6, 1)), "held_on")


def test_attendees_must_be_on_the_roster(branch, world, today):
    outsider = world.wang  # a member of 河口村, another township
    message = refused(create(branch, attendance=[*everyone(world), AttendanceIn(outsider.pk, "present")]), "attendance")
    assert f"#{outsider.pk}" in message and "东街村党支部" in message
    assert outsider.name not in message  # the message names no one the secretary may not see
    assert nothing_written()


def test_a_party_lecture_needs_a_lecturer(branch, world, today):
    message = refused(create(branch, kinds=["party_lecture"], attendance=everyone(world)), "lecturer")
    assert message
    assert nothing_written()
    meeting = services.meeting_create(
        actor=None,
        org=branch,
        data={"kinds": ["party_lecture"], "held_on": D(2026, 6, 1), "topic": "党课", "lecturer": "县委党校 王老师"},
        attendance=everyone(world),
    )
    assert meeting.lecturer == "县委党校 王老师"


def test_a_leave_needs_its_reason_and_names_the_member(branch, world, today):
    sheet = [*everyone(world)[:-1], AttendanceIn(world.extra[-1].pk, "on_leave", "  ")]
    assert "陈静" in refused(create(branch, attendance=sheet), "attendance")


def test_all_errors_come_at_once(branch, world, today):
    with pytest.raises(ValidationError) as info:
        create(branch, kinds=["party_lecture", "committee_meeting"], held_on=D(2027, 1, 1), topic=" ")()
    assert {"kinds", "held_on", "topic"} <= set(info.value.message_dict)


def test_kinds_must_suit_the_organization_and_each_other(branch, world, today):
    assert refused(create(branch, kinds=["democratic_life_meeting"]), "kinds")
    assert refused(create(branch, kinds=["theme_day", "committee_meeting"], attendance=everyone(world)), "kinds")
    assert refused(create(branch, kinds=[]), "kinds")
    assert refused(create(branch, kinds=["tea_party"]), "kinds")


def test_a_member_listed_twice_is_refused(branch, world, today):
    sheet = [*everyone(world), AttendanceIn(world.zhang.pk, "absent")]
    assert "#" in refused(create(branch, attendance=sheet), "attendance")


def test_a_meeting_before_the_branch_was_founded_is_refused(branch, world, today):
    new = factories.org(world.town_a, "新村党支部", established_on=D(2026, 5, 1))
    assert "2026-05-01" in refused(create(new, held_on=D(2026, 4, 1)), "held_on")


def test_recording_a_meeting_derives_its_counts_and_writes_one_audit_event(branch, world, today):
    with assert_one_audit_event("create", object_type="orglife.meeting") as audited:
        meeting = factories.meeting(
            branch,
            ["theme_day", "general_meeting"],
            D(2026, 6, 5),
            on_leave=[(world.extra[0], "外出务工")],
            absent=[world.li],
        )
    assert (meeting.expected, meeting.present, meeting.on_leave, meeting.absent) == (5, 3, 1, 1)
    assert (meeting.voting_expected, meeting.voting_present) == (4, 3)
    assert meeting.full_quorum and meeting.quorate
    assert meeting.month == 202606
    assert set(MeetingKindEntry.objects.filter(meeting=meeting).values_list("kind", flat=True)) == {
        "theme_day",
        "general_meeting",
    }
    event = audited.event
    assert event.org_path == branch.path
    assert event.changes["attendance"][1] == {"expected": 5, "present": 3, "on_leave": 1, "absent": 1}


def test_a_member_left_off_the_sheet_of_a_general_meeting_counts_as_absent(branch, world, today):
    meeting = factories.meeting(branch, ["general_meeting"], D(2026, 6, 5), present=[world.zhang, world.extra[0]])
    assert (meeting.expected, meeting.absent, meeting.voting_expected) == (5, 3, 4)
    assert not meeting.quorate  # two of four full members: leaving people off does not lower the quorum


def test_a_changed_sheet_is_audited_once_with_who_changed(branch, world, today):
    meeting = factories.meeting(branch, ["theme_day"], D(2026, 6, 5))
    sheet = [*everyone(world)[:-1], AttendanceIn(world.extra[-1].pk, "on_leave", "生病住院")]
    with assert_one_audit_event():
        diff = services.meeting_update(actor=None, meeting=meeting, data={"place": "村委会"}, attendance=sheet)
    assert diff["place"] == ["", "村委会"]
    assert diff["attendance_changes"] == [[world.extra[-1].pk, "present", "on_leave"]]
    meeting.refresh_from_db()
    assert (meeting.present, meeting.on_leave, meeting.version) == (4, 1, 2)
    with assert_no_audit_event():
        assert services.meeting_update(actor=None, meeting=meeting, data={"place": "村委会"}) == {}


def test_a_stale_edit_is_refused(branch, world, today):
    meeting = factories.meeting(branch, ["theme_day"], D(2026, 6, 5))
    services.meeting_update(actor=None, meeting=meeting, data={"topic": "新的主题"}, expected_version=1)
    with pytest.raises(ConcurrentEditError):
        services.meeting_update(actor=None, meeting=meeting, data={"topic": "另一个主题"}, expected_version=1)


def test_changing_the_kinds_moves_the_entries(branch, world, today):
    meeting = factories.meeting(branch, ["theme_day"], D(2026, 6, 5))
    services.meeting_update(actor=None, meeting=meeting, data={"kinds": ["general_meeting", "theme_day"]})
    assert sorted(MeetingKindEntry.objects.filter(meeting=meeting).values_list("kind", flat=True)) == [
        "general_meeting",
        "theme_day",
    ]
    meeting.refresh_from_db()
    assert meeting.kinds == ["general_meeting", "theme_day"] and meeting.present == 5


def test_a_cancelled_meeting_stays_on_record_and_is_locked(branch, world, today):
    meeting = factories.meeting(branch, ["theme_day"], D(2026, 6, 5))
    assert refused(lambda: services.meeting_cancel(actor=None, meeting=meeting, reason=""), "cancel_reason")
    services.meeting_cancel(actor=None, meeting=meeting, reason="记录重复")
    meeting.refresh_from_db()
    assert meeting.state == "cancelled" and Attendance.objects.filter(meeting=meeting).count() == 5
    assert set(MeetingKindEntry.objects.filter(meeting=meeting).values_list("state", flat=True)) == {"cancelled"}
    assert refused(lambda: services.meeting_update(actor=None, meeting=meeting, data={"topic": "x"}), "state")


def test_someone_who_moved_away_stays_on_an_earlier_sheet(branch, world, time_machine):
    from dangjian.members.services import member_move

    travel(time_machine, D(2026, 5, 1))
    meeting = factories.meeting(branch, ["theme_day"], D(2026, 4, 28))
    member_move(actor=None, member=world.extra[0], org=world.branch_a2, on=D(2026, 4, 30))
    sheet = [AttendanceIn(m.pk, "present") for m in [world.zhang, world.li, *world.extra]]
    sheet[-1] = AttendanceIn(world.extra[-1].pk, "absent")
    services.meeting_update(actor=None, meeting=meeting, data={}, attendance=sheet)  # still valid for 王芳
    meeting.refresh_from_db()
    assert meeting.absent == 1


# --- Rectification items --------------------------------------------------------------------------------
def test_life_meetings_carry_rectification_items_with_due_dates(branch, world, today):
    life = factories.meeting(branch, ["life_meeting"], D(2026, 6, 2), topic="专题组织生活会")
    item = services.life_follow_up_create(
        actor=None,
        meeting=life,
        data={
            "issue": "理论学习不够深入",
            "measure": "每月集中学习一次",
            "responsible": "张强",
            "due_on": D(2026, 9, 30),
        },
    )
    assert item.org_path == branch.path and item.status == "open"
    assert refused(
        lambda: services.life_follow_up_create(
            actor=None, meeting=life, data={"issue": "x", "measure": "y", "due_on": D(2026, 5, 1)}
        ),
        "due_on",
    )
    services.life_follow_up_update(actor=None, item=item, data={"status": "done"}, expected_version=1)
    item.refresh_from_db()
    assert (item.status, item.completed_on) == ("done", D(2026, 6, 20))
    theme = factories.meeting(branch, ["theme_day"], D(2026, 6, 3))
    assert refused(
        lambda: services.life_follow_up_create(
            actor=None, meeting=theme, data={"issue": "x", "measure": "y", "due_on": D(2026, 7, 1)}
        ),
        "meeting",
    )
    assert LifeMeetingFollowUp.objects.count() == 1


# --- Requirements ---------------------------------------------------------------------------------------
def test_a_rule_cannot_be_revised_back_in_time_or_ended_before_it_starts(db, today):
    from dangjian.orglife.models import MeetingRequirement

    theme = MeetingRequirement.objects.get(kind="theme_day")
    assert refused(
        lambda: services.requirement_revise(
            actor=None, requirement=theme, data={}, effective_from=theme.effective_from
        ),
        "effective_from",
    )
    assert refused(lambda: services.requirement_end(actor=None, requirement=theme, on=D(2010, 1, 1)), "effective_to")
    with pytest.raises(ValidationError):
        services.requirement_create(
            actor=None,
            data={"kind": "theme_day", "levels": ["village"], "period": "month"},
            effective_from=D(2026, 1, 1),
        )


# --- Appraisal ------------------------------------------------------------------------------------------
def open_appraisal(branch, world, voters=5):
    appraisal = services.appraisal_open(actor=None, org=branch, year=2026)
    services.appraisal_update(actor=None, appraisal=appraisal, entries={}, vote={"voters": voters})
    appraisal.refresh_from_db()
    return appraisal


def test_tallies_may_not_exceed_the_members_present_at_the_vote(branch, world, today):
    appraisal = open_appraisal(branch, world, voters=4)
    with assert_no_audit_event():
        message = refused(
            lambda: services.appraisal_update(
                actor=None,
                appraisal=appraisal,
                entries={
                    world.zhang.pk: {"votes_excellent": 3, "votes_qualified": 2},
                    world.li.pk: {"rating": "qualified"},
                },
            ),
            "entries",
        )
    assert "张强" in message and "5" in message and "4" in message
    assert not appraisal.entries.exclude(rating="").exists()  # nothing written, not even the valid row


def test_the_vote_at_a_general_meeting_gives_the_number_of_voters(branch, world, today):
    vote = factories.meeting(branch, ["general_meeting"], D(2026, 6, 10), absent=[world.li, world.extra[0]])
    appraisal = services.appraisal_open(actor=None, org=branch, year=2026, meeting=vote)
    assert appraisal.voter_count == 3
    assert refused(
        lambda: services.appraisal_update(
            actor=None, appraisal=appraisal, entries={world.zhang.pk: {"votes_qualified": 4}}
        ),
        "entries",
    )
    theme = factories.meeting(branch, ["theme_day"], D(2026, 6, 11))
    assert refused(
        lambda: services.appraisal_update(actor=None, appraisal=appraisal, entries={}, vote={"meeting": theme}),
        "meeting",
    )


def test_the_excellent_share_is_capped_with_a_clear_message(branch, world, today):
    appraisal = open_appraisal(branch, world)
    members = [world.zhang, world.li, *world.extra]  # five: one third allows one
    ratings = {m.pk: {"rating": "excellent" if i < 2 else "qualified"} for i, m in enumerate(members)}
    services.appraisal_update(actor=None, appraisal=appraisal, entries=ratings)
    message = refused(lambda: services.appraisal_decide(actor=None, appraisal=appraisal), "entries")
    assert "2" in message and "5" in message and "33.4%" in message and "1" in message
    assert Appraisal.objects.get(pk=appraisal.pk).state == "open"
    parameter_set(actor=None, key="orglife.excellent_share_permille", value=400, effective_from=D(2026, 1, 1))
    services.appraisal_decide(actor=None, appraisal=appraisal)  # two of five is within 40%
    assert Appraisal.objects.get(pk=appraisal.pk).state == "decided"


def test_every_member_is_rated_before_deciding(branch, world, today):
    appraisal = open_appraisal(branch, world)
    services.appraisal_update(actor=None, appraisal=appraisal, entries={world.zhang.pk: {"rating": "qualified"}})
    assert "李娜" in refused(lambda: services.appraisal_decide(actor=None, appraisal=appraisal), "entries")


def test_an_unqualified_member_gets_a_follow_up_and_a_decided_appraisal_is_locked(branch, world, today):
    appraisal = open_appraisal(branch, world)
    members = [world.zhang, world.li, *world.extra]
    ratings = {m.pk: {"rating": "qualified"} for m in members}
    ratings[world.extra[2].pk] = {"rating": "unqualified", "votes_unqualified": 3, "votes_qualified": 2}
    services.appraisal_update(actor=None, appraisal=appraisal, entries=ratings)
    with assert_one_audit_event():
        services.appraisal_decide(actor=None, appraisal=appraisal)
    follow_up = AppraisalFollowUp.objects.get()
    assert follow_up.entry.member == world.extra[2] and follow_up.status == "open"
    assert refused(lambda: services.follow_up_update(actor=None, follow_up=follow_up, data={"status": "closed"}))
    services.follow_up_update(
        actor=None, follow_up=follow_up, data={"status": "closed", "measure": "correct", "outcome": "限期改正，已改正"}
    )
    assert refused(lambda: services.appraisal_update(actor=None, appraisal=appraisal, entries={}))
    assert refused(lambda: services.appraisal_open(actor=None, org=branch, year=2026), "year")


# --- Reminders ------------------------------------------------------------------------------------------
def test_reminders_go_to_the_secretary_before_the_deadline_once_per_period(
    branch, world, time_machine, django_capture_on_commit_callbacks
):
    travel(time_machine, D(2026, 6, 26))
    factories.meeting(branch, ["theme_day"], D(2026, 6, 2))  # June's theme day is done; other things are not
    outbox = channels.MemoryChannel()
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.reminders_send(channel=outbox)
    ours = [r for r in sent if r.org_id == branch.pk]
    kinds = {r.kind for r in ours}
    assert "theme_day" not in kinds
    assert {"committee_meeting", "general_meeting", "party_lecture"} <= kinds
    assert all(r.recipients == ["sec_a1"] for r in ours)
    assert all(r.due_on == D(2026, 6, 30) for r in ours)
    sibling = [r for r in sent if r.org_id == world.branch_b1.pk]
    assert sibling and all(r.recipients == ["sec_b1"] for r in sibling)
    assert len(outbox.sent) == len(sent) and outbox.sent[0][1]
    assert not services.reminders_send(channel=outbox)  # the same day again: nothing new
    assert Reminder.objects.count() == len(sent)


def test_nothing_is_reminded_before_the_lead_time(branch, today):
    assert not services.reminders_send(channel=channels.MemoryChannel())


def test_the_console_channel_logs_each_reminder(
    branch, world, time_machine, caplog, django_capture_on_commit_callbacks
):
    travel(time_machine, D(2026, 6, 27))
    with caplog.at_level("INFO", logger="dangjian.orglife.reminders"), django_capture_on_commit_callbacks(execute=True):
        sent = services.reminders_send(channel=channels.LogChannel())
    assert sent and "sec_a1" in caplog.text
