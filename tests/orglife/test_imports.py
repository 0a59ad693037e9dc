"""Historical meeting records from Excel: names matched to the roster of the day, every bad row
reported with its reason, all or nothing, and re-importing the same file changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.core import excel
from dangjian.core.excel import pipeline
from dangjian.core.models import AuditEvent
from dangjian.orglife.models import Attendance, Meeting
from tests.support.excel import read_xlsx

HEADER = (
    "组织编码",
    "会议类型",
    "会议日期",
    "开始时间",
    "会议地点",
    "会议主题",
    "主持人",
    "授课人",
    "出席人员",
    "请假人员",
    "缺席人员",
    "会议纪要",
)


@pytest.fixture
def template():
    return excel.get("meetings")


def row(
    kinds="主题党日", day="2026-03-10", topic="学习党章", present="", leave="", absent="", lecturer="", code="TA-001"
):
    return (code, kinds, day, "09:00", "村部", topic, "张强", lecturer, present, leave, absent, "会议纪要……")


def run(template, user, rows, commit=True):
    return pipeline.run_values(template, [HEADER, *rows], user=user, commit=commit)


def test_historical_records_are_imported_with_their_attendance(world, branch, template):
    outcome = run(
        template,
        world.secretary,
        [
            row(leave="王芳（外出务工）", absent="陈静"),
            row("支委会", "2026-03-12", "研究三月工作", present="张强、王芳、刘洋"),
            row("党课、主题党日", "2026-04-10", "专题党课", lecturer="县委党校 王老师"),
        ],
    )
    assert outcome.ok, outcome.errors
    assert (outcome.created, outcome.committed) == (3, True)
    theme = Meeting.objects.get(topic="学习党章")
    assert (theme.expected, theme.present, theme.on_leave, theme.absent) == (5, 3, 1, 1)
    assert Attendance.objects.get(meeting=theme, member=world.extra[0]).reason == "外出务工"
    committee = Meeting.objects.get(topic="研究三月工作")
    assert (committee.kinds, committee.expected, committee.present) == (["committee_meeting"], 3, 3)
    assert Meeting.objects.get(topic="专题党课").kinds == ["party_lecture", "theme_day"]
    assert AuditEvent.objects.filter(action="import", object_type="orglife.meeting").count() == 1


def test_reimporting_the_same_file_changes_nothing(world, branch, template):
    rows = [row(leave="王芳（外出务工）"), row("支委会", "2026-03-12", "支委会", present="张强、王芳")]
    assert run(template, world.secretary, rows).created == 2
    again = run(template, world.secretary, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = run(template, world.secretary, [row(leave="王芳（生病住院）"), rows[1]])
    assert (changed.updated, changed.unchanged) == (1, 1)
    assert Attendance.objects.get(member=world.extra[0], meeting__topic="学习党章").reason == "生病住院"


def test_every_bad_row_is_reported_and_nothing_is_written(world, branch, template):
    outcome = run(
        template,
        world.secretary,
        [
            row(),  # fine on its own
            row(day="2026-07-01", topic="未来的会议"),  # after today (2026-06-20)
            row(present="张强、王伟", topic="外人"),  # 王伟 is not on this roster
            row("党课", "2026-04-10", "没有授课人"),
            row("茶话会", topic="未知类型"),
            row(leave="王芳", topic="没有原因"),
            row("支委会", topic="支委会没有出席人员"),
            row(code="TB-001", topic="别的乡镇"),
        ],
    )
    assert not outcome.committed and outcome.created == 0
    messages = {e.row: str(e) for e in outcome.errors}
    assert set(messages) == {3, 4, 5, 6, 7, 8, 9}
    assert "会议日期" in messages[3] and "2026-06-20" in messages[3]
    assert "王伟" in messages[4] and "名册" in messages[4]
    assert "授课人" in messages[5]
    assert "茶话会" in messages[6]
    assert "原因" in messages[7]
    assert "出席人员" in messages[8]
    assert "无权限" in messages[9]
    assert not Meeting.objects.exists()


def test_the_export_reads_back_as_the_same_meetings(world, branch, template, tmp_path):
    from tests import factories

    factories.meeting(branch, ["theme_day", "general_meeting"], dt.date(2026, 5, 9), on_leave=[(world.li, "外出务工")])
    result = pipeline.export(template, user=world.secretary, params={})
    path = tmp_path / "meetings.xlsx"
    with result.file as fh:
        path.write_bytes(fh.read())
    rows = read_xlsx(path)
    header = rows[0]
    record = dict(zip(header, rows[1], strict=False))
    assert record["会议类型"] == "支部党员大会、主题党日" and record["请假人员"] == "李娜（外出务工）"
    outcome = pipeline.run(template, path, user=world.secretary, commit=True)
    assert (outcome.unchanged, outcome.created, outcome.updated) == (1, 0, 0), outcome.errors
    assert result.rows == 1
    assert pipeline.export(template, user=world.sibling_secretary, params={}).rows == 0


@pytest.fixture
def namesake(world, branch):
    """A second 王芳 on 东街村党支部's roster (common in villages)."""
    from tests import factories

    return factories.member(branch, "王芳", birth=dt.date(1981, 8, 8), gender="female")


def test_two_members_of_one_name_are_told_apart_by_record_or_id_number(world, branch, template, namesake):
    first = world.extra[0]
    outcome = run(
        template,
        world.secretary,
        [
            row(present=f"张强、李娜、王芳【{first.pk}】、刘洋、陈静", absent=f"王芳【{namesake.pk}】"),
            row("主题党日", "2026-04-10", "四月主题党日", leave=f"{namesake.id_number}（外出务工）"),
        ],
    )
    assert outcome.ok, outcome.errors
    march = Meeting.objects.get(topic="学习党章")
    statuses = dict(march.attendance.values_list("member_id", "status"))
    assert statuses[first.pk] == Attendance.Status.PRESENT and statuses[namesake.pk] == Attendance.Status.ABSENT
    april = Meeting.objects.get(topic="四月主题党日")
    assert april.attendance.get(member=namesake).status == Attendance.Status.ON_LEAVE
    assert april.attendance.get(member=first).status == Attendance.Status.PRESENT


def test_an_ambiguous_name_is_refused_naming_both_candidates(world, branch, template, namesake):
    first = world.extra[0]
    outcome = run(
        template, world.secretary, [row(leave="王芳（外出务工）"), row("主题党日", "2026-04-10", "四月", absent="刘洋")]
    )
    assert not outcome.ok and not Meeting.objects.exists()
    messages = [str(e) for e in outcome.errors]
    assert len(messages) == 1, messages
    assert f"王芳【{first.pk}】" in messages[0] and f"王芳【{namesake.pk}】" in messages[0]
    assert first.id_number_masked in messages[0] and namesake.id_number_masked in messages[0]
    assert namesake.id_number not in messages[0]  # masked, never in full
    wrong = run(template, world.secretary, [row(absent=f"刘洋【{namesake.pk}】")])
    assert "不是“刘洋”" in str(wrong.errors[0])


def test_the_export_of_namesakes_reads_back_unchanged(world, branch, template, namesake, tmp_path):
    from tests import factories

    factories.meeting(branch, ["theme_day"], dt.date(2026, 5, 9), on_leave=[(namesake, "外出务工")])
    result = pipeline.export(template, user=world.secretary, params={})
    path = tmp_path / "meetings.xlsx"
    with result.file as fh:
        path.write_bytes(fh.read())
    rows = read_xlsx(path)
    record = dict(zip(rows[0], rows[1], strict=False))
    assert record["请假人员"] == f"王芳【{namesake.pk}】（外出务工）"
    assert f"王芳【{world.extra[0].pk}】" in record["出席人员"] and "张强【" not in record["出席人员"]
    outcome = pipeline.run(template, path, user=world.secretary, commit=True)
    assert (outcome.unchanged, outcome.created, outcome.updated) == (1, 0, 0), outcome.errors
