"""The figures against hand-counted fixtures, and the screening page's suggestions from the records."""

import datetime as dt

import pytest

from dangjian.organizations.models import Organization
from dangjian.rectification import queries, services
from dangjian.rectification.models import Problem, Rectification, Screening, ScreeningMark
from tests.factories import CASE_OPENED as OPENED
from tests.factories import criteria

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 3, 1)


def figures(root, year=2025, on=ON):
    return queries.figures(
        Organization.objects.all(),
        Screening.objects.all(),
        ScreeningMark.objects.all(),
        Rectification.objects.all(),
        Problem.objects.all(),
        root,
        year,
        on=on,
    )


def add(case, deadline, done_on=None, text="问题"):
    problem = services.problem_add(
        actor=None,
        case=case,
        data={"description": text, "countermeasure": "措施", "responsible": "甲", "deadline": deadline},
    )
    if done_on:
        services.countermeasure_done(actor=None, problem=problem, done_on=done_on)
    return problem


def test_the_figures_per_township_are_what_a_person_counts(world, case, screening):
    # 东街村 (town A): weak, in progress, its two problems (deadlines 2026-03-01 and 2026-06-30) plus:
    add(case, dt.date(2026, 2, 1), text="已完成", done_on=dt.date(2026, 1, 20))
    add(case, dt.date(2026, 2, 15), text="已过时限")
    # 西街村 (town A): lagging, no case yet. 河口村 (town B): weak, a case opened with nothing due.
    services.mark_create(
        actor=None, screening=screening, org=world.branch_a2, classification="lagging", criteria=criteria("C06")
    )
    b1 = services.mark_create(
        actor=None, screening=screening, org=world.branch_b1, classification="weak", criteria=criteria("C02")
    )
    add(services.case_open(actor=None, mark=b1, opened_on=OPENED), dt.date(2026, 9, 1))
    table = figures(world.root)
    rows = {r.label: r for r in table.rows}
    a, b = rows["城关镇党委"], rows["河口镇党委"]
    assert (a.branches, a.screened, a.weak, a.lagging, a.cases) == (2, 2, 1, 1, {"in_progress": 1})
    # 2026-03-01: due today (within 14 days), 2026-06-30 open, done, past the deadline
    assert (a.problems, a.done, a.due_soon, a.overdue) == (4, 1, 1, 1)
    assert (b.branches, b.screened, b.weak, b.lagging, b.cases) == (1, 1, 1, 0, {"opened": 1})
    assert (b.problems, b.done, b.due_soon, b.overdue) == (1, 0, 0, 0)
    total = table.total
    assert (total.branches, total.marked, total.problems, total.share) == (3, 3, 5, "100.0%")
    # Another year: nothing screened, nothing marked.
    assert figures(world.root, 2024).total.screened == 0 and figures(world.root, 2024).total.marked == 0
    # A township's own figures: its villages.
    assert [r.label for r in figures(world.town_a).rows] == ["东街村党支部", "西街村党支部"]


def test_the_problem_statuses_match_the_figures(world, case):
    add(case, dt.date(2026, 2, 15), text="已过时限")
    problems = Problem.objects.all()
    assert queries.problem_list(problems, status="overdue", on=ON).count() == 1
    assert queries.problem_list(problems, status="due_soon", on=ON).count() == 1
    assert queries.problem_list(problems, status="open", on=ON).count() == 3
    assert queries.problem_list(problems, status="done", on=ON).count() == 0


def test_the_screening_rows_show_the_records_and_the_quota(world, mark):
    from dangjian.core.services import parameter_set

    rows, quota = queries.screening_rows(Organization.objects.all(), mark.screening)
    assert [r.org.name for r in rows] == ["东街村党支部", "西街村党支部", "河口村党支部"]
    assert rows[0].mark == mark and rows[1].mark is None
    assert (quota.branches, quota.marked, quota.min_percent, quota.below) == (3, 1, 5, False)
    assert any("consider a joint branch" in w or "联合" in w for w in rows[1].warnings)  # 西街村 has no members
    parameter_set(actor=None, key="rectification.min_share_percent", value=50, effective_from=dt.date(2000, 1, 1))
    assert queries.screening_rows(Organization.objects.all(), mark.screening)[1].below
