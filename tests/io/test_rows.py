"""Row-level checks: every bad row listed in Chinese, all or nothing, permission on every row, cell forms."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from dangjian.core import idnumber
from dangjian.core.excel import pipeline
from dangjian.core.models import AuditEvent
from dangjian.core.services import BatchValidationError
from dangjian.members import collisions
from dangjian.members import services as member_services
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

HEADER = ("姓名", "身份证号", "所属组织编码", "人员类别", "入党日期", "转正日期", "联系电话", "学历")


def new_id(seq: int, birth=dt.date(1988, 8, 8), gender="male") -> str:
    return idnumber.make("410102", birth, seq, gender)


def good(seq: int, name: str = "新党员", org: str = "TA-001") -> tuple:
    return (name, new_id(seq), org, "正式党员", "2012-07-01", "2013-07-01", "13700000000", "大学本科")


def messages(outcome) -> list[str]:
    return [str(e) for e in outcome.errors]


def test_every_bad_row_is_listed_with_row_number_column_and_reason(world, xlsx, members_template):
    bad_check = new_id(1)[:-1] + ("0" if new_id(1)[-1] != "0" else "1")
    path = xlsx(
        [
            HEADER,
            good(10, "甲"),
            ("乙", bad_check, "TA-001", "正式党员", "2012-07-01", "2013-07-01", None, None),
            good(11, "丙"),
            ("丁", new_id(12), "TA-001", "正式党员", "2012-13-45", "2013-07-01", None, None),
            (None, new_id(13), "TA-001", "正式党员", "2012-07-01", "2013-07-01", None, None),
            ("戊", new_id(14), "TA-001", "党员", "2012-07-01", "2013-07-01", None, "小学"),
            ("己", new_id(15), "TB-001", "正式党员", "2012-07-01", "2013-07-01", None, None),
            ("庚", new_id(16), "TA-001", "正式党员", "2012-07-01", "2013-07-01", "12345", "博士"),
        ]
    )
    outcome = pipeline.preview(members_template, path, user=world.town_organizer)
    assert messages(outcome) == [
        "第 3 行〈身份证号〉：校验位错误",
        "第 5 行〈入党日期〉：不是有效的日期",
        "第 6 行〈姓名〉：必填",
        "第 7 行〈人员类别〉：不是可选值之一（可选：正式党员、预备党员）",
        "第 8 行〈所属组织编码〉：组织不存在或无权限",
        "第 9 行〈联系电话〉：应为 11 位手机号或固定电话",
    ]
    assert (outcome.created, outcome.error_rows) == (2, 6)


def test_service_rules_are_reported_against_their_column(world, xlsx, members_template):
    from django.utils.translation import gettext as _

    path = xlsx(
        [
            HEADER,
            ("少年", new_id(20, dt.date(2000, 1, 1)), "TA-001", "正式党员", "2010-01-01", "2011-01-01", None, None),
            ("预备", new_id(21), "TA-001", "预备党员", "2020-01-01", "2021-01-01", None, None),
            ("重号", world.zhang.id_number, "TA-002", "正式党员", "2010-01-01", "2011-01-01", None, None),
        ]
    )
    outcome = pipeline.preview(members_template, path, user=world.organizer)
    assert messages(outcome) == [
        f"第 2 行〈入党日期〉：{_('A member must be at least 18 years old when joining the party.')}",
        f"第 3 行〈转正日期〉：{_('A probationary member has no full-member date yet.')}",
        "第 4 行〈所属组织编码〉：与系统中的所属组织（东街村党支部）不一致；转移组织关系请使用组织关系转接",
    ]


def test_one_bad_row_means_nothing_is_written(world, xlsx, members_template):
    path = xlsx([HEADER, good(30, "一"), good(31, "二"), ("三", "123", "TA-001", "正式党员", "2012-07-01"), good(32)])
    members, events = Member.objects.count(), AuditEvent.objects.count()
    outcome = pipeline.commit(members_template, path, user=world.organizer)
    assert not outcome.committed
    assert messages(outcome) == ["第 4 行〈身份证号〉：应为 17 位数字加 1 位数字或 X（共 18 位）"]
    assert Member.objects.count() == members
    failure = AuditEvent.objects.get(id__gt=0, action="import", outcome="failure")
    assert AuditEvent.objects.count() == events + 1 and failure.changes["errors"] == 1


def test_an_error_found_only_while_writing_rolls_back_the_rows_already_written(
    world, xlsx, members_template, monkeypatch
):
    real = member_services.member_create_many

    def flaky(*, actor, entries):
        """Writes the rows before 三, then refuses 三 (as a service may, e.g. a concurrent edit)."""
        bad = next(i for i, (_org, data) in enumerate(entries) if data["name"] == "三")
        real(actor=actor, entries=entries[:bad])
        raise BatchValidationError({bad: ValidationError({"phone": "服务拒绝"})})

    monkeypatch.setattr(member_services, "member_create_many", flaky)
    path = xlsx([HEADER, good(40, "一"), good(41, "二"), good(42, "三"), good(43, "四")])
    before = Member.objects.count()
    outcome = pipeline.commit(members_template, path, user=world.organizer)
    assert messages(outcome) == ["第 4 行〈联系电话〉：服务拒绝"]
    assert not outcome.committed and Member.objects.count() == before
    assert not Member.objects.filter(name__in=["一", "二"]).exists()


def test_rows_for_a_sibling_subtree_are_rejected(world, xlsx, members_template, orgs_template):
    path = xlsx([HEADER, good(50, "本镇", "TA-002"), good(51, "外镇", "TB-001")])
    outcome = pipeline.commit(members_template, path, user=world.town_organizer)
    assert messages(outcome) == ["第 3 行〈所属组织编码〉：组织不存在或无权限"]
    assert not Member.objects.filter(name="本镇").exists()
    # Updating the sibling's member, found by ID number or by record id, is refused too.
    wang = Member.objects.get(pk=world.wang.pk)
    path = xlsx(
        [
            ("系统编号", "姓名", "身份证号", "所属组织编码", "人员类别", "入党日期"),
            (None, "王伟", wang.id_number, "TB-001", "正式党员", "2005-07-01"),
            (wang.pk, "王伟", wang.id_number_masked, "TB-001", "正式党员", "2005-07-01"),
        ]
    )
    outcome = pipeline.commit(members_template, path, user=world.secretary)
    assert messages(outcome) == [
        # Neutral: nothing about where the number is registered (members.collisions).
        f"第 2 行〈身份证号〉：{collisions.outside_message()}",
        "第 3 行〈系统编号〉：记录不存在或无权限",
    ]
    path = xlsx(
        [
            ("组织编码", "组织名称", "上级组织编码", "组织层级", "组织类别"),
            ("TB-001", "河口村党支部（改）", "TB", "党支部", "农村"),
            ("TB-009", "河口新村党支部", "TB", "党支部", "农村"),
            ("TA-009", "城关新村党支部", "TA", "党支部", "农村"),
        ]
    )
    outcome = pipeline.commit(orgs_template, path, user=world.town_organizer)
    assert messages(outcome) == [
        "第 2 行〈组织编码〉：组织不存在或无权限",
        "第 3 行〈上级组织编码〉：组织不存在或无权限",
    ]
    assert not Organization.objects.filter(code__in=["TA-009", "TB-009"]).exists()
    assert Organization.objects.get(code="TB-001").name == "河口村党支部"


def test_a_secretary_cannot_import_the_organization_register(world, orgs_template):
    assert not orgs_template.can_import(world.secretary)
    assert orgs_template.can_import(world.town_organizer)


def test_masked_id_numbers_must_match_the_record(world, xlsx, members_template):
    zhang = Member.objects.get(pk=world.zhang.pk)
    li = Member.objects.get(pk=world.li.pk)
    path = xlsx(
        [
            ("系统编号", "姓名", "身份证号", "所属组织编码", "人员类别", "入党日期"),
            (zhang.pk, "张强", li.id_number_masked, "TA-001", "正式党员", "2005-07-01"),
            (None, "李娜", li.id_number_masked, "TA-001", "预备党员", "2025-12-01"),
            (zhang.pk, "张强", li.id_number, "TA-001", "正式党员", "2005-07-01"),
        ]
    )
    outcome = pipeline.preview(members_template, path, user=world.secretary)
    assert messages(outcome) == [
        "第 2 行〈身份证号〉：打码的身份证号与〈系统编号〉对应的党员不符",
        "第 3 行〈身份证号〉：身份证号已打码，须同时填写〈系统编号〉才能识别",
        "第 4 行〈身份证号〉：该身份证号已登记为另一名党员",
    ]


def test_the_same_member_twice_in_a_file_is_an_error(world, xlsx, members_template):
    path = xlsx([HEADER, good(60, "一"), good(60, "一")])
    outcome = pipeline.preview(members_template, path, user=world.organizer)
    assert messages(outcome) == ["第 3 行：与第 2 行是同一名党员"]


@pytest.mark.parametrize(
    "written",
    ["2019.10.18", "2019年10月18日", "20191018", "2019-10-18", "2019/10/18", " 2019-10-18 ", "2019-10-18 00:00:00"],
)
def test_dates_written_as_text_in_common_forms_are_accepted(world, xlsx, members_template, written):
    row = list(good(70, "日期"))
    row[4], row[5] = "2010-01-01", written
    outcome = pipeline.commit(members_template, xlsx([HEADER, row]), user=world.organizer)
    assert outcome.ok, messages(outcome)
    assert Member.objects.get(name="日期").full_member_on == dt.date(2019, 10, 18)


def test_numbers_stored_as_numbers_are_read_sensibly(world, tmp_path, members_template):
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.append(["姓名", "公民身份号码", "组织编码", "党员类别", "入党时间", "转正时间", "手机号码", "文化程度"])
    number = new_id(80)
    ws.append(["  数字  ", f" {number} ", "TA-001", "正式", dt.datetime(2012, 7, 1), 41456, 13712345678, "本科"])
    for _ in range(30):  # trailing empty and blank rows
        ws.append([None, " ", None])
    path = tmp_path / "numbers.xlsx"
    workbook.save(path)
    outcome = pipeline.commit(members_template, path, user=world.organizer)
    assert outcome.ok, messages(outcome)
    assert outcome.rows == 1
    member = Member.objects.get(name="数字")
    assert member.id_number == number and member.phone == "13712345678"
    assert member.joined_on == dt.date(2012, 7, 1)
    assert member.full_member_on == dt.date(2013, 7, 1)  # Excel serial day 41456


def test_an_exact_integer_id_number_from_another_tool_is_accepted(world, members_template):
    number = new_id(98)
    while number.endswith("X"):
        number = new_id(int(number[-5:-2]) + 1)
    rows = [HEADER, ("整数", int(number), "TA-001", "预备党员", 20240101, None, 13700000000.0, None)]
    outcome = pipeline.run_values(members_template, rows, user=world.organizer, commit=True)
    assert outcome.ok, messages(outcome)
    assert Member.objects.get(name="整数").id_number == number


def test_an_id_number_that_excel_turned_into_a_float_is_a_clear_error(world, xlsx, members_template):
    row = list(good(90, "浮点"))
    row[1] = float(row[1])
    outcome = pipeline.preview(members_template, xlsx([HEADER, row]), user=world.organizer)
    assert messages(outcome) == [
        "第 2 行〈身份证号〉：被 Excel 存成了数字（4.10102e+17），末几位已经丢失；"
        "请把该列设为“文本”格式后重新填写身份证号"
    ]
    row[1] = "4.10102E+17"
    outcome = pipeline.preview(members_template, xlsx([HEADER, row]), user=world.organizer)
    assert "被 Excel 存成了数字" in messages(outcome)[0]


def test_merged_title_and_two_row_headers_are_understood(world, tmp_path, members_template):
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.append(["城关镇党员花名册"])
    ws.merge_cells("A1:H1")
    ws.append(["序号", "姓名", "基本信息", None, None, "组织关系", None, "入党日期"])
    ws.append([None, None, "身份证号", "性别", "出生日期", "所属组织编码", "人员类别", None])
    for col in ("A", "B", "H"):
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("C2:E2")
    ws.merge_cells("F2:G2")
    ws.append([1, "合并", new_id(95), "男", None, "TA-001", "预备党员", "2024-01-01"])
    ws.append([2, "坏行", new_id(96)[:-1], "男", None, "TA-001", "预备党员", "2024-01-01"])
    path = tmp_path / "merged.xlsx"
    workbook.save(path)
    outcome = pipeline.preview(members_template, path, user=world.organizer)
    assert messages(outcome) == ["第 5 行〈身份证号〉：应为 17 位数字加 1 位数字或 X（共 18 位）"]
    assert outcome.created == 1 and not outcome.warnings


def test_missing_required_columns_are_a_file_error(world, xlsx, members_template):
    outcome = pipeline.preview(members_template, xlsx([("姓名", "性别"), ("张三", "男")]), user=world.organizer)
    assert outcome.file_rejected
    assert messages(outcome) == [
        "缺少必填列〈身份证号〉",
        "缺少必填列〈人员类别〉",
        "缺少必填列〈入党日期〉",
        "缺少〈所属组织编码〉或〈所属党组织〉列",
    ]
    outcome = pipeline.preview(members_template, xlsx([("a", "b"), (1, 2)]), user=world.organizer)
    assert messages(outcome)[0].startswith("未找到表头")


def test_members_can_be_placed_by_organization_name(world, xlsx, members_template):
    row = ("按名称", new_id(97), "西街村党支部", "预备党员", "2024-01-01")
    header = ("姓名", "身份证号", "所属党组织", "人员类别", "入党日期")
    outcome = pipeline.commit(members_template, xlsx([header, row]), user=world.organizer)
    assert outcome.ok, messages(outcome)
    assert Member.objects.get(name="按名称").org == world.branch_a2
