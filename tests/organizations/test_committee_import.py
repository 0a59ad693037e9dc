"""The committee register in Excel: export → re-import changes nothing; new seats and ends through the services."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.core import excel
from dangjian.core.excel import pipeline
from dangjian.core.models import AuditEvent
from dangjian.organizations.models import CommitteeMember
from dangjian.organizations.services import committee_member_add, committee_member_end
from tests import factories
from tests.support.excel import make_xlsx

HEADERS = ["组织编码", "姓名", "身份证号", "职务", "任职日期", "离任日期"]


@pytest.fixture
def template():
    return excel.get("committee")


def _export(tmp_path, template, user):
    result = pipeline.export(template, user=user, params={})
    path = tmp_path / "committee.xlsx"
    with result.file as fh:
        path.write_bytes(fh.read())
    return path, result.rows


@pytest.mark.parametrize("persona", ["organizer", "secretary"])
def test_reimporting_an_export_changes_nothing(world, tmp_path, template, persona):
    liu = factories.member(world.branch_a1, "刘洋")
    committee_member_add(
        actor=None, org=world.branch_a1, member=world.zhang, post="secretary", started_on=dt.date(2021, 3, 1)
    )
    old = committee_member_add(
        actor=None, org=world.branch_a1, member=liu, post="member", started_on=dt.date(2021, 3, 1)
    )
    committee_member_end(actor=None, seat=old, ended_on=dt.date(2023, 1, 1))
    committee_member_add(
        actor=None, org=world.branch_b1, member=world.wang, post="secretary", started_on=dt.date(2021, 3, 1)
    )
    user = getattr(world, persona)
    path, count = _export(tmp_path, template, user)
    assert count == CommitteeMember.objects.visible_to(user).count()
    before = AuditEvent.objects.exclude(action__in=["import", "export"]).count()
    outcome = pipeline.commit(template, path, user=user)
    assert outcome.ok, [str(e) for e in outcome.errors]
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, count)
    assert AuditEvent.objects.exclude(action__in=["import", "export"]).count() == before


def test_rows_create_seats_of_today_and_of_the_past_and_end_open_ones(world, tmp_path, template):
    liu = factories.member(world.branch_a1, "刘洋")
    seat = committee_member_add(
        actor=None, org=world.branch_a1, member=liu, post="member", started_on=dt.date(2021, 3, 1)
    )
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            HEADERS,
            ["TA-001", "张强", world.zhang.id_number, "支部书记", "2021-03-01", None],
            ["TA-001", "张强", world.zhang.id_number, "委员", "2018-03-01", "2021-03-01"],
            ["TA-001", "刘洋", liu.id_number, "委员", "2021-03-01", "2024-03-01"],
        ],
    )
    outcome = pipeline.commit(template, path, user=world.secretary)
    assert outcome.ok, [str(e) for e in outcome.errors]
    assert (outcome.created, outcome.updated) == (2, 1)
    seat.refresh_from_db()
    assert seat.ended_on == dt.date(2024, 3, 1)
    assert CommitteeMember.objects.filter(member=world.zhang).count() == 2


def test_bad_rows_are_reported_and_nothing_is_written(world, tmp_path, template):
    path = make_xlsx(
        tmp_path / "in.xlsx",
        [
            HEADERS,
            ["TA-001", "王伟", world.wang.id_number, "委员", "2021-03-01", None],  # another branch's member
            ["TB-001", "王伟", world.wang.id_number, "委员", "2021-03-01", None],  # a branch out of reach
            ["TA-001", "张强", world.zhang.id_number, "委员", "2021-03-01", "2020-01-01"],  # ends before it starts
        ],
    )
    outcome = pipeline.commit(template, path, user=world.secretary)
    assert not outcome.ok and outcome.error_rows == 3
    assert not CommitteeMember.objects.exists()
