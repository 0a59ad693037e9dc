"""No double records from the meeting register's spreadsheet (issue 14 point 6): a held meeting completes
the planned one of the same kind, organization and day; a second meeting of that kind and day is refused
with its reason unless the row confirms it (〈确认重复〉 = 是); an export imports back unchanged."""

from __future__ import annotations

import datetime as dt

from dangjian.core.excel import pipeline
from dangjian.orglife.models import Meeting
from tests import factories
from tests.orglife.test_imports import HEADER, row, run, template  # noqa: F401 (the template fixture)
from tests.support.excel import read_xlsx

D = dt.date
TODAY, DAY = D(2026, 6, 20), "2026-06-20"  # a planned meeting lies today or later
CONFIRMED = (*HEADER, "确认重复")


def test_a_held_row_completes_the_planned_meeting_of_that_kind_and_day(world, branch, template):  # noqa: F811
    planned = factories.meeting(branch, ["theme_day"], TODAY, state="planned", topic="三月主题党日")
    outcome = run(template, world.secretary, [row(day=DAY, topic="学习党章", leave="王芳（外出务工）")])
    assert outcome.ok, [str(e) for e in outcome.errors]
    assert (outcome.created, outcome.updated) == (0, 1)
    assert Meeting.objects.count() == 1
    planned.refresh_from_db()
    assert (planned.state, planned.topic, planned.on_leave) == ("held", "学习党章", 1)
    again = run(template, world.secretary, [row(day=DAY, topic="学习党章", leave="王芳（外出务工）")])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_a_second_meeting_of_the_same_kind_and_day_is_refused_unless_confirmed(world, branch, template):  # noqa: F811
    factories.meeting(branch, ["theme_day"], TODAY, topic="已登记的主题党日")
    outcome = run(template, world.secretary, [row(day=DAY, topic="另一次主题党日")])
    assert not outcome.ok and Meeting.objects.count() == 1
    message = str(outcome.errors[0])
    assert "确认重复" in message and "已登记2026-06-20的主题党日" in message and "已登记的主题党日" in message
    confirmed = pipeline.run_values(
        template, [CONFIRMED, (*row(day=DAY, topic="另一次主题党日"), "是")], user=world.secretary, commit=True
    )
    assert confirmed.ok and confirmed.created == 1 and Meeting.objects.count() == 2
    other_kind = run(template, world.secretary, [row("党课", DAY, topic="专题党课", lecturer="张强")])
    assert other_kind.ok and other_kind.created == 1  # another kind on that day is no double record


def test_two_rows_of_one_kind_and_day_in_a_file_ask_as_well(world, branch, template):  # noqa: F811
    outcome = run(template, world.secretary, [row(day=DAY, topic="上午"), row(day=DAY, topic="下午")])
    assert not outcome.ok and Meeting.objects.count() == 0
    assert "与第 2 行是同一组织同一天的同类会议" in str(outcome.errors[0])  # row 1 is the header
    planned = factories.meeting(branch, ["theme_day"], TODAY, state="planned", topic="计划")
    confirmed = pipeline.run_values(
        template,
        [CONFIRMED, (*row(day=DAY, topic="上午"), ""), (*row(day=DAY, topic="下午"), "是")],
        user=world.secretary,
        commit=True,
    )
    assert confirmed.ok, [str(e) for e in confirmed.errors]
    planned.refresh_from_db()
    assert (planned.topic, planned.state, Meeting.objects.count()) == ("上午", "held", 2)


def test_an_export_with_a_confirmed_second_meeting_imports_back_unchanged(world, branch, template, tmp_path):  # noqa: F811
    factories.meeting(branch, ["theme_day"], TODAY, topic="上午")
    factories.meeting(branch, ["theme_day"], TODAY, topic="下午")
    factories.meeting(branch, ["theme_day"], D(2026, 7, 1), state="planned", topic="七一计划")
    exported = pipeline.export(template, user=world.secretary, params={})
    path = tmp_path / "meetings.xlsx"
    path.write_bytes(exported.file.read())
    assert len(read_xlsx(path.read_bytes())) > 3
    outcome = pipeline.commit(template, path, user=world.secretary)
    assert outcome.ok, [str(e) for e in outcome.errors]
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 3)
