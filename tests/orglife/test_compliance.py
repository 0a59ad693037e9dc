"""Compliance derived from the meetings: periods and their boundaries, year ends, combined
meetings, quorum rules, founded and dissolved branches, rule changes, members who move."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.services import parameter_set
from dangjian.members.services import member_move
from dangjian.organizations.models import Organization
from dangjian.organizations.services import organization_dissolve
from dangjian.orglife import queries, services
from dangjian.orglife.models import MeetingRequirement
from tests import factories
from tests.support.clock import travel

D = dt.date


def cells(org, year=2026, on=None):
    """``{(kind, period key): cell}`` of one organization."""
    org = Organization.objects.get(pk=org.pk)
    info = queries.OrgInfo(**{name: getattr(org, name) for name in queries.ORG_FIELDS})
    found = queries.compute_cells([info], year, on or queries.as_of(year), paths=[org.path])
    return {(c.kind, c.period.key): c for c in found}


def test_a_monthly_theme_day_is_done_overdue_open_or_upcoming_by_the_calendar(branch, today):
    factories.meeting(branch, ["theme_day"], D(2026, 5, 12))
    found = cells(branch)
    assert found["theme_day", "2026-05"].status == "done"
    assert found["theme_day", "2026-04"].status == "overdue"
    assert found["theme_day", "2026-04"].missing == 1
    assert found["theme_day", "2026-06"].status == "open"  # ten days left, the lead time is seven
    assert found["theme_day", "2026-07"].status == "upcoming"


def test_the_last_days_of_a_period_are_due_soon_and_the_lead_time_is_a_rule(branch, time_machine):
    travel(time_machine, D(2026, 6, 25))
    assert cells(branch)["theme_day", "2026-06"].status == "due_soon"
    parameter_set(actor=None, key="orglife.reminder_lead_days", value=3, effective_from=D(2026, 6, 1))
    assert cells(branch)["theme_day", "2026-06"].status == "open"
    travel(time_machine, D(2026, 6, 30))
    assert cells(branch)["theme_day", "2026-06"].status == "due_soon"  # the last day is still before the deadline
    travel(time_machine, D(2026, 7, 1))
    assert cells(branch)["theme_day", "2026-06"].status == "overdue"


def test_a_theme_day_held_as_a_general_meeting_counts_for_both(branch, today):
    factories.meeting(branch, ["theme_day", "general_meeting"], D(2026, 5, 8))
    found = cells(branch)
    assert found["theme_day", "2026-05"].status == "done"
    assert found["general_meeting", "2026-Q2"].status == "done"
    assert found["party_lecture", "2026-Q2"].status == "open"


def test_the_last_day_of_a_quarter_counts_for_that_quarter_and_the_first_for_the_next(branch, today):
    factories.meeting(branch, ["general_meeting"], D(2026, 3, 31))
    found = cells(branch)
    assert found["general_meeting", "2026-Q1"].counted == 1
    assert found["general_meeting", "2026-Q2"].counted == 0
    factories.meeting(branch, ["general_meeting"], D(2026, 4, 1), topic="第二季度党员大会")
    assert cells(branch)["general_meeting", "2026-Q2"].counted == 1


def test_a_life_meeting_on_new_years_eve_counts_for_the_old_year(branch, today):
    factories.meeting(branch, ["life_meeting"], D(2025, 12, 31), topic="2025年度组织生活会")
    last_year = cells(branch, 2025)
    assert last_year["life_meeting", "2025"].status == "done"
    assert last_year["theme_day", "2025-11"].status == "overdue"  # judged as of the year's end
    assert cells(branch, 2026)["life_meeting", "2026"].status == "open"


def test_a_general_meeting_without_a_quorum_is_held_but_does_not_count(branch, world, today):
    # Four full members (张强 and three more) and one probationary: two present is not more than half.
    absent = world.extra[:2]
    factories.meeting(branch, ["general_meeting"], D(2026, 2, 10), absent=absent, present=[world.zhang, world.extra[2]])
    cell = cells(branch)["general_meeting", "2026-Q1"]
    assert (cell.held, cell.counted, cell.without_quorum, cell.status) == (1, 0, 1, "overdue")
    # Three of the four present: more than half. The probationary member's presence gives no vote.
    factories.meeting(
        branch,
        ["general_meeting"],
        D(2026, 3, 10),
        present=[world.zhang, world.li, *world.extra[:2]],
        absent=[world.extra[2]],
    )
    cell = cells(branch)["general_meeting", "2026-Q1"]
    assert (cell.held, cell.counted, cell.status) == (2, 1, "done")


def test_a_committee_meeting_needs_more_than_half_of_the_committee(branch, world, today):
    committee = [world.zhang, *world.extra[:2]]
    services.meeting_create(
        actor=None,
        org=branch,
        data={"kinds": ["committee_meeting"], "held_on": D(2026, 5, 6), "topic": "研究发展党员工作"},
        attendance=[
            services.AttendanceIn(committee[0].pk, "present"),
            services.AttendanceIn(committee[1].pk, "on_leave", "生病住院"),
            services.AttendanceIn(committee[2].pk, "absent"),
        ],
    )
    cell = cells(branch)["committee_meeting", "2026-05"]
    assert (cell.held, cell.counted) == (1, 0)
    factories.meeting(branch, ["committee_meeting"], D(2026, 5, 20), present=committee[:2], absent=committee[2:])
    assert cells(branch)["committee_meeting", "2026-05"].counted == 1


def test_a_quorum_rule_changed_to_none_counts_every_meeting_held(branch, world, today):
    factories.meeting(branch, ["general_meeting"], D(2026, 2, 10), present=[world.zhang], absent=world.extra)
    general = MeetingRequirement.objects.get(kind="general_meeting")
    services.requirement_revise(actor=None, requirement=general, data={"quorum": "none"}, effective_from=D(2026, 1, 1))
    assert cells(branch)["general_meeting", "2026-Q1"].status == "done"


def test_a_branch_founded_mid_period_owes_only_the_periods_it_existed_for(world, today):
    new = factories.org(world.town_a, "新建村党支部", established_on=D(2026, 3, 15))
    found = cells(new)
    assert ("theme_day", "2026-03") not in found
    assert ("general_meeting", "2026-Q1") not in found
    assert ("life_meeting", "2026") not in found
    assert found["theme_day", "2026-04"].status == "overdue"
    assert found["general_meeting", "2026-Q2"].status == "open"
    assert not cells(new, 2025)


def test_a_dissolved_branch_owes_nothing_after_dissolution(world, today):
    org = world.branch_a2
    org.established_on = D(2000, 1, 1)
    org.save(update_fields=["established_on"])
    organization_dissolve(actor=None, org=org, on=D(2026, 5, 10))
    found = cells(org)
    assert found["theme_day", "2026-04"].status == "overdue"
    assert ("theme_day", "2026-05") not in found
    assert ("theme_day", "2026-06") not in found
    assert ("general_meeting", "2026-Q2") not in found
    assert ("life_meeting", "2026") not in found
    assert found["general_meeting", "2026-Q1"].status == "overdue"


def test_a_rule_changed_mid_year_judges_each_period_by_the_version_then_in_force(branch, today):
    committee = MeetingRequirement.objects.get(kind="committee_meeting")
    new = services.requirement_revise(
        actor=None, requirement=committee, data={"period": "quarter", "minimum": 2}, effective_from=D(2026, 4, 1)
    )
    committee.refresh_from_db()
    assert committee.effective_to == D(2026, 3, 31) and new.replaces == committee
    found = cells(branch)
    assert {k for k in found if k[0] == "committee_meeting"} == {
        ("committee_meeting", "2026-01"),
        ("committee_meeting", "2026-02"),
        ("committee_meeting", "2026-03"),
        ("committee_meeting", "2026-Q2"),
        ("committee_meeting", "2026-Q3"),
        ("committee_meeting", "2026-Q4"),
    }
    assert found["committee_meeting", "2026-Q2"].required == 2
    assert ("committee_meeting", "2025-12") in cells(branch, 2025)  # last year is judged by the old rule


def test_an_ended_rule_is_owed_no_more(branch, today):
    theme = MeetingRequirement.objects.get(kind="theme_day")
    services.requirement_end(actor=None, requirement=theme, on=D(2026, 3, 31))
    found = cells(branch)
    assert ("theme_day", "2026-03") in found and ("theme_day", "2026-04") not in found


def test_requirements_apply_by_level_sector_and_committee(world, branch, today):
    without_committee = cells(world.branch_a2)
    assert not any(kind == "committee_meeting" for kind, _key in without_committee)
    assert any(kind == "committee_meeting" for kind, _key in cells(branch))
    services.requirement_create(
        actor=None,
        data={"kind": "party_lecture", "levels": ["branch"], "sectors": ["school"], "period": "month", "minimum": 1},
        effective_from=D(2026, 1, 1),
    )
    assert cells(branch)["party_lecture", "2026-Q2"].required == 1  # a rural branch keeps the quarterly rule
    school = factories.org(world.town_a, "中心小学党支部", sector="school", established_on=D(2000, 1, 1))
    assert ("party_lecture", "2026-06") in cells(school)
    assert cells(world.town_a)["democratic_life_meeting", "2026"].status == "open"  # a committee's leadership team


def test_planned_and_cancelled_meetings_do_not_count(branch, today):
    planned = factories.meeting(branch, ["theme_day"], D(2026, 6, 28), state="planned")
    cell = cells(branch)["theme_day", "2026-06"]
    assert (cell.counted, cell.planned) == (0, 1)
    services.meeting_cancel(actor=None, meeting=planned, reason="防汛")
    cell = cells(branch)["theme_day", "2026-06"]
    assert (cell.counted, cell.planned) == (0, 0)
    held = factories.meeting(branch, ["theme_day"], D(2026, 5, 3))
    services.meeting_cancel(actor=None, meeting=held, reason="记录有误")
    assert cells(branch)["theme_day", "2026-05"].status == "overdue"


def test_a_planned_meeting_becomes_a_held_one(branch, world, time_machine):
    travel(time_machine, D(2026, 6, 10))
    planned = factories.meeting(branch, ["theme_day"], D(2026, 6, 18), state="planned", topic="七一主题党日")
    travel(time_machine, D(2026, 6, 18), hour=16)
    sheet = [services.AttendanceIn(m.pk, "present") for m in [world.zhang, world.li, *world.extra]]
    services.meeting_update(actor=None, meeting=planned, data={"state": "held"}, attendance=sheet)
    cell = cells(branch)["theme_day", "2026-06"]
    assert (cell.counted, cell.planned, cell.status) == (1, 0, "done")


def test_the_appraisal_counts_when_the_organization_has_decided(branch, world, today):
    appraisal = services.appraisal_open(actor=None, org=branch, year=2026)
    assert cells(branch)["appraisal", "2026"].planned == 1
    services.appraisal_update(
        actor=None, appraisal=appraisal, entries={e.member_id: {"rating": "qualified"} for e in appraisal.entries.all()}
    )
    services.appraisal_decide(actor=None, appraisal=appraisal)
    assert cells(branch)["appraisal", "2026"].status == "done"


def test_a_member_who_moves_branch_mid_quarter_is_counted_where_they_were(branch, world, time_machine):
    travel(time_machine, D(2026, 4, 20))
    before = factories.meeting(branch, ["theme_day"], D(2026, 4, 20))
    assert before.expected == 5
    travel(time_machine, D(2026, 5, 10))
    member_move(actor=None, member=world.extra[2], org=world.branch_a2, on=D(2026, 5, 10))
    travel(time_machine, D(2026, 5, 20))
    after = factories.meeting(world.branch_a2, ["theme_day"], D(2026, 5, 20))
    assert after.expected == 1  # 陈静 is now on 西街村's roster
    before.refresh_from_db()
    assert before.expected == 5  # the April meeting keeps the roster it was recorded with
    summary = queries.attendance_summary([world.extra[2].pk], D(2026, 4, 1), D(2026, 6, 30))
    assert summary[world.extra[2].pk]["present"] == 2  # one meeting in each branch
    # Recording a new April meeting for 西街村 does not expect someone who arrived in May.
    assert world.extra[2].pk not in {m.pk for m in services.roster(world.branch_a2, D(2026, 4, 25))}


def test_the_subtree_table_gives_rates_per_township_and_per_sector(world, branch, today):
    for month in (1, 2, 3, 4, 5):
        factories.meeting(branch, ["theme_day"], D(2026, month, 9))
    factories.meeting(world.branch_b1, ["theme_day"], D(2026, 1, 9))
    table = queries.compliance_table(Organization.objects.all(), world.root, 2026)
    rows = {r.label: r for r in table.groups}
    theme_a = rows["城关镇党委"].by_kind["theme_day"]
    assert (theme_a.done, theme_a.due) == (5, 10)  # 东街村 5 of 5, 西街村 0 of 5
    theme_b = rows["河口镇党委"].by_kind["theme_day"]
    assert (theme_b.done, theme_b.due, theme_b.percent) == (1, 5, "20%")
    assert table.total.by_kind["theme_day"].done == 6
    sectors = {s.key: s for s in table.sectors}
    assert set(sectors) == {"rural", "agency"}  # the district committee owes its democratic life meeting
    assert sectors["rural"].by_kind["theme_day"].due == 15
    assert rows["城关镇党委"].by_kind["theme_day"].open == 2  # June, still running, counts against nobody


def test_the_drill_down_lists_the_branches_behind_a_rate(world, branch, today):
    factories.meeting(branch, ["theme_day"], D(2026, 5, 9))
    rows, periods = queries.compliance_drilldown(
        Organization.objects.all(), world.town_a, 2026, kind="theme_day", status="overdue"
    )
    assert [r.org.name for r in rows] == ["东街村党支部", "西街村党支部"]
    assert len(periods) == 12
    mine = {c.period.key: c for c in rows[0].cells}
    assert mine["2026-05"].status == "done" and mine["2026-04"].status == "overdue"


def _branches(parent, n):
    return [factories.org(parent, f"村{parent.code}{i}党支部", established_on=D(2000, 1, 1)) for i in range(n)]


def test_the_compliance_table_costs_the_same_queries_for_any_number_of_branches(world, branch, today):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            queries.compliance_table(Organization.objects.all(), world.root, 2026)
        return len(ctx.captured_queries)

    small = count()
    for org in _branches(world.town_b, 6):
        factories.member(org, "赵磊", birth=D(1980, 1, 1))
        factories.meeting(org, ["theme_day", "general_meeting"], D(2026, 4, 9))
    assert count() == small <= 5


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_calendar_costs_the_same_queries_however_many_meetings(branch, today, year):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            queries.branch_calendar(branch, year)
        return len(ctx.captured_queries)

    empty = count()
    for month in range(1, 6):
        factories.meeting(branch, ["theme_day"], D(year, month, 9))
    assert count() == empty <= 5


def test_a_member_who_transferred_out_of_the_district_was_on_the_roster_until_then(branch, world, today):
    from dangjian.members.models import Member, StandingChange

    leaver = world.extra[1]
    StandingChange.objects.create(member=leaver, kind="transferred_out", on=D(2026, 5, 1), note="转出至外县")
    Member.objects.filter(pk=leaver.pk).update(left_on=D(2026, 5, 1))
    assert leaver.pk in {m.pk for m in services.roster(branch, D(2026, 4, 30))}
    assert leaver.pk not in {m.pk for m in services.roster(branch, D(2026, 5, 1))}
