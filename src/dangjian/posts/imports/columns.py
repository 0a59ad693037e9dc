"""Columns and checks the four 一编三定 registers share: the member's ID number, system number and
name (``members.lookup``'s, with the aliases these registers accept), and the bounds of a date (the
services' own)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dangjian.core.excel import Column, Row, Template
from dangjian.members.lookup import ID_NUMBER_ALIASES, member_columns
from dangjian.posts import services

NO_RECORD = "记录不存在或无权限"
FUTURE = "不能是将来的日期"
TOO_EARLY = "日期过早"
RECORD_ID_HELP = "导出时由系统填写，用于识别已有岗位；新增岗位留空"
# The member's branch, written on export (a group's branch, a post holder's branch).
BRANCH_NAME_COLUMN = Column("branch_name", "所属党支部", aliases=("党支部", "所在党支部"), export_only=True, width=22)


def post_member_columns(*id_aliases: str) -> tuple[Column, Column, Column]:
    """The member columns of the 一编三定 registers (党员系统编号 also read as 党员编号)."""
    return member_columns(
        id_aliases=("党员编号", *id_aliases),
        id_help="导出时由系统填写；身份证号打码时用于识别党员",
        name_aliases=("党员姓名",),
        number_aliases=(*ID_NUMBER_ALIASES, "身份证"),
    )


def day_errors(template: Template, row: Row, key: str, day: dt.date | None, *, future_ok: bool = False) -> None:
    """The services' bounds of a date (not before 2000, not in the future) as a row error."""
    if day is None:
        return
    if day < services.EARLIEST:
        row.errors.append((template.header_of(key), TOO_EARLY))
    elif not future_ok and day > timezone.localdate():
        row.errors.append((template.header_of(key), FUTURE))
