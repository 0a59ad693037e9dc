"""The pages as each persona sees them: recording on one screen, compliance, calendar, appraisal,
requirements and reminders; query counts that do not grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.orglife import channels, services
from dangjian.orglife.models import Appraisal, Meeting, MeetingRequirement, Reminder
from tests import factories
from tests.support.audit import assert_no_audit_event
from tests.support.clock import travel

D = dt.date


def sheet_post(world, **overrides):
    """What the form posts for a typical theme day: everyone present, one on leave."""
    data = {
        "state": "held",
        "kinds": ["theme_day"],
        "held_on": "2026-06-18",
        "place": "村党群服务中心",
        "topic": "学习党章",
        "host": "张强",
        "recorder": "李娜",
    }
    for member in [world.zhang, world.li, *world.extra]:
        data[f"att_{member.pk}"] = "present"
    data[f"att_{world.extra[0].pk}"] = "on_leave"
    data[f"reason_{world.extra[0].pk}"] = "外出务工"
    data.update(overrides)
    return data


def test_index_sends_a_secretary_to_the_calendar_and_an_organizer_to_the_table(world, branch, client_for):
    response = client_for(world.secretary).get(reverse("orglife-index"))
    assert response["Location"] == reverse("orglife-calendar", args=[branch.pk])
    response = client_for(world.organizer).get(reverse("orglife-index"))
    assert response["Location"] == reverse("orglife-compliance")


def test_the_secretary_records_a_meeting_on_one_screen(world, branch, client_for):
    client = client_for(world.secretary)
    form = client.get(reverse("orglife-meeting-create") + "?kind=theme_day")
    body = form.content.decode()
    assert form.status_code == 200
    for member in [world.zhang, world.li, *world.extra]:
        assert member.name in body
    assert world.wang.name not in body
    response = client.post(reverse("orglife-meeting-create"), sheet_post(world))
    meeting = Meeting.objects.get()
    assert response["Location"] == reverse("orglife-meeting", args=[meeting.pk])
    assert (meeting.present, meeting.on_leave, meeting.recorded_by) == (4, 1, world.secretary)
    detail = client.get(response["Location"]).content.decode()
    assert "外出务工" in detail and "学习党章" in detail


def test_the_form_remembers_the_place_host_and_recorder(world, branch, client_for):
    client = client_for(world.secretary)
    client.post(reverse("orglife-meeting-create"), sheet_post(world))
    body = client.get(reverse("orglife-meeting-create")).content.decode()
    assert 'value="村党群服务中心"' in body and 'value="李娜"' in body


def test_a_committee_meeting_expects_the_committee_of_last_time(world, branch, client_for):
    client = client_for(world.secretary)
    data = sheet_post(world, kinds=["committee_meeting"], topic="支委会")
    for member in [world.li, world.extra[2]]:
        data[f"att_{member.pk}"] = "none"
    data[f"att_{world.extra[0].pk}"] = "present"
    client.post(reverse("orglife-meeting-create"), data)
    meeting = Meeting.objects.get()
    assert (meeting.expected, meeting.present) == (3, 3)
    body = client.get(reverse("orglife-meeting-create") + "?kind=committee_meeting").content.decode()
    assert f'name="att_{world.li.pk}" value="none" class="btn-check" id="id_att_{world.li.pk}_3" checked' in body


def test_bad_input_on_the_form_names_the_problem_and_writes_nothing(world, branch, client_for):
    client = client_for(world.secretary)
    with assert_no_audit_event():
        response = client.post(
            reverse("orglife-meeting-create"),
            sheet_post(world, kinds=["party_lecture"], held_on="2026-07-01", **{f"reason_{world.extra[0].pk}": ""}),
        )
    body = response.content.decode()
    assert response.status_code == 200
    assert "2026-06-20" in body  # the date is after today
    assert "王芳" in body  # the leave needs a reason
    assert not Meeting.objects.exists()


def test_a_bad_attachment_stops_the_whole_record(world, branch, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(world.secretary)
    fake = SimpleUploadedFile("合影.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = client.post(reverse("orglife-meeting-create"), {**sheet_post(world), "files": [fake]})
    assert response.status_code == 200 and "合影.jpg" in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_planned_meeting_is_recorded_as_held_later(world, branch, client_for, time_machine):

    client = client_for(world.secretary)
    client.post(
        reverse("orglife-meeting-create"),
        {"state": "planned", "kinds": ["theme_day"], "held_on": "2026-06-28", "topic": "七一主题党日"},
    )
    meeting = Meeting.objects.get()
    assert meeting.state == "planned" and not meeting.attendance.exists()
    travel(time_machine, D(2026, 6, 28), hour=17)
    client = client_for(world.secretary)  # a new day, a new session
    page = client.get(reverse("orglife-meeting-edit", args=[meeting.pk]) + "?held=1").content.decode()
    assert 'value="held" class="btn-check" id="id_state_0" required checked' in page
    data = sheet_post(world, held_on="2026-06-28", topic="七一主题党日", version=meeting.version)
    response = client.post(reverse("orglife-meeting-edit", args=[meeting.pk]) + "?held=1", data)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.state, meeting.present) == ("held", 4)


def test_the_compliance_table_links_rates_to_the_organizations_behind_them(world, branch, client_for):
    factories.meeting(branch, ["theme_day"], D(2026, 5, 9))
    client = client_for(world.organizer)
    body = client.get(reverse("orglife-compliance")).content.decode()
    assert "城关镇党委" in body and "河口镇党委" in body
    drill = reverse("orglife-compliance-orgs") + f"?org={world.town_a.pk}&year=2026&kind=theme_day"
    assert drill in body
    rows = client.get(drill).content.decode()
    assert "东街村党支部" in rows and "西街村党支部" in rows
    assert reverse("orglife-calendar", args=[branch.pk]) in rows


def test_the_township_organizer_sees_only_the_township(world, branch, client_for):
    body = client_for(world.town_organizer).get(reverse("orglife-compliance")).content.decode()
    assert "东街村党支部" in body and "河口" not in body


def test_the_calendar_shows_meetings_and_what_is_due(world, branch, client_for):
    meeting = factories.meeting(branch, ["theme_day", "general_meeting"], D(2026, 5, 9), topic="五月主题党日")
    body = client_for(world.secretary).get(reverse("orglife-calendar", args=[branch.pk])).content.decode()
    assert "五月主题党日" in body and reverse("orglife-meeting", args=[meeting.pk]) in body
    assert reverse("orglife-meeting-create") + f"?org={branch.pk}&kind=committee_meeting" in body


def test_appraisal_pages_show_attendance_and_refuse_too_many_excellent(world, branch, client_for):
    factories.meeting(branch, ["theme_day"], D(2026, 5, 9), absent=[world.li])
    client = client_for(world.secretary)
    response = client.post(reverse("orglife-appraisal-create"), {"org": branch.code, "year": 2026})
    appraisal = Appraisal.objects.get()
    assert response["Location"] == reverse("orglife-appraisal", args=[appraisal.pk])
    page = client.get(response["Location"]).content.decode()
    assert "1 / 0 / 0" in page and "0 / 0 / 1" in page  # 张强 present once, 李娜 absent once
    data = {"voters": 5, "version": appraisal.version, "decide": "1"}
    for i, member in enumerate([world.zhang, world.li, *world.extra]):
        data[f"rating_{member.pk}"] = "excellent" if i < 2 else "qualified"
        data[f"votes_excellent_{member.pk}"] = 3
    response = client.post(reverse("orglife-appraisal", args=[appraisal.pk]), data)
    assert response.status_code == 200 and "33.4%" in response.content.decode()
    appraisal.refresh_from_db()
    assert appraisal.state == "open" and appraisal.voters is None  # nothing written
    data[f"rating_{world.li.pk}"] = "qualified"
    response = client.post(reverse("orglife-appraisal", args=[appraisal.pk]), data)
    assert response.status_code == 302
    appraisal.refresh_from_db()
    assert appraisal.state == "decided" and appraisal.voters == 5


def test_only_organizers_at_the_root_change_the_requirements(world, client_for, today):
    theme = MeetingRequirement.objects.get(kind="theme_day")
    assert (
        client_for(world.town_organizer).get(reverse("orglife-requirement-revise", args=[theme.pk])).status_code == 404
    )
    client = client_for(world.organizer)
    assert "每月相对固定1天开展主题党日" in client.get(reverse("orglife-requirements")).content.decode()
    response = client.post(
        reverse("orglife-requirement-revise", args=[theme.pk]),
        {"period": "month", "minimum": 2, "quorum": "none", "effective_from": "2026-07-01", "levels": ["branch"]},
    )
    assert response.status_code == 302
    assert MeetingRequirement.objects.filter(kind="theme_day").count() == 2
    assert MeetingRequirement.objects.get(replaces=theme).minimum == 2


def test_the_inbox_shows_the_secretarys_reminders_only(world, branch, client_for, time_machine):

    travel(time_machine, D(2026, 6, 27))
    services.reminders_send(channel=channels.MemoryChannel())
    body = client_for(world.secretary).get(reverse("orglife-inbox")).content.decode()
    assert "东街村党支部" in body and "河口村党支部" not in body
    assert client_for(world.organizer).get(reverse("orglife-inbox")).status_code == 200
    reminder = Reminder.objects.filter(org=branch).first()
    client_for(world.secretary).post(reverse("orglife-reminder-dismiss", args=[reminder.pk]))
    reminder.refresh_from_db()
    assert reminder.dismissed_at is not None


def test_the_member_and_the_auditor_have_no_orglife_pages(world, client_for, today):
    for persona in (world.member_user, world.auditor):
        assert client_for(persona).get(reverse("orglife-compliance")).status_code == 404


# --- Query counts ---------------------------------------------------------------------------------------
def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "name",
    [
        "orglife-compliance",
        "orglife-compliance-orgs",
        "orglife-meetings",
        "orglife-rectification",
        "orglife-appraisals",
        "orglife-requirements",
        "orglife-inbox",
    ],
)
def test_list_pages_cost_the_same_queries_with_more_rows(world, branch, client_for, name):
    client = client_for(world.organizer)
    url = reverse(name)

    def add(n: int, town) -> None:
        for org in [factories.org(town, f"新村{town.code}{i}党支部", established_on=D(2000, 1, 1)) for i in range(n)]:
            factories.member(org, "赵磊")
            for month in (3, 4, 5):
                m = factories.meeting(org, ["life_meeting", "theme_day"], D(2026, month, 9), topic=f"{month}月")
                services.life_follow_up_create(
                    actor=None, meeting=m, data={"issue": "i", "measure": "m", "due_on": D(2026, 9, 1)}
                )
            services.appraisal_open(actor=None, org=org, year=2026)

    add(1, world.town_a)
    before = _count(client, url)
    add(3, world.town_b)
    assert _count(client, url) == before


def test_the_calendar_and_the_meeting_page_cost_the_same_queries_with_more_meetings(world, branch, client_for):
    client = client_for(world.secretary)
    first = factories.meeting(branch, ["theme_day"], D(2026, 1, 9))
    calendar = reverse("orglife-calendar", args=[branch.pk])
    detail = reverse("orglife-meeting", args=[first.pk])
    before = (_count(client, calendar), _count(client, detail))
    for month in (2, 3, 4, 5):
        factories.meeting(branch, ["theme_day", "general_meeting"], D(2026, month, 9))
    services.meeting_update(actor=None, meeting=first, data={"place": "礼堂"})
    assert (_count(client, calendar), _count(client, detail)) == before
