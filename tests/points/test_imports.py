"""The points registers: rules of a scheme and the ledger, exported and imported through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from dangjian.core import excel
from dangjian.core.excel import pipeline
from dangjian.points import services
from dangjian.points.models import PointEntry, PointRule
from tests import factories
from tests.support.excel import read_xlsx


def export_file(template, user, tmp_path, params=None):
    result = pipeline.export(template, user=user, params=params or {})
    path = tmp_path / f"{template.name}.xlsx"
    with result.file as fh:
        path.write_bytes(fh.read())
    return path, result.rows


def records(path):
    rows = read_xlsx(path)
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


# --- Rules --------------------------------------------------------------------------------------------
@pytest.fixture
def rule_template():
    return excel.get("point_rules")


def test_the_rules_export_reads_back_with_no_change(world, rules, rule_template, tmp_path):
    path, count = export_file(rule_template, world.organizer, tmp_path)
    assert count >= len(rules)
    by_code = {r["规则编码"]: r for r in records(path) if r["方案编号"] == rules["honour"].scheme_id}
    assert (
        by_code["honour"]["审批流程"] == "支部书记、乡镇党委" and by_code["absent"]["自动来源"] == "meeting_absent:any"
    )
    outcome = pipeline.run(rule_template, path, user=world.organizer, commit=True)
    assert outcome.ok, outcome.errors
    assert (outcome.created, outcome.updated) == (0, 0) and outcome.unchanged == count


def test_a_changed_row_revises_the_rule_from_its_date_and_past_entries_keep_theirs(
    world, rules, rule_template, tmp_path
):
    entry = services.claim_propose(
        actor=world.secretary,
        member=world.li,
        rule=rules["task"],
        occurred_on=dt.date(2026, 3, 2),
        event="整理党员档案",
    )
    assert entry.status == "approved"
    header = ["方案编号", "规则编码", "分值", "生效日期"]
    scheme = rules["task"].scheme_id
    refused = pipeline.run_values(rule_template, [header, [scheme, "task", "3", None]], user=world.organizer)
    assert "生效日期" in str(refused.errors[0])
    outcome = pipeline.run_values(
        rule_template, [header, [scheme, "task", "3", dt.date(2026, 6, 1)]], user=world.organizer, commit=True
    )
    assert outcome.committed and outcome.updated == 1, outcome.errors
    new = PointRule.objects.get(scheme_id=scheme, code="task", effective_to__isnull=True)
    assert new.points == 3 and new.replaces_id == rules["task"].pk
    entry.refresh_from_db()
    assert entry.rule_id == rules["task"].pk and entry.points == 2
    again = pipeline.run_values(
        rule_template, [header, [scheme, "task", "3", dt.date(2026, 6, 1)]], user=world.organizer, commit=True
    )
    assert (again.updated, again.unchanged) == (0, 1)


def test_a_town_organizer_cannot_change_the_default_scheme_but_adds_rules_to_its_own(world, rules, rule_template):
    mine = services.scheme_create(actor=None, name="城关镇积分", org=world.town_a, effective_from=dt.date(2026, 1, 1))
    header = ["方案编号", "规则编码", "规则名称", "类别", "加扣分", "分值", "审批流程"]
    outcome = pipeline.run_values(
        rule_template,
        [
            header,
            [rules["task"].scheme_id, "task", "任务", "岗位职责", "加分", "2", "支部书记"],
            [mine.pk, "study", "自学", "政治学习", "加分", "0.5", "党小组长"],
        ],
        user=world.town_organizer,
        commit=True,
    )
    assert not outcome.committed
    messages = [str(e) for e in outcome.errors]
    assert "第 2 行〈方案编号〉：积分方案不存在或无权修改" in messages
    assert any("第 3 行〈分值〉" in m for m in messages)  # 0.5 without 可计小数
    assert not PointRule.objects.filter(scheme=mine).exists()
    header.append("可计小数")
    outcome = pipeline.run_values(
        rule_template,
        [header, [mine.pk, "study", "自学", "政治学习", "加分", "0.5", "党小组长", "是"]],
        user=world.town_organizer,
        commit=True,
    )
    assert outcome.created == 1, outcome.errors
    rule = PointRule.objects.get(scheme=mine)
    assert (rule.points, rule.chain, rule.category) == (Decimal("0.5"), ["group_leader"], "study")


def test_the_rules_export_is_scoped(world, rules, rule_template):
    services.scheme_create(actor=None, name="河口镇积分", org=world.town_b, effective_from=dt.date(2026, 1, 1))
    assert pipeline.export(rule_template, user=world.secretary, params={"org": world.branch_a1.pk}).rows > 0
    with pytest.raises(Http404):
        pipeline.export(rule_template, user=world.secretary, params={"org": world.branch_b1.pk})


# --- The ledger ---------------------------------------------------------------------------------------
@pytest.fixture
def entry_template():
    return excel.get("point_entries")


HEADER = ["姓名", "组织编码", "规则编码", "日期", "分值", "事由", "证明人或依据"]


def test_claims_are_imported_once_through_the_service(world, rules, entry_template):
    rows = [
        HEADER,
        ["张强", "TA-001", "good-deed", dt.date(2026, 5, 1), None, "帮助邻居抢收小麦", "村民李大爷"],
        ["李娜", "TA-001", "honour", dt.date(2026, 5, 2), "4", "获县级优秀党员", "县委文件"],
    ]
    outcome = pipeline.run_values(entry_template, rows, user=world.secretary, commit=True)
    assert outcome.committed and outcome.created == 2, outcome.errors
    zhang = PointEntry.objects.get(member=world.zhang)
    li = PointEntry.objects.get(member=world.li)
    # The secretary holds the only step of good-deed; honour still waits for the township.
    assert zhang.status == "approved" and zhang.points == 2
    assert li.status == "proposed" and li.claim.next_step == "township"
    again = pipeline.run_values(entry_template, rows, user=world.secretary, commit=True)
    assert (again.created, again.unchanged) == (0, 2), again.errors
    assert PointEntry.objects.count() == 2


def test_automatic_points_and_bad_rows_are_refused_with_their_reasons(world, rules, entry_template):
    rows = [
        HEADER,
        ["张强", "TA-001", "theme-day", dt.date(2026, 5, 1), None, "参加主题党日", ""],
        ["王伟", "TB-001", "task", dt.date(2026, 5, 1), None, "整理档案", ""],
        ["李娜", "TA-001", "good-deed", dt.date(2026, 5, 1), None, "好事", ""],
        ["李娜", "TA-001", "task", dt.date(2026, 5, 1), "9", "整理档案", ""],
        ["赵六", "TA-001", "task", dt.date(2026, 5, 1), None, "整理档案", ""],
    ]
    outcome = pipeline.run_values(entry_template, rows, user=world.secretary, commit=True)
    messages = [str(e) for e in outcome.errors]
    assert not outcome.committed
    assert any("第 2 行〈规则编码〉" in m and "自动积分" in m and "不能导入" in m for m in messages)
    assert any("第 3 行〈组织编码〉" in m and "无权限" in m for m in messages)
    assert any("第 4 行〈证明人或依据〉" in m for m in messages)
    assert any("第 5 行〈分值〉" in m for m in messages)
    assert any("第 6 行〈姓名〉" in m for m in messages)
    assert not PointEntry.objects.exists()


def test_the_ledger_export_reads_back_with_no_change(world, rules, entry_template, tmp_path):
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10), absent=[world.li])
    services.recompute_year(year=2026)
    services.claim_propose(
        actor=world.member_user,
        member=world.zhang,
        rule=rules["good-deed"],
        occurred_on=dt.date(2026, 6, 1),
        event="帮助邻居抢收小麦",
        evidence="村民李大爷可证明",
    )
    path, count = export_file(entry_template, world.secretary, tmp_path, {"year": "2026"})
    assert count == PointEntry.objects.filter(org=world.branch_a1).count()
    claim = next(r for r in records(path) if r["规则编码"] == "good-deed")
    assert claim["状态"] == "待审批" and claim["事由"] == "帮助邻居抢收小麦" and claim["分值"] == "2"
    outcome = pipeline.run(entry_template, path, user=world.secretary, commit=True)
    assert outcome.ok, outcome.errors
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, count)
    sibling = pipeline.export(entry_template, user=world.sibling_secretary, params={})
    assert sibling.rows == PointEntry.objects.filter(member=world.wang).count() == 1
    with pytest.raises(Http404):
        pipeline.export(entry_template, user=world.sibling_secretary, params={"org": world.branch_a1.pk})
    only_li = pipeline.export(entry_template, user=world.secretary, params={"member": world.li.pk, "rule": "absent"})
    assert only_li.rows == 1
