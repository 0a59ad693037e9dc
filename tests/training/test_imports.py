"""The training attendance register: rows found by programme, session and ID number, every bad row
reported with its reason, all or nothing, and an export that re-imports with no change."""

import datetime as dt

import pytest

from dangjian.core import excel
from dangjian.core.excel import pipeline
from dangjian.core.models import AuditEvent
from dangjian.training.models import Session, SessionAttendance
from tests.factories import programme
from tests.support.excel import read_xlsx

pytestmark = pytest.mark.django_db

HEADER = (
    "主办组织编码",
    "培训班名称",
    "期次日期",
    "课题",
    "学时",
    "主讲人",
    "姓名",
    "身份证号",
    "参训情况",
    "请假事由",
)


@pytest.fixture
def template():
    return excel.get("training_attendance")


@pytest.fixture
def course(world):
    return programme(world.town_a, "城关镇党员冬训班", kind="course")


def line(member, status="出席", reason="", day="2026-03-10", title="党章党规", hours="3", code="TA", name=None):
    return (
        code,
        "城关镇党员冬训班",
        day,
        title,
        hours,
        "刘老师",
        name or member.name,
        member.id_number,
        status,
        reason,
    )


def run(template, user, rows, commit=True):
    return pipeline.run_values(template, [HEADER, *rows], user=user, commit=commit)


def test_a_sign_in_sheet_is_imported_as_sessions(world, course, template):
    outcome = run(
        template,
        world.town_organizer,
        [
            line(world.zhang),
            line(world.li, "请假", "生病住院"),
            line(world.zhang, day="2026-03-17", title="党史", hours="2.5"),
        ],
    )
    assert outcome.ok, outcome.errors
    assert (outcome.created, outcome.committed) == (3, True)
    first = Session.objects.get(title="党章党规")
    assert (first.present, first.on_leave, str(first.hours), first.speaker) == (1, 1, "3.0", "刘老师")
    assert SessionAttendance.objects.get(session=first, member=world.li).reason == "生病住院"
    assert Session.objects.get(title="党史").present == 1
    assert AuditEvent.objects.filter(action="import", object_type="training.session").count() == 1


def test_every_bad_row_is_reported_and_nothing_is_written(world, course, template):
    from tests import factories

    liu = factories.member(world.branch_a2, "刘洋")
    outcome = run(
        template,
        world.town_organizer,
        [
            line(world.zhang),
            line(world.wang),  # town B: not writable for town A
            line(world.li, "请假"),  # no reason
            line(world.zhang, day="2099-01-01"),  # held in the future
            line(world.zhang, hours="30", title="另一课"),
            line(world.zhang),  # the same member twice
            ("TA", "不存在的培训班", "2026-03-10", "课题", "2", "", "张强", world.zhang.id_number, "出席", ""),
            line(world.zhang, title="第三课", name="张三"),  # name does not match
            line(liu, hours="2"),  # hours differ from the first row of the session
        ],
        commit=True,
    )
    assert not outcome.ok and not Session.objects.exists() and not SessionAttendance.objects.exists()
    by_row = {}
    for error in outcome.errors:
        by_row.setdefault(error.row, []).append(f"{error.column} {error.message}")
    assert set(by_row) == {3, 4, 5, 6, 7, 8, 9, 10}, by_row
    assert "无权限" in " ".join(by_row[3])
    assert "请假事由" in " ".join(by_row[4])
    assert "期次日期" in " ".join(by_row[5])
    assert "学时" in " ".join(by_row[6])
    assert "第 2 行" in " ".join(by_row[7])
    assert "培训班不存在" in " ".join(by_row[8])
    assert "姓名" in " ".join(by_row[9])
    assert "学时" in " ".join(by_row[10])


def test_rows_add_to_a_sheet_and_change_lines_but_never_remove(world, course, template):
    assert run(template, world.town_organizer, [line(world.zhang), line(world.li, "请假", "外出务工")]).created == 2
    again = run(template, world.town_organizer, [line(world.li, "出席")])
    assert (again.created, again.updated, again.unchanged) == (0, 1, 0)
    session = Session.objects.get()
    assert (session.present, session.on_leave) == (2, 0)
    same = run(template, world.town_organizer, [line(world.zhang), line(world.li)])
    assert (same.created, same.updated, same.unchanged) == (0, 0, 2)


def test_the_export_reimports_with_no_change(world, course, template, tmp_path):

    assert run(template, world.town_organizer, [line(world.zhang), line(world.li, "请假", "外出务工")]).ok
    for user in (world.town_organizer, world.organizer):
        result = pipeline.export(template, user=user, params={})
        path = tmp_path / "training.xlsx"
        with result.file as fh:
            path.write_bytes(fh.read())
        rows = read_xlsx(path)
        records = {r[rows[0].index("姓名")]: dict(zip(rows[0], r, strict=False)) for r in rows[1:]}
        record = records["李娜"]
        assert record["参训情况"] == "请假" and record["请假事由"] == "外出务工" and record["学时"] == "3.0"
        outcome = pipeline.run(template, path, user=user, commit=True)
        assert (outcome.unchanged, outcome.created, outcome.updated) == (2, 0, 0), outcome.errors
    assert pipeline.export(template, user=world.sibling_secretary, params={}).rows == 0


def test_the_district_imports_its_lecture_across_townships(world, template):
    programme(world.root, "区委大讲堂")
    rows = [
        ("ROOT", "区委大讲堂", "2026-03-10", "形势政策", "2", "", m.name, m.id_number, "出席", "")
        for m in (world.zhang, world.li, world.wang)
    ]
    outcome = run(template, world.organizer, rows)
    assert outcome.ok, outcome.errors
    assert Session.objects.get().present == 3
    assert dt.date(2026, 3, 10) == SessionAttendance.objects.values_list("held_on", flat=True).first()
