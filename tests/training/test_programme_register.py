"""The programmes register (培训班): a programme set up from a file, then its sign-in sheet imported;
bad rows reported, nothing half-written; the export re-imports with no change."""

import datetime as dt

import pytest
from django.urls import reverse

from dangjian.core import excel
from dangjian.core.excel import pipeline
from dangjian.core.models import AuditEvent
from dangjian.training.models import Programme, Session
from tests.factories import programme
from tests.support.excel import read_xlsx

pytestmark = pytest.mark.django_db

HEADER = ("主办组织编码", "培训班名称", "类型", "开始日期", "结束日期", "培训对象", "备注")
ATTENDANCE = ("主办组织编码", "培训班名称", "期次日期", "课题", "学时", "姓名", "身份证号", "参训情况")


def run(name, user, rows, header=HEADER, commit=True):
    return pipeline.run_values(excel.get(name), [header, *rows], user=user, commit=commit)


def test_a_programme_is_created_by_import_and_its_sign_in_sheet_follows(world):
    rows = [
        ("TA", "城关镇党员冬训班", "培训班", "2026-01-05", "2026-03-31", "全镇农村党员", ""),
        ("TA", "城关镇大讲堂", "大讲堂", "2026-02-01", "", "", "每月一讲"),
    ]
    outcome = run("training_programmes", world.town_organizer, rows)
    assert outcome.ok, outcome.errors
    assert (outcome.created, outcome.committed) == (2, True)
    winter = Programme.objects.get(name="城关镇党员冬训班")
    assert (winter.org, winter.kind, winter.ends_on, winter.audience) == (
        world.town_a,
        "course",
        dt.date(2026, 3, 31),
        "全镇农村党员",
    )
    assert AuditEvent.objects.filter(action="import", object_type="training.programme").count() == 1
    sheet = [("TA", "城关镇党员冬训班", "2026-03-10", "党章党规", "3", world.zhang.name, world.zhang.id_number, "出席")]
    attendance = run("training_attendance", world.town_organizer, sheet, header=ATTENDANCE)
    assert attendance.ok, attendance.errors
    assert Session.objects.get(programme=winter).present == 1
    again = run("training_programmes", world.town_organizer, rows)
    assert (again.unchanged, again.created, again.updated) == (2, 0, 0), again.errors


def test_bad_programme_rows_are_reported_and_nothing_is_written(world):
    rows = [
        ("TA", "冬训班", "培训班", "2026-01-05", "2025-12-31", "", ""),  # ends before it starts
        ("TA", "夏训班", "研讨会", "2026-06-01", "", "", ""),  # unknown kind
        ("TB", "河口镇冬训班", "培训班", "2026-01-05", "", "", ""),  # another township's
        ("TA", "好课", "大讲堂", "2026-02-01", "", "", ""),
        ("TA", "好课", "大讲堂", "2026-02-01", "", "", ""),  # the same programme twice
    ]
    outcome = run("training_programmes", world.town_organizer, rows)
    assert not outcome.ok and not Programme.objects.exists()
    by_row = {e.row: str(e) for e in outcome.errors}
    assert set(by_row) == {2, 3, 4, 6}, by_row
    assert "结束" in by_row[2] or "开始" in by_row[2]
    assert "第 5 行" in by_row[6]


def test_the_programmes_export_reads_back_unchanged_and_a_change_updates(world, tmp_path):
    course = programme(world.town_a, "城关镇党员冬训班", kind="course", audience="全镇党员")
    programme(world.town_b, "河口镇大讲堂")
    result = pipeline.export(excel.get("training_programmes"), user=world.town_organizer, params={})
    assert result.rows == 1  # only the township's own
    path = tmp_path / "programmes.xlsx"
    with result.file as fh:
        path.write_bytes(fh.read())
    rows = read_xlsx(path)
    record = dict(zip(rows[0], rows[1], strict=False))
    assert (record["培训班名称"], record["类型"], record["培训对象"]) == ("城关镇党员冬训班", "培训班", "全镇党员")
    outcome = pipeline.run(excel.get("training_programmes"), path, user=world.town_organizer, commit=True)
    assert (outcome.unchanged, outcome.created, outcome.updated) == (1, 0, 0), outcome.errors
    header = [h for h in rows[0] if h]
    changed = dict(record, 培训对象="全镇农村党员")
    again = pipeline.run_values(
        excel.get("training_programmes"), [header, [changed[h] for h in header]], user=world.town_organizer, commit=True
    )
    assert again.updated == 1, again.errors
    course.refresh_from_db()
    assert course.audience == "全镇农村党员"


def test_the_training_pages_link_to_the_programmes_register(world, client_for):
    body = client_for(world.town_organizer).get(reverse("training-programmes")).content.decode()
    assert reverse("io-training_programmes") in body
