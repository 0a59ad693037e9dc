"""The reserve cadre register (后备干部花名册): one row per cadre, in and out.

A row finds its cadre by 〈系统编号〉 (the record id; with an export whose ID numbers are masked the
masked value must match), or by the full ID number: a party member's number names the member (the
cadre is the member's entry in the pool), any other number a non-member cadre. A new row needs the
village or community (code or name) and the full ID number; a member's name, gender, birth date,
education and phone are the member's record and are not read from the sheet. Rows are written by
``reserve_create`` / ``reserve_update`` (the same checks and audit as the forms); appointing and
dropping are done on the cadre's page, not by import. Re-importing an export changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from dangjian.cadres import queries, services
from dangjian.cadres.forms import ReserveFilterForm
from dangjian.cadres.models import ReserveCadre, ReserveState
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
from dangjian.core.excel.orgs import OrgRowsState, org_columns
from dangjian.core.excel.pipeline import plan_update, validation_errors
from dangjian.core.scoping import can_see_full_id
from dangjian.members.collisions import ScreenedRowsState, screen_rows
from dangjian.members.imports import EDUCATIONS, GENDERS
from dangjian.members.lookup import id_number_column, identity_cells, name_column, row_hashes
from dangjian.members.models import Member
from dangjian.members.registers import PersonRegister

SOURCES = (
    Choice("local", "村内培养", ("本村培养",)),
    Choice("returned", "外出能人回引", ("能人回引", "回引")),
    Choice("graduate", "大学生", ("高校毕业生", "大学生回村")),
    Choice("veteran", "退役军人", ("退伍军人",)),
    Choice("other", "其他", ()),
)
POSTS = (
    Choice("secretary", "书记", ("村党组织书记",)),
    Choice("director", "主任", ("村委会主任", "居委会主任")),
    Choice("committee", "委员", ("两委委员", "村委委员")),
)
STATES = (
    Choice("pool", "在库", ()),
    Choice("appointed", "已使用", ("已任用",)),
    Choice("dropped", "已调整出库", ("出库",)),
)
PERSON = ("name", "education", "phone")
CADRE = ("selected_on", "source", "planned_post", "mentor", "note")


@register
class ReserveCadreTemplate(PersonRegister, Template):
    name = "reserve_cadres"
    title = "后备干部花名册"
    object_type = ReserveCadre.audit_type
    model = ReserveCadre
    filter_form = ReserveFilterForm
    list_query = staticmethod(queries.filter_list)
    create_service = staticmethod(services.reserve_create)
    update_service = staticmethod(services.reserve_update)
    screening = "reserve cadre import"
    record_keyword = "cadre"
    noun = "后备干部"
    field_columns = {"org": "org_code", "member": "id_number", "education": "education"}
    key_help = (
        "每行一名后备干部。已有记录按〈系统编号〉识别（导出打码时须核对打码的身份证号），或按完整的〈身份证号〉识别。"
        "党员的身份证号对应该党员：姓名、性别、出生日期、学历、电话以党员信息为准，不从表中读取。"
        "新增须填写村（社区）党组织编码或名称和完整的身份证号。任用和调整出库请在后备干部页面办理，不能通过导入完成。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        record_id_column(),
        *org_columns(
            code_aliases=("所属组织编码",),
            name_header="村（社区）党组织",
            name_aliases=("所属党组织", "党组织名称"),
            name_width=20,
        ),
        name_column(example="赵磊"),
        id_number_column(required=False, blank=KEEP, example="410103199806010017"),
        Column("is_member", "是否党员", kind="bool", export_only=True, width=8),
        Column("gender", "性别", kind="choice", choices=GENDERS, export_only=True, width=6),
        Column("birth_date", "出生日期", kind="date", export_only=True),
        Column("age", "年龄", kind="int", export_only=True, width=6),
        Column(
            "education", "学历", kind="choice", choices=EDUCATIONS, aliases=("文化程度",), blank=KEEP, example="college"
        ),
        Column(
            "phone",
            "联系电话",
            kind="phone",
            aliases=("手机号码", "电话"),
            masked=True,
            blank=CLEAR,
            example="13800001111",
        ),
        Column(
            "selected_on",
            "确定时间",
            kind="date",
            aliases=("确定为后备干部时间", "入库时间"),
            required=True,
            example=dt.date(2025, 3, 1),
        ),
        Column(
            "source", "选拔方式", kind="choice", choices=SOURCES, aliases=("来源",), required=True, example="graduate"
        ),
        Column(
            "planned_post",
            "培养方向",
            kind="choice",
            choices=POSTS,
            aliases=("拟任职务",),
            required=True,
            example="committee",
        ),
        Column("mentor", "结对培养人", aliases=("培养联系人",), max_length=64, blank=CLEAR, example="王书记", width=10),
        Column("note", "备注", max_length=500, blank=CLEAR, width=20),
        Column("state", "状态", kind="choice", choices=STATES, export_only=True, width=8),
        Column("appointed_on", "任用时间", kind="date", export_only=True),
        Column("appointed_to", "任用职务", export_only=True),
        Column("dropped_on", "出库时间", kind="date", export_only=True),
        Column("drop_reason", "出库原因", export_only=True),
    )

    # --- Export ----------------------------------------------------------------------------------
    def export_records(self, queryset, user):
        full = can_see_full_id(user)
        for i, c in enumerate(queryset.iterator(chunk_size=2000), start=1):
            yield {
                "seq": i,
                "record_id": c.pk,
                "org_code": c.org.code,
                "org_name": c.org.name,
                "name": c.person_name,
                "is_member": bool(c.member_id),
                "gender": c.person_gender,
                **identity_cells(c, c.person_birth_date, full=full),
                "age": c.age(),
                **fields_of(c, "education", "selected_on", "source", "planned_post", "mentor", "note"),
                **fields_of(c, "state", "appointed_on", "appointed_to", "dropped_on", "drop_reason"),
            }

    # --- Import ----------------------------------------------------------------------------------
    def _find(
        self, rows: list[Row], state: ScreenedRowsState
    ) -> tuple[dict[int, ReserveCadre], dict[str, Member], dict[str, int]]:
        """The chunk's cadres (by record id, by the member's or their own blind index) in three queries;
        the other ID numbers are screened (``members.collisions``) in a few more."""
        numbers = row_hashes(rows)
        hashes = set(numbers.values())
        members = {
            m.id_number_hash: m for m in Member.objects.writable_by(state.user).filter(id_number_hash__in=hashes)
        }
        writable = ReserveCadre.objects.writable_by(state.user).select_related("org", "member")
        ids = {r.values["record_id"] for r in rows if r.values.get("record_id")}
        cadres = {
            c.pk: c
            for c in writable.filter(pk__in=ids)
            | writable.filter(id_number_hash__in=hashes)
            | writable.filter(member__in=[m.pk for m in members.values()], state=ReserveState.POOL)
        }
        by_hash = {c.id_number_hash: c.pk for c in cadres.values() if c.id_number_hash}
        by_hash.update({c.member.id_number_hash: c.pk for c in cadres.values() if c.member_id and c.state == "pool"})
        others = {n: h for n, h in numbers.items() if h not in members and h not in by_hash}
        screen_rows(state, rows, others, services.registers(), header=self.header_of("id_number"))
        return cadres, members, by_hash

    def _match(self, row: Row, cadres, by_hash) -> ReserveCadre | None:
        cadre, found = self.by_record_id(row, cadres)
        if not found:
            return None
        number, header = row.values.get("id_number"), self.header_of("id_number")
        if row.extra.get("hash"):
            other = by_hash.get(row.extra["hash"])
            if cadre is not None and other != cadre.pk and number != cadre.id_number:
                row.errors.append((header, "身份证号与〈系统编号〉对应的后备干部不符"))
            elif cadre is None and other is not None:
                cadre = cadres[other]
        elif isinstance(number, Masked):
            self.check_masked(row, cadre, number)
        elif cadre is None:
            row.errors.append((header, "新增后备干部须填写完整的身份证号"))
        return cadre

    def _changes(self, row: Row, cadre: ReserveCadre) -> dict[str, Any]:
        changed: dict[str, Any] = {}
        names = CADRE if cadre.member_id else (*PERSON, *CADRE)
        for key in names:
            if not row.has(key):
                continue
            column, value = self.column(key), row.values[key]
            if value is None:
                if column.blank == KEEP:
                    continue
                value = column.empty
            if key == "phone":
                if self.phone_unchanged(row, value, cadre.phone):
                    continue
            elif (cadre.education_own if key == "education" else getattr(cadre, key)) == value:
                continue
            changed[key] = value
        number = row.values.get("id_number")
        if not cadre.member_id and number and not isinstance(number, Masked) and number != cadre.id_number:
            changed["id_number"] = number
        return changed

    def _new_data(self, row: Row, member: Member | None) -> dict[str, Any]:
        data: dict[str, Any] = {"member": member} if member else {"id_number": row.values["id_number"]}
        for key in CADRE if member else (*PERSON, *CADRE):
            value = row.values.get(key)
            if value is None:
                value = self.column(key).empty
            if isinstance(value, Masked):
                row.errors.append((self.header_of(key), "新增须填写完整号码，不能是打码的值"))
                continue
            data[key] = value
        return data

    def plan(self, rows: list[Row], state: OrgRowsState) -> None:
        cadres, members, by_hash = self._find(rows, state)
        state.orgs.load(rows)
        for row in rows:
            found = len(row.errors)
            cadre = self._match(row, cadres, by_hash)
            if len(row.errors) > found or row.extra.get("taken"):
                continue
            if not self.first_row(row, state, ("cadre", cadre.pk) if cadre else ("id", row.extra.get("hash"))):
                continue
            row.label = row.get("name") or (cadre.person_name if cadre else "")
            if cadre is None:
                org = state.orgs.resolve(self, row, missing="新增后备干部须填写组织编码或村（社区）党组织")
                member = members.get(row.extra.get("hash"))
                data = self._new_data(row, member)
                if org is None or row.errors:
                    continue
                try:
                    services._check_org(org)
                    services.validate(org, data)
                except ValidationError as exc:
                    row.errors.extend(validation_errors(self, exc))
                    continue
                row.action, row.data, row.extra["org"] = "create", data, org
                continue
            if not self.same_org(row, cadre.org, f"与系统中的组织（{cadre.org.name}）不一致"):
                continue
            changed = self._changes(row, cadre)
            if not row.errors:
                plan_update(self, row, cadre, changed, services.validate, cadre.org, changed, cadre)
