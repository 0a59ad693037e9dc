"""The maintained compliance figures (issue 15): the subtree table read from them equals the cell
engine's table after every kind of change (meetings recorded, edited, moved to another year,
cancelled; an appraisal decided; organizations founded, edited, given a committee, moved,
dissolved; a requirement revised), for this year, a past year and quarters; the stored rows equal a
rebuild from scratch (the drill-down's tallies too); and the table costs the same queries and rows
at any number of organizations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from dangjian.core import excel
from dangjian.core.excel import pipeline
from dangjian.organizations.models import Organization
from dangjian.organizations.services import (
    committee_member_add,
    organization_dissolve,
    organization_move,
    organization_update,
)
from dangjian.orglife import queries, services
from dangjian.orglife.models import ComplianceFigure, Meeting, MeetingRequirement
from dangjian.orglife.queries import compliance as engine
from dangjian.orglife.services import figures
from tests import factories

D = dt.date
CASES = ((2026, None), (2025, None), (2026, 1), (2026, 2), (2026, 4))


def as_tuple(t) -> tuple:
    return (t.due, t.done, t.due_soon, t.open, t.current_done)


def flat(table) -> dict:
    """A table as plain values: per row its label, organizations and tallies (per kind and in all)."""
    found = {}
    for part, rows in (("group", table.groups), ("sector", table.sectors), ("total", [table.total])):
        for row in rows:
            tallies = {kind: as_tuple(t) for kind, t in row.by_kind.items() if as_tuple(t) != (0, 0, 0, 0, 0)}
            found[(part, row.key)] = (row.label, row.org_id, row.organizations, as_tuple(row.total), tallies)
    return {"rows": found, "kinds": table.kinds, "on": table.on, "lead": table.lead_days}


def drilled(found) -> list:
    rows, periods = found
    return [
        (r.org.id, as_tuple(r.tally), {k: as_tuple(t) for k, t in r.by_kind.items()}, len(r.cells)) for r in rows
    ], periods


def stored() -> set[tuple]:
    return set(
        ComplianceFigure.objects.values_list(
            "org_id", "org_path", "sector", "kind", "year", "period_start", "period_end", "required", "met_on"
        )
    )


def assert_same(world):
    """The maintained table equals the engine's for every root, year and quarter; the rows kept up to
    date equal the rows rebuilt from scratch."""
    everything = Organization.objects.all()
    for root in (world.root, world.town_a, world.town_b, world.branch_a1):
        root = Organization.objects.get(pk=root.pk)
        for year, quarter in CASES:
            assert queries.is_maintained(year)
            got = queries.compliance_table(everything, root, year, quarter=quarter)
            want = engine.compliance_table(everything, root, year, quarter=quarter)
            assert flat(got) == flat(want), (root.name, year, quarter)
            for status, sector in (("", ""), ("overdue", ""), ("due_soon", ""), ("done", ""), ("", "rural")):
                args = (everything, root, year)
                options = {"status": status, "sector": sector, "quarter": quarter}
                assert drilled(queries.compliance_drilldown(*args, **options)) == drilled(
                    engine.compliance_drilldown(*args, **options)
                ), (root.name, year, quarter, status, sector)
    kept = stored()
    for year in (2025, 2026):
        figures.rebuild_year(year)
    assert stored() == kept


@pytest.fixture
def records(world, branch, today):
    w = world
    for month in (1, 2, 3, 5):
        factories.meeting(branch, ["theme_day"], D(2026, month, 9))
    factories.meeting(branch, ["theme_day", "general_meeting"], D(2026, 4, 9))
    # a general meeting without a quorum: held, not counted
    factories.meeting(branch, ["general_meeting"], D(2026, 2, 10), absent=w.extra[:2], present=[w.zhang])
    factories.meeting(branch, ["committee_meeting"], D(2026, 5, 20), present=[w.zhang, *w.extra[:1]])
    factories.meeting(w.branch_b1, ["theme_day", "party_lecture"], D(2026, 1, 9))
    factories.meeting(w.branch_b1, ["theme_day"], D(2025, 12, 30))
    factories.meeting(w.branch_a2, ["theme_day"], D(2026, 6, 25), state="planned")
    for year in (2025, 2026):
        figures.rebuild_year(year)
    return w


def test_a_rebuilt_year_equals_the_engine_and_keeps_the_day_each_period_was_met(records):
    w = records
    assert_same(w)
    march = ComplianceFigure.objects.get(org=w.branch_a1, kind="theme_day", period_start=D(2026, 3, 1))
    assert (march.period_end, march.required, march.met_on) == (D(2026, 3, 31), 1, D(2026, 3, 9))
    june = ComplianceFigure.objects.get(org=w.branch_a1, kind="theme_day", period_start=D(2026, 6, 1))
    assert june.met_on is None
    table = queries.compliance_table(Organization.objects.all(), w.town_a, 2026)
    theme = {r.label: r for r in table.groups}["东街村党支部"].by_kind["theme_day"]
    assert (theme.due, theme.done) == (5, 5)


def test_the_figures_follow_meetings_recorded_edited_moved_across_years_and_cancelled(records):
    w = records
    meeting = factories.meeting(w.branch_b1, ["theme_day"], D(2026, 3, 9))
    services.meeting_update(actor=None, meeting=meeting, data={"held_on": D(2026, 2, 9)})
    first = Meeting.objects.filter(org=w.branch_a1).order_by("held_on").first()
    services.meeting_cancel(actor=None, meeting=first, reason="记录有误")
    later = factories.meeting(w.branch_a2, ["theme_day"], D(2026, 4, 9))
    services.meeting_update(actor=None, meeting=later, data={"held_on": D(2025, 11, 9)})  # into last year
    planned = Meeting.objects.get(org=w.branch_a2, state="planned")
    services.meeting_update(
        actor=None, meeting=planned, data={"state": "held", "held_on": D(2026, 6, 18)}, attendance=[]
    )
    assert ComplianceFigure.objects.get(org=w.branch_a2, kind="theme_day", period_start=D(2025, 11, 1)).met_on == D(
        2025, 11, 9
    )
    assert_same(w)


def test_the_figures_follow_a_meetings_import(records):
    w = records
    header = ("组织编码", "会议类型", "会议日期", "开始时间", "会议地点", "会议主题", "主持人", "授课人")
    rows = [
        (w.branch_a2.code, "主题党日", day, "09:00", "村部", "学习党章", "张强", "")
        for day in ("2026-03-10", "2026-04-10", "2025-12-10")
    ]
    outcome = pipeline.run_values(excel.get("meetings"), [header, *rows], user=w.organizer, commit=True)
    assert outcome.ok, outcome.errors
    met = ComplianceFigure.objects.filter(org=w.branch_a2, kind="theme_day", met_on__isnull=False)
    assert set(met.values_list("met_on", flat=True)) == {D(2026, 3, 10), D(2026, 4, 10), D(2025, 12, 10)}
    assert_same(w)


def test_the_figures_follow_an_appraisal_decided(records):
    w = records
    appraisal = services.appraisal_open(actor=None, org=w.branch_a1, year=2025)
    services.appraisal_update(
        actor=None, appraisal=appraisal, entries={e.member_id: {"rating": "qualified"} for e in appraisal.entries.all()}
    )
    services.appraisal_decide(actor=None, appraisal=appraisal)
    assert ComplianceFigure.objects.filter(org=w.branch_a1, kind="appraisal", year=2025, met_on__isnull=False).exists()
    assert_same(w)


def test_the_figures_follow_organizations_founded_edited_moved_and_dissolved(records):
    w = records
    founded = factories.org(w.town_a, "新建村党支部", established_on=D(2026, 3, 15), code="TA-009")
    assert ComplianceFigure.objects.filter(org=founded, year=2026).exists()
    organization_update(actor=None, org=w.branch_b1, data={"sector": "community"})
    organization_update(actor=None, org=w.town_b, data={"level": "general_branch"})
    secretary = factories.member(w.branch_b1, "周敏")
    committee_member_add(actor=None, org=w.branch_b1, member=secretary, post="secretary", started_on=D(2020, 1, 1))
    organization_dissolve(actor=None, org=w.branch_a2, on=D(2026, 5, 10))
    organization_move(actor=w.organizer, org=w.branch_b1, new_parent=w.town_a, on=D(2026, 6, 1))
    assert_same(w)


def test_the_figures_follow_a_requirement_revised(records):
    w = records
    theme = MeetingRequirement.objects.filter(kind="theme_day", effective_to__isnull=True).first()
    services.requirement_revise(actor=None, requirement=theme, data={"minimum": 2}, effective_from=D(2026, 4, 1))
    april = ComplianceFigure.objects.get(org=w.branch_a1, kind="theme_day", period_start=D(2026, 4, 1))
    assert (april.required, april.met_on) == (2, None)
    assert_same(w)


def test_the_table_reads_the_same_queries_and_rows_at_any_number_of_branches(records, django_assert_max_num_queries):
    w = records

    def measured():
        with django_assert_max_num_queries(5):
            table = queries.compliance_table(Organization.objects.all(), w.root, 2026)
        found = queries.subtree_tallies(w.root, 2026, queries.as_of(2026))
        return table, len(found.by_kind) + len(found.organizations)

    before, rows = measured()
    for i in range(6):
        org = factories.org(w.town_b, f"新村{i}党支部", established_on=D(2000, 1, 1), code=f"TB-1{i}")
        factories.member(org, "赵磊", birth=D(1980, 1, 1))
        factories.meeting(org, ["theme_day", "general_meeting"], D(2026, 4, 9))
    after, rows_after = measured()
    assert rows_after == rows  # summed per child and sector: six more branches add no row read
    assert after.total.organizations == before.total.organizations + 6
    assert_same(w)


def test_rebuild_command_is_idempotent_and_an_unmaintained_year_is_computed(records, capsys):
    w = records
    kept = stored()
    call_command("figures", "rebuild", "--year", "2026")
    call_command("figures", "rebuild", "--year", "2026")
    assert stored() == kept
    assert "compliance figures" in capsys.readouterr().out
    assert not queries.is_maintained(2024)
    table = queries.compliance_table(Organization.objects.all(), w.root, 2024)
    assert flat(table) == flat(engine.compliance_table(Organization.objects.all(), w.root, 2024))


def test_the_periodic_job_builds_this_year_and_every_year_with_meetings_once(world, branch, today):
    from dangjian.core import jobs
    from dangjian.orglife.jobs import FIGURES

    factories.meeting(branch, ["theme_day"], D(2024, 3, 9))
    assert not queries.is_maintained(2024)
    assert figures.build_missing(today) == [2024, 2026]
    assert figures.maintained_years() == {2024, 2026}
    for year in (2024, 2026):
        table = queries.compliance_table(Organization.objects.all(), world.root, year)
        assert flat(table) == flat(engine.compliance_table(Organization.objects.all(), world.root, year))
    kept = stored()
    assert figures.build_missing(today) == []  # idempotent: a maintained year is left as it is
    assert stored() == kept
    assert FIGURES in jobs.PERIODIC and FIGURES in jobs.KINDS
