"""A member sees their own organizational life: the planned meetings of their branch and party group,
their attendance record, their appraisals; nothing of another branch or another member."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from dangjian.orglife import services
from dangjian.posts import services as posts
from tests import factories

D = dt.date


def test_a_member_sees_their_meetings_attendance_and_appraisals_and_nothing_else(branch, world, client_for):
    group = factories.org(branch, "东街第一党小组", level="party_group", code="TA-001-G1")
    other_group = factories.org(branch, "东街第二党小组", level="party_group", code="TA-001-G2")
    posts.group_member_assign(actor=None, member=world.zhang, group=group, on=D(2026, 1, 5))
    factories.meeting(branch, ["theme_day"], D(2026, 3, 5), topic="学习新党章")
    factories.meeting(branch, ["general_meeting"], D(2026, 4, 9), absent=[world.zhang], topic="四月党员大会")
    factories.meeting(world.branch_b1, ["theme_day"], D(2026, 3, 6), topic="河口村主题党日")
    factories.meeting(branch, ["theme_day"], D(2026, 7, 1), state="planned", topic="七一主题党日")
    factories.meeting(group, ["group_meeting"], D(2026, 6, 25), state="planned", topic="小组学习")
    factories.meeting(other_group, ["group_meeting"], D(2026, 6, 26), state="planned", topic="第二小组学习")
    factories.meeting(world.branch_b1, ["theme_day"], D(2026, 7, 1), state="planned", topic="河口村七一")
    appraisal = services.appraisal_open(actor=None, org=branch, year=2026)
    services.appraisal_update(actor=None, appraisal=appraisal, entries={}, vote={"voters": 5})
    members = [world.zhang, world.li, *world.extra]
    services.appraisal_update(actor=None, appraisal=appraisal, entries={m.pk: {"rating": "qualified"} for m in members})
    services.appraisal_decide(actor=None, appraisal=appraisal)

    client = client_for(world.member_user)
    assert client.get("/orglife/").url == reverse("orglife-mine")  # was a 404
    html = client.get(reverse("orglife-mine")).content.decode()
    upcoming = html[html.index('id="upcoming"') : html.index('id="attendance"')]
    assert "七一主题党日" in upcoming and "小组学习" in upcoming
    assert "第二小组学习" not in html and "河口村" not in html  # another group's, another branch's
    attendance = html[html.index('id="attendance"') : html.index('id="appraisals"')]
    assert "2026-03-05" in attendance and "2026-04-09" in attendance
    assert "缺席" in attendance and "出席" in attendance and "主题党日" in attendance
    assert "出席 1 次 · 请假 0 次 · 缺席 1 次" in attendance
    appraisals = html[html.index('id="appraisals"') :]
    assert "2026" in appraisals and "合格" in appraisals
    assert "李娜" not in html  # no other member's record


def test_the_page_is_the_members_own_and_the_business_pages_stay_closed(branch, world, client_for):
    factories.meeting(branch, ["theme_day"], D(2026, 3, 5))
    member = client_for(world.member_user)
    assert member.get(reverse("orglife-compliance")).status_code == 404
    assert member.get(reverse("orglife-meetings")).status_code == 404
    last_year = member.get(reverse("orglife-mine"), {"year": 2025}).content.decode()
    assert "2026-03-05" not in last_year
    secretary = client_for(world.secretary)  # no member record of their own
    assert secretary.get(reverse("orglife-mine")).status_code == 404
    assert secretary.get("/orglife/").url == reverse("orglife-calendar", args=[branch.pk])


def test_the_members_menu_leads_to_their_organizational_life(world, client_for):
    member_home = client_for(world.member_user).get("/").content.decode()
    menu = member_home[member_home.index('id="nav"') : member_home.index("</nav>")]
    assert f'href="{reverse("orglife-mine")}">我的组织生活</a>' in menu
    secretary_home = client_for(world.secretary).get("/").content.decode()  # no member record: no such entry
    assert reverse("orglife-mine") not in secretary_home[: secretary_home.index("</nav>")]
