"""The member register's spreadsheet: columns, export of a filtered member list, import through the services.

A row finds its member by the ID number's blind index, or — when the export masked the ID
numbers — by 系统编号 (the record id), and then the masked value must match the record.
New members are created with ``member_create``, changes applied with ``member_update``: the
same validation and audit as the forms. Transfers between organizations are not done by import.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from dangjian.core.excel import (
    CLEAR,
    KEEP,
    Choice,
    Column,
    Masked,
    Row,
    Template,
    fields_of,
    record_id_column,
    register,
)
from dangjian.core.excel.orgs import OrgColumns, OrgRowsState, org_columns
from dangjian.core.excel.pipeline import plan_update, validation_errors
from dangjian.core.scoping import can_see_full_id
from dangjian.core.services import BatchValidationError
from dangjian.members import queries, services
from dangjian.members.collisions import ScreenedRowsState, member_register, screen_rows
from dangjian.members.forms import MemberFilterForm
from dangjian.members.lookup import ID_NUMBER_ALIASES, id_number_column, identity_cells, name_column, row_hashes
from dangjian.members.models import Member
from dangjian.members.registers import PersonRegister
from dangjian.members.services import EDITABLE_FIELDS
from dangjian.organizations.models import Level, Organization

GENDERS = (Choice("male", "男", ("男性",)), Choice("female", "女", ("女性",)))
STATUSES = (Choice("full", "正式党员", ("正式",)), Choice("probationary", "预备党员", ("预备",)))
EDUCATIONS = (
    Choice("primary", "小学", ("小学及以下",)),
    Choice("junior", "初中", ("初级中学",)),
    Choice("senior", "高中", ("普通高中", "高级中学")),
    Choice("vocational", "中专", ("中等专科", "中职", "中技", "技校", "职高")),
    Choice("college", "大专", ("大学专科", "专科")),
    Choice("bachelor", "大学本科", ("本科", "大学")),
    Choice("master", "硕士研究生", ("硕士", "研究生")),
    Choice("doctor", "博士研究生", ("博士",)),
)


@register
class MemberTemplate(PersonRegister, OrgColumns, Template):
    name = "members"
    title = "党员信息"
    object_type = "members.member"
    model = Member
    filter_form = MemberFilterForm
    list_query = staticmethod(queries.member_list)
    create_service = staticmethod(services.member_create)
    update_service = staticmethod(services.member_update)
    screening = "member import"
    record_keyword = "member"
    noun = "党员"
    same_person = "同一名党员"
    field_columns = {"org": "org_code"}
    export_roles = None  # every logged-in user: the members they see
    key_help = (
        "已有党员按〈身份证号〉识别；导出文件中身份证号已打码时，按〈系统编号〉识别并核对打码部分。"
        "新增党员须填写完整的身份证号和所属组织。转移组织关系请使用组织关系转接，不能通过导入完成。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        record_id_column(aliases=("记录编号",), help="导出时由系统填写，用于识别已有记录；新增党员留空"),
        name_column(aliases=("党员姓名",)),
        id_number_column(aliases=(*ID_NUMBER_ALIASES, "公民身份证号码", "身份证")),
        Column(
            "gender",
            "性别",
            kind="choice",
            choices=GENDERS,
            blank=KEEP,
            help="留空则按身份证号",
            example="male",
            width=6,
        ),
        Column(
            "birth_date",
            "出生日期",
            kind="date",
            blank=KEEP,
            help="留空则按身份证号；身份证号打码的导出中留空",
            example=dt.date(1985, 6, 1),
        ),
        Column("ethnicity", "民族", max_length=16, blank=KEEP, help="留空则为汉族", example="汉族", width=8),
        Column(
            "phone",
            "联系电话",
            kind="phone",
            aliases=("手机号码", "手机号", "联系方式", "电话"),
            masked=True,
            example="13800000000",
            width=16,
        ),
        Column("education", "学历", kind="choice", choices=EDUCATIONS, aliases=("文化程度",), example="bachelor"),
        Column("occupation", "职业", aliases=("工作岗位", "岗位"), max_length=64, example="农民"),
        *org_columns(
            code_header="所属组织编码",
            code_aliases=("组织编码", "党组织编码"),
            code_help="新增党员必填（或填写所属党组织的全称）",
            code_width=16,
            name_header="所属党组织",
            name_aliases=("所在党支部", "所属组织", "所在党组织", "党组织名称"),
            name_width=24,
        ),
        Column(
            "status",
            "人员类别",
            kind="choice",
            choices=STATUSES,
            aliases=("党员类别", "党员状态"),
            required=True,
            example="full",
            width=10,
        ),
        Column(
            "joined_on",
            "入党日期",
            kind="date",
            aliases=("入党时间", "加入党组织日期"),
            required=True,
            example=dt.date(2010, 7, 1),
        ),
        Column(
            "full_member_on",
            "转正日期",
            kind="date",
            aliases=("转正时间", "转为正式党员日期"),
            help="预备党员留空",
            example=dt.date(2011, 7, 1),
        ),
        Column("mobile", "是否流动党员", kind="bool", aliases=("流动党员",), example=False, width=8),
        Column("mobile_destination", "流动去向", aliases=("外出流向", "流入地"), max_length=100, blank=CLEAR),
        Column("in_hardship", "是否困难党员", kind="bool", aliases=("困难党员",), example=False, width=8),
        Column("holds_post", "是否有职党员", kind="bool", aliases=("有职党员",), example=False, width=8),
    )

    # --- Export ----------------------------------------------------------------------------
    def export_records(self, queryset, user):
        full = can_see_full_id(user)
        for i, m in enumerate(queryset.iterator(chunk_size=2000), start=1):
            yield {
                "seq": i,
                "record_id": m.pk,
                **fields_of(m, "name", "gender"),
                **identity_cells(m, m.birth_date, full=full),
                **fields_of(m, "ethnicity", "education", "occupation"),
                "org_code": m.org.code,
                "org_name": m.org.name,
                **fields_of(m, "status", "joined_on", "full_member_on"),
                **fields_of(m, "mobile", "mobile_destination", "in_hardship", "holds_post"),
            }

    # --- Import ----------------------------------------------------------------------------
    def _target_org(self, row: Row, state: OrgRowsState) -> Organization | None:
        org = self.resolve_org(row, state.orgs, missing="新增党员须填写所属组织编码或所属党组织")
        if org is None:
            return None
        if not org.is_active:
            row.errors.append((self.header_of("org_code"), "该组织已撤销"))
            return None
        if org.level == Level.PARTY_GROUP:
            row.errors.append((self.header_of("org_code"), "党员应编入党支部等党组织，不能直接编入党小组"))
            return None
        return org

    def _find(self, rows: list[Row], state: ScreenedRowsState) -> dict[int, Member]:
        """The chunk's members the user may write to, by blind index and by record id, in one query; the
        other ID numbers are screened (``members.collisions``: a number held elsewhere is refused
        neutrally, audited and counted) in a few more."""
        hashes = row_hashes(rows)
        ids = {r.values["record_id"] for r in rows if r.values.get("record_id")}
        if not hashes and not ids:
            return {}
        members = {
            m.pk: m
            for m in Member.objects.writable_by(state.user)
            .select_related("org")
            .filter(Q(id_number_hash__in=set(hashes.values())) | Q(pk__in=ids))
        }
        by_hash = {m.id_number_hash: m.pk for m in members.values()}
        for row in rows:
            if "hash" in row.extra:
                row.extra["hash_pk"] = by_hash.get(row.extra["hash"])
        others = {n: h for n, h in hashes.items() if h not in by_hash}
        taken = member_register(taken="该身份证号已登记为另一名党员")
        screen_rows(state, rows, others, [taken], header=self.header_of("id_number"))
        return members

    def _match(self, row: Row, members: dict[int, Member]) -> Member | None:
        member, found = self.by_record_id(row, members)
        if not found:
            return None
        number = row.values.get("id_number")
        if row.extra.get("hash_pk"):
            other = row.extra["hash_pk"]
            if member is not None and other != member.pk:
                row.errors.append((self.header_of("id_number"), "该身份证号已登记为另一名党员"))
            elif member is None:
                member = members[other]
        elif isinstance(number, Masked):
            self.check_masked(row, member, number)
        return member

    def _changes(self, row: Row, member: Member) -> dict[str, Any]:
        changed: dict[str, Any] = {}
        for key in EDITABLE_FIELDS:
            if not row.has(key):
                continue
            column = self.column(key)
            value = row.values[key]
            if value is None:
                if column.blank == KEEP:
                    continue
                value = column.empty
            if key == "id_number":
                if isinstance(value, Masked) or value == member.id_number:
                    continue
            elif key == "phone":
                if self.phone_unchanged(row, value, member.phone):
                    continue
            elif getattr(member, key) == value:
                continue
            changed[key] = value
        return changed

    def _new_data(self, row: Row) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key in EDITABLE_FIELDS:
            column = self.column(key)
            value = row.values.get(key)
            if value is None:
                if column.blank == KEEP:
                    continue
                value = column.empty
            if isinstance(value, Masked):
                row.errors.append((column.header, "新增党员须填写完整号码，不能是打码的值"))
                continue
            data[key] = value
        return data

    def plan(self, rows: list[Row], state: OrgRowsState) -> None:
        members = self._find(rows, state)
        state.orgs.load(rows)
        for row in rows:
            found = len(row.errors)  # bad cells are reported, and the rest of the row is still checked
            member = self._match(row, members)
            if len(row.errors) > found or row.extra.get("taken"):
                continue
            if not self.first_row(row, state, ("member", member.pk) if member else ("id", row.extra.get("hash"))):
                continue
            row.label = row.get("name") or (member.name if member else "")
            if member is None:
                org = self._target_org(row, state)
                data = self._new_data(row)
                if org is None or row.errors:
                    continue
                try:  # an ID number registered anywhere was found by _find: no query per row here
                    services.validate_member_data(data)
                except ValidationError as exc:
                    row.errors.extend(validation_errors(self, exc))
                    continue
                row.action, row.data, row.extra["org"] = "create", data, org
                continue
            moved = f"与系统中的所属组织（{member.org.name}）不一致；转移组织关系请使用组织关系转接"
            if not self.same_org(row, member.org, moved):
                continue
            changed = self._changes(row, member)
            if not row.errors:
                plan_update(self, row, member, changed, services.validate_member_data, changed, instance=member)

    def apply_many(self, rows: list[Row], state: OrgRowsState) -> None:
        """New members in one batch (``member_create_many``); changes one by one."""
        creates = [i for i, row in enumerate(rows) if row.action == "create"]
        updates = [i for i, row in enumerate(rows) if row.action == "update"]
        try:
            created = services.member_create_many(
                actor=state.user, entries=[(rows[i].extra["org"], dict(rows[i].data)) for i in creates]
            )
        except BatchValidationError as exc:
            raise BatchValidationError({creates[k]: error for k, error in exc.errors.items()}) from None
        for i, member in zip(creates, created, strict=True):
            rows[i].instance = member
        try:
            super().apply_many([rows[i] for i in updates], state)
        except BatchValidationError as exc:
            raise BatchValidationError({updates[k]: error for k, error in exc.errors.items()}) from None
