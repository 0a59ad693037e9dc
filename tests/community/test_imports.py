"""The registers of service hours and of check-ins: every bad row with its reason, all or nothing,
one service call (one audit event, one signal) per activity, and an export that re-imports with 0 changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dangjian.community.models import MemberCheckIn, ServiceHours, VolunteerActivity
from dangjian.community.signals import service_changed
from dangjian.core import excel
from dangjian.core.excel import pipeline
from dangjian.core.models import AuditEvent
from tests import factories
from tests.factories import activity
from tests.support.excel import read_xlsx

D = dt.date
HOURS_HEADER = ("组织编码", "活动日期", "活动名称", "活动类型", "姓名", "身份证号", "服务时长（小时）")
CHECKIN_HEADER = ("姓名", "身份证号", "报到社区", "报到日期", "服务意向")


@pytest.fixture
def hours_template():
    return excel.get("service_hours")


@pytest.fixture
def checkin_template():
    return excel.get("checkins")


def run(template, user, header, rows, commit=True):
    return pipeline.run_values(template, [header, *rows], user=user, commit=commit)


def hours_row(member, hours="2", day="2026-06-06", title="敬老院志愿服务", code="TA-C01", kind="助老助残"):
    return (code, day, title, kind, member.name, member.id_number, hours)


def test_service_hours_create_activities_with_their_sheets_one_event_and_signal_each(checked_in, hours_template):
    w = checked_in
    signals = []
    receiver = lambda sender, activity_id, **kw: signals.append(activity_id)  # noqa: E731
    service_changed.connect(receiver)
    try:
        outcome = run(
            hours_template,
            w.community_secretary,
            HOURS_HEADER,
            [
                hours_row(w.sun, "2"),
                hours_row(w.zhao, "1.5"),  # checked in to the community on 1 March
                hours_row(w.sun, "3", day="2026-05-09", title="环境整治", kind="环境整治"),
            ],
        )
    finally:
        service_changed.disconnect(receiver)
    assert outcome.ok, outcome.errors
    assert outcome.created == 3
    care = VolunteerActivity.objects.get(title="敬老院志愿服务")
    assert (care.kind, care.state, care.org) == ("care", "held", w.community)
    assert dict(ServiceHours.objects.filter(activity=care).values_list("member_id", "hours")) == {
        w.sun.pk: Decimal("2.0"),
        w.zhao.pk: Decimal("1.5"),
    }
    assert len(signals) == 2
    assert AuditEvent.objects.filter(object_type="community.volunteeractivity", action="create").count() == 2


def test_every_bad_hours_row_is_reported_and_nothing_is_written(checked_in, hours_template):
    w = checked_in
    outcome = run(
        hours_template,
        w.community_secretary,
        HOURS_HEADER,
        [
            hours_row(w.sun, "2"),
            hours_row(w.sun, "0"),  # same activity and member twice, and 0 hours
            hours_row(w.zhang, "2"),  # not of the community, not checked in
            hours_row(w.zhao, "2", day="2026-02-01"),  # checked in only from 1 March
            hours_row(w.sun, "13", title="巡逻"),  # more than the day's maximum
            hours_row(w.sun, "2", code="TB-G01"),  # an organization the community secretary cannot write
        ],
    )
    assert not outcome.ok and outcome.created == 0
    by_row = {}
    for e in outcome.errors:
        by_row.setdefault(e.row, []).append(f"{e.column} {e.message}")
    assert "大于 0" in " ".join(by_row[3])
    assert "无权限" in " ".join(by_row[4])  # not found among those the community may name
    assert "2026-02-01 不是东街社区党支部的党员" in " ".join(by_row[5])
    assert "12" in " ".join(by_row[6])
    assert "无权限" in " ".join(by_row[7])
    assert not VolunteerActivity.objects.exists() and not ServiceHours.objects.exists()


def test_rows_add_to_an_existing_sheet_and_reimporting_changes_nothing(checked_in, hours_template):
    w = checked_in
    a = activity(w, sheet=[(w.sun, "2")])
    rows = [hours_row(w.zhao, "1"), hours_row(w.sun, "2")]
    first = run(hours_template, w.community_secretary, HOURS_HEADER, rows)
    assert (first.created, first.unchanged) == (1, 1), first.errors
    assert ServiceHours.objects.filter(activity=a).count() == 2
    again = run(hours_template, w.community_secretary, HOURS_HEADER, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = run(hours_template, w.community_secretary, HOURS_HEADER, [hours_row(w.zhao, "2.5")])
    assert changed.updated == 1
    assert ServiceHours.objects.get(activity=a, member=w.zhao).hours == Decimal("2.5")


def test_the_service_export_reimports_with_no_change(checked_in, hours_template, tmp_path):

    w = checked_in
    activity(w, sheet=[(w.sun, "2"), (w.zhao, "1.5")])
    activity(w, held_on=D(2026, 5, 9), title="环境整治", kind="environment", sheet=[(w.sun, "4")])
    result = pipeline.export(hours_template, user=w.community_secretary, params={"org": str(w.community.pk)})
    path = tmp_path / "hours.xlsx"
    with result.file as fh:
        path.write_bytes(fh.read())
    rows = read_xlsx(path)
    record = dict(zip(rows[0], rows[1], strict=False))
    assert record["活动名称"] == "环境整治" and record["服务时长（小时）"] == "4.0"
    assert "*" in record["身份证号"]  # masked for a secretary
    outcome = pipeline.run(hours_template, path, user=w.community_secretary, commit=True)
    assert (outcome.unchanged, outcome.created, outcome.updated) == (3, 0, 0), outcome.errors
    assert result.rows == 3
    # the member's own branch exports its member's hours served in the community
    mine = pipeline.export(hours_template, user=w.agency_secretary, params={})
    assert mine.rows == 1
    assert pipeline.export(hours_template, user=w.sibling_secretary, params={}).rows == 0


def test_checkins_by_id_number_with_the_name_checked(place, checkin_template):
    w = place
    rows = [
        ("赵敏", w.zhao.id_number, "东街社区党支部", "2026-03-01", "助老助残"),
        ("钱多", w.wang.id_number, "东街社区党支部", "2026-03-01", "治安巡逻"),  # wrong name for the number
        ("孙丽", w.sun.id_number, "东街村党支部", "2026-03-01", "其他"),  # not a community
    ]
    outcome = run(checkin_template, w.community_secretary, CHECKIN_HEADER, rows)
    messages = {e.row: f"{e.column} {e.message}" for e in outcome.errors}
    assert "姓名与身份证号不符" in messages[3] and w.wang.name not in messages[3]
    assert "无权限" in messages[4]
    assert not MemberCheckIn.objects.exists()
    outcome = run(checkin_template, w.community_secretary, CHECKIN_HEADER, rows[:1])
    assert outcome.ok and outcome.created == 1
    checkin = MemberCheckIn.objects.get()
    assert (checkin.member, checkin.org, checkin.offers) == (w.zhao, w.community, "care")


def test_the_checkin_export_reimports_with_no_change(checked_in, checkin_template, tmp_path):
    w = checked_in
    result = pipeline.export(checkin_template, user=w.community_secretary, params={})
    path = tmp_path / "checkins.xlsx"
    with result.file as fh:
        path.write_bytes(fh.read())
    outcome = pipeline.run(checkin_template, path, user=w.community_secretary, commit=True)
    assert (outcome.unchanged, outcome.created, outcome.updated) == (1, 0, 0), outcome.errors
    assert pipeline.export(checkin_template, user=w.agency_secretary, params={}).rows == 1  # its member's
    assert pipeline.export(checkin_template, user=w.sibling_secretary, params={}).rows == 0


def test_a_checkin_row_may_end_it(checked_in, checkin_template):
    w = checked_in
    rows = [("赵敏", w.zhao.id_number, "东街社区党支部", "2026-03-01", "助老助残")]
    header = (*CHECKIN_HEADER, "结束日期")
    outcome = run(checkin_template, w.community_secretary, header, [(*rows[0], "2026-06-01")])
    assert outcome.updated == 1, outcome.errors
    assert MemberCheckIn.objects.get().ended_on == D(2026, 6, 1)


@pytest.mark.parametrize("register", ["service_hours", "checkins"])
def test_the_register_pages_and_blank_templates(place, client_for, register, tmp_path):

    client = client_for(place.community_secretary)
    assert client.get(f"/io/{register}/").status_code == 200
    response = client.get(f"/io/{register}/template/")
    assert response.status_code == 200
    path = tmp_path / "blank.xlsx"
    path.write_bytes(b"".join(response.streaming_content) if response.streaming else response.content)
    header = read_xlsx(path)[0]
    wanted = {"service_hours": {"活动日期", "活动名称", "组织单位", "身份证号", "服务时长（小时）"}}
    wanted["checkins"] = {"姓名", "身份证号", "报到社区", "报到日期", "服务意向"}
    assert wanted[register] <= set(header)


def test_a_new_activity_split_between_chunks_is_one_activity(checked_in, hours_template, monkeypatch):
    w = checked_in
    others = [factories.member(w.community, f"志愿者{i}", birth=D(1970 + i, 3, 1)) for i in range(3)]
    monkeypatch.setattr(type(hours_template), "chunk_rows", 2)
    rows = [hours_row(m, "2") for m in [w.sun, w.zhao, *others]]
    preview = run(hours_template, w.community_secretary, HOURS_HEADER, rows, commit=False)
    assert preview.ok and preview.created == 5, preview.errors
    outcome = run(hours_template, w.community_secretary, HOURS_HEADER, rows)
    assert outcome.ok and outcome.created == 5, outcome.errors
    assert VolunteerActivity.objects.count() == 1 and ServiceHours.objects.count() == 5


def test_a_members_day_over_the_maximum_is_shown_in_the_preview(checked_in, hours_template):
    w = checked_in
    activity(w, title="上午巡逻", sheet=[(w.sun, "6")])
    rows = [hours_row(w.sun, "4", title="下午敬老"), hours_row(w.sun, "3", title="晚上巡逻")]
    preview = run(hours_template, w.community_secretary, HOURS_HEADER, rows, commit=False)
    assert [e.row for e in preview.errors] == [3] and "12" in preview.errors[0].message
