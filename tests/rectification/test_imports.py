"""The 整顿台账 register: rows found by organization, year and problem, every bad row reported with its
reason, all or nothing, the branch fills only 完成日期, and an export that re-imports with no change."""

import pytest

from dangjian.core import excel
from dangjian.core.excel import pipeline
from dangjian.core.models import AuditEvent
from dangjian.rectification.models import Problem
from tests.support.excel import read_xlsx

pytestmark = pytest.mark.django_db

HEADER = ("组织编码", "年度", "存在问题", "整改措施", "责任人", "完成时限", "完成日期")


@pytest.fixture
def template():
    return excel.get("rectification_register")


def run(template, user, rows, commit=True):
    return pipeline.run_values(template, [HEADER, *rows], user=user, commit=commit)


def test_new_problems_are_added_to_the_open_case(world, case, template):
    rows = [("TA-001", 2025, "集体经济薄弱", "发展合作社", "赵六", "2026-09-30", "")]
    preview = run(template, world.town_organizer, rows, commit=False)
    assert preview.ok and preview.created == 1 and Problem.objects.count() == 2
    outcome = run(template, world.town_organizer, rows)
    assert outcome.ok and outcome.created == 1
    assert Problem.objects.filter(description="集体经济薄弱", org_path=world.branch_a1.path).exists()
    again = run(template, world.town_organizer, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_bad_rows_are_reported_and_nothing_is_written(world, case, template):
    events = AuditEvent.objects.filter(action="problem_add").count()
    rows = [
        ("TA-001", 2025, "集体经济薄弱", "发展合作社", "赵六", "2026-09-30", ""),
        ("TA-002", 2025, "无整顿", "措施", "甲", "2026-09-30", ""),  # no case for 西街村
        ("TA-001", 2025, "太早", "措施", "乙", "2025-01-01", ""),  # before the case was opened
        ("TB-001", 2025, "别人的", "措施", "丙", "2026-09-30", ""),  # outside the subtree
    ]
    outcome = run(template, world.town_organizer, rows)
    assert not outcome.ok and outcome.error_rows == 3
    assert {e.row for e in outcome.errors} == {3, 4, 5}
    assert Problem.objects.count() == 2 and AuditEvent.objects.filter(action="problem_add").count() == events


def test_the_branch_fills_only_the_done_dates(world, case, template):
    problem = case.problems.order_by("id").first()
    row = (
        "TA-001",
        2025,
        problem.description,
        problem.countermeasure,
        problem.responsible,
        problem.deadline,
        "2026-01-20",
    )
    outcome = run(template, world.secretary, [row])
    assert outcome.ok and outcome.updated == 1, outcome.errors
    problem.refresh_from_db()
    assert problem.done_on.isoformat() == "2026-01-20"
    changed = ("TA-001", 2025, problem.description, "另定措施", problem.responsible, problem.deadline, "2026-01-20")
    assert not run(template, world.secretary, [changed]).ok


def test_the_export_reimports_with_no_change(world, case, template, tmp_path):

    for user in (world.town_organizer, world.organizer, world.secretary):
        result = pipeline.export(template, user=user, params={})
        path = tmp_path / "register.xlsx"
        with result.file as fh:
            path.write_bytes(fh.read())
        rows = read_xlsx(path)
        record = dict(zip(rows[0], rows[1], strict=False))
        assert record["类别"] == "软弱涣散" or record["类别"]
        assert record["存在问题"] == "书记长期外出"
        outcome = pipeline.run(template, path, user=user, commit=True)
        assert (outcome.unchanged, outcome.created, outcome.updated) == (2, 0, 0), outcome.errors
    assert pipeline.export(template, user=world.sibling_secretary, params={}).rows == 0
