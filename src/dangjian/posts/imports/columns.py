"""Columns and checks the four 一编三定 registers share: the member's ID number, system number and
name, and the bounds of a date (the services' own)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dangjian.core import idnumber
from dangjian.core.excel import KEEP, Column, Row, Template
from dangjian.posts import services

NO_RECORD = "记录不存在或无权限"
FUTURE = "不能是将来的日期"
TOO_EARLY = "日期过早"


def id_number_column() -> Column:
    return Column(
        "id_number",
        "身份证号",
        kind="idnumber",
        aliases=("公民身份号码", "身份证号码", "身份证"),
        required=True,
        masked=True,
        example=idnumber.make("410102", dt.date(1985, 6, 1), 1, "male"),
        width=22,
    )


def member_id_column(*aliases: str) -> Column:
    return Column(
        "member_id",
        "党员系统编号",
        kind="int",
        aliases=("党员编号", *aliases),
        blank=KEEP,
        help="导出时由系统填写；身份证号打码时用于识别党员",
        width=10,
    )


def name_column() -> Column:
    return Column("name", "姓名", aliases=("党员姓名",), required=True, max_length=64, example="张三", width=10)


def day_errors(template: Template, row: Row, key: str, day: dt.date | None, *, future_ok: bool = False) -> None:
    """The services' bounds of a date (not before 2000, not in the future) as a row error."""
    if day is None:
        return
    if day < services.EARLIEST:
        row.errors.append((template.header_of(key), TOO_EARLY))
    elif not future_ok and day > timezone.localdate():
        row.errors.append((template.header_of(key), FUTURE))
