"""The organization register's spreadsheet: export of a subtree, import through the tree services.

A row finds its organization by 组织编码. New organizations are created under 上级组织编码
(an existing organization in the user's writable subtree, or one created by an earlier row of
the same file) with ``organization_create``; changes go through ``organization_update``.
Moving an organization to another parent is not done by import.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F

from dangjian.core import tree
from dangjian.core.excel import KEEP, Choice, Column, Row, Template, fields_of, register
from dangjian.core.excel.keys import find_by_keys
from dangjian.core.excel.orgs import NO_PERMISSION, OrgColumns, OrgLookup, OrgRowsState, chosen_org, org_columns
from dangjian.core.excel.pipeline import validation_errors
from dangjian.core.roles import TREE_ROLES
from dangjian.core.scoping import can_see_full_id, get_visible_or_404

# An exception to the layers (see .importlinter): the committee register's rows name members.
from dangjian.members.lookup import MemberRows, member_columns
from dangjian.organizations import services
from dangjian.organizations.models import CommitteeMember, Organization

LEVELS = (
    Choice("committee", "党委", ("党的委员会", "基层党委")),
    Choice("working_committee", "党工委", ("党的工作委员会",)),
    Choice("general_branch", "党总支", ("党总支部", "总支部")),
    Choice("branch", "党支部", ("支部", "联合党支部")),
    Choice("party_group", "党小组", ()),
)
SECTORS = (
    Choice("rural", "农村", ("村",)),
    Choice("community", "城市社区", ("社区",)),
    Choice("agency", "机关", ("党政机关",)),
    Choice("institution", "事业单位", ()),
    Choice("school", "学校", ("中小学", "高校")),
    Choice("state_enterprise", "国有企业", ("国企",)),
    Choice("private_enterprise", "非公有制企业", ("非公企业", "民营企业", "私营企业")),
    Choice("social_org", "社会组织", ()),
    Choice("business_district", "商务楼宇", ("商圈", "楼宇", "商务区")),
    Choice("industrial_park", "园区", ("产业园区", "工业园区")),
)
ORG_FIELDS = ("name", "level", "sector", "has_committee", "term_starts_on", "term_ends_on", "established_on")


@dataclass
class _State:
    user: Any
    commit: bool
    seen: dict[str, int] = field(default_factory=dict)
    by_code: dict[str, Organization | None] = field(default_factory=dict)
    writable: set[str] = field(default_factory=set)
    pending: dict[str, Organization] = field(default_factory=dict)  # planned, not yet written
    created: dict[str, Organization] = field(default_factory=dict)  # written in this run


@register
class OrganizationTemplate(Template):
    name = "organizations"
    title = "党组织信息"
    object_type = "organizations.organization"
    field_columns = {"parent": "parent_code"}
    import_roles = tuple(TREE_ROLES)
    export_roles = None  # every logged-in user: the organizations they see
    key_help = (
        "已有组织按〈组织编码〉识别。新增组织须填写〈上级组织编码〉：上级可以是已有组织，"
        "也可以是本表中排在前面的新组织。调整隶属关系请使用“调整隶属”功能，不能通过导入完成。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        Column(
            "code",
            "组织编码",
            aliases=("党组织编码", "组织代码", "编码"),
            required=True,
            max_length=32,
            example="C-009",
            width=14,
        ),
        Column(
            "name",
            "组织名称",
            aliases=("党组织名称", "党组织全称", "名称"),
            required=True,
            max_length=100,
            example="示例村党支部",
            width=28,
        ),
        Column(
            "parent_code",
            "上级组织编码",
            aliases=("上级党组织编码",),
            max_length=32,
            blank=KEEP,
            help="新增组织必填",
            example="C",
            width=14,
        ),
        Column("parent_name", "上级组织名称", aliases=("上级党组织",), export_only=True, width=24),
        Column(
            "level",
            "组织层级",
            kind="choice",
            choices=LEVELS,
            aliases=("党组织类型", "组织类型", "层级"),
            required=True,
            example="branch",
            width=10,
        ),
        Column(
            "sector",
            "组织类别",
            kind="choice",
            choices=SECTORS,
            aliases=("所属领域", "领域", "类别"),
            required=True,
            example="rural",
            width=12,
        ),
        Column("has_committee", "是否设委员会", kind="bool", aliases=("是否成立支委会", "设委员会"), example=True),
        Column(
            "term_starts_on",
            "本届任期开始日期",
            kind="date",
            aliases=("任期开始日期", "任期开始", "换届日期"),
            example=dt.date(2024, 3, 1),
        ),
        Column(
            "term_ends_on",
            "任期届满日期",
            kind="date",
            aliases=("任期结束日期", "任期结束", "届满日期"),
            example=dt.date(2029, 3, 1),
        ),
        Column(
            "established_on", "成立日期", kind="date", aliases=("建立日期", "成立时间"), example=dt.date(2000, 7, 1)
        ),
    )

    # --- Export ----------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """The active organizations of a subtree (``org``), or of every subtree the user sees."""
        visible = Organization.objects.visible_to(user)
        org = get_visible_or_404(visible, pk=params["org"]) if params.get("org") else None
        queryset = visible.filter(dissolved_on__isnull=True).select_related("parent").order_by("path")
        if org is not None:
            queryset = queryset.filter(tree.subtree_q("path", org.path))
        return queryset, {"org": org.pk if org else None}, org

    def export_records(self, queryset, user):
        for i, o in enumerate(queryset.iterator(chunk_size=2000), start=1):
            yield {
                "seq": i,
                **fields_of(o, "code", "name"),
                "parent_code": o.parent.code if o.parent else None,
                "parent_name": o.parent.name if o.parent else None,
                **fields_of(o, "level", "sector", "has_committee", "term_starts_on", "term_ends_on", "established_on"),
            }

    # --- Import ----------------------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> _State:
        return _State(user=user, commit=commit)

    def _load(self, rows: list[Row], state: _State) -> None:
        codes = set()
        for row in rows:
            codes.update(v for v in (row.values.get("code"), row.values.get("parent_code")) if v)
        codes -= state.by_code.keys()
        if not codes:
            return
        found = {o.code: o for o in Organization.objects.filter(code__in=codes).select_related("parent")}
        state.by_code.update({code: found.get(code) for code in codes})
        state.writable.update(
            Organization.objects.writable_by(state.user).filter(code__in=codes).values_list("code", flat=True)
        )

    def _value(self, row: Row, key: str) -> tuple[bool, Any]:
        """``(present, value)`` of a field column, with the column's reading of a blank cell."""
        if not row.has(key):
            return False, None
        value = row.values[key]
        if value is None:
            column = self.column(key)
            if column.blank == KEEP:
                return False, None
            value = column.empty
        return True, value

    def _validate(self, row: Row, org: Organization, level_parent=None, *, check_level: bool) -> None:
        try:
            if check_level:
                services._check_level(org.level, level_parent)  # the service's own rule
            org.full_clean(exclude=["path", "parent", "secretary"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            row.errors.extend(validation_errors(self, exc))

    def plan(self, rows: list[Row], state: _State) -> None:
        self._load(rows, state)
        for row in rows:
            code = row.values.get("code")
            if not code:
                continue  # already reported as required
            if code in state.seen:
                row.errors.append((self.header_of("code"), f"与第 {state.seen[code]} 行的组织编码重复"))
                continue
            state.seen[code] = row.number
            row.label = f"{row.get('name', '')}（{code}）"
            existing = state.created.get(code) or state.by_code.get(code)
            if existing is not None:
                self._plan_update(row, existing, state)
            else:
                self._plan_create(row, code, state)

    def _plan_update(self, row: Row, existing: Organization, state: _State) -> None:
        if existing.code not in state.writable:
            row.errors.append((self.header_of("code"), NO_PERMISSION))
            return
        parent_code = row.values.get("parent_code")
        expected = existing.parent.code if existing.parent_id else None
        if parent_code is not None and parent_code != expected:
            row.errors.append(
                (self.header_of("parent_code"), "与系统中的上级组织不一致；调整隶属关系请使用“调整隶属”功能")
            )
        changed = {}
        for key in ORG_FIELDS:
            present, value = self._value(row, key)
            if present and getattr(existing, key) != value:
                changed[key] = value
        if row.errors:
            return
        row.instance = existing
        if not changed:
            row.action = "unchanged"
            return
        trial = copy.copy(existing)
        for key, value in changed.items():
            setattr(trial, key, value)
        self._validate(row, trial, existing.parent, check_level="level" in changed)
        if not row.errors:
            row.action, row.data = "update", changed

    def _plan_create(self, row: Row, code: str, state: _State) -> None:
        parent_code = row.values.get("parent_code")
        if not parent_code:
            row.errors.append((self.header_of("parent_code"), "新增组织须填写上级组织编码"))
            return
        parent = state.created.get(parent_code) or state.pending.get(parent_code)
        if parent is None and parent_code in state.writable:
            parent = state.by_code.get(parent_code)
        if parent is None:
            row.errors.append((self.header_of("parent_code"), NO_PERMISSION))
            return
        data = {"code": code}
        for key in ORG_FIELDS:
            present, value = self._value(row, key)
            if present:
                data[key] = value
        if row.errors:
            return
        stub = Organization(**data)
        self._validate(row, stub, parent, check_level=True)
        if row.errors:
            return
        state.pending[code] = stub
        row.action, row.data = "create", data
        row.extra["parent_code"] = parent_code

    def apply(self, row: Row, state: _State) -> None:
        if row.action == "create":
            parent_code = row.extra["parent_code"]
            parent = state.created.get(parent_code) or state.by_code.get(parent_code)
            org = services.organization_create(actor=state.user, parent=parent, data=dict(row.data))
            state.created[org.code] = org
            state.writable.add(org.code)
            row.instance = org
        else:
            services.organization_update(
                actor=state.user, org=row.instance, data=dict(row.data), expected_version=row.instance.version
            )

    def org_of(self, row: Row):
        return row.instance


# --- The committee register ---------------------------------------------------------------------------
POSTS = (
    Choice("secretary", "书记", ("支部书记", "党支部书记", "党委书记", "总支书记", "党总支书记")),
    Choice("deputy_secretary", "副书记", ("支部副书记", "党委副书记", "总支副书记")),
    Choice("organization", "组织委员", ()),
    Choice("propaganda", "宣传委员", ()),
    Choice("discipline", "纪检委员", ("纪律检查委员",)),
    Choice("youth", "青年委员", ()),
    Choice("united_front", "统战委员", ()),
    Choice("member", "委员", ("支委", "支部委员", "党委委员")),
)


@register
class CommitteeTemplate(MemberRows, OrgColumns, Template):
    name = "committee"
    title = "组织委员会成员"
    object_type = "organizations.committeemember"
    field_columns = {"org": "org_code", "member": "id_number"}
    key_help = (
        "每行一个任职：按〈组织编码〉（或党组织名称）、〈身份证号〉（导出打码时按〈党员系统编号〉核对）和〈任职日期〉识别。"
        "已有任职只能补填〈离任日期〉；职务变动请先填写原任职的离任日期，再新增一行。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        *org_columns(name_aliases=("所在党组织", "党组织", "组织名称"), name_width=24),
        *member_columns(name_aliases=("委员姓名",)),
        Column(
            "post",
            "职务",
            kind="choice",
            choices=POSTS,
            aliases=("委员会职务", "党内职务", "职位"),
            required=True,
            example="secretary",
            width=10,
        ),
        Column(
            "started_on",
            "任职日期",
            kind="date",
            aliases=("任职时间", "任职开始日期", "当选日期"),
            required=True,
            example=dt.date(2024, 3, 1),
        ),
        Column(
            "ended_on",
            "离任日期",
            kind="date",
            aliases=("免职日期", "卸任日期", "离任时间"),
            blank=KEEP,
            help="仍在任留空",
        ),
        Column("note", "备注", max_length=200, blank=KEEP, width=20),
    )

    export_roles = None  # every logged-in user: the seats of the subtrees they see

    # --- Export ----------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """The seats (current and past) of a subtree (``org``), or of every subtree the user sees."""
        org = chosen_org(params, Organization.objects.visible_to(user))
        queryset = CommitteeMember.objects.visible_to(user).select_related("org", "member")
        if org is not None:
            queryset = queryset.filter(tree.subtree_q("org_path", org.path))
        queryset = queryset.order_by("org_path", F("ended_on").desc(nulls_first=True), "started_on", "id")
        return queryset, {"org": org.pk if org else None}, org

    def export_records(self, queryset, user):
        full = can_see_full_id(user)
        for i, seat in enumerate(queryset.iterator(chunk_size=2000), start=1):
            member = seat.member
            yield {
                "seq": i,
                "org_code": seat.org.code,
                "org_name": seat.org.name,
                "member_id": member.pk,
                "name": member.name,
                "id_number": member.id_number if full else member.id_number_masked,
                **fields_of(seat, "post", "started_on", "ended_on", "note"),
            }

    # --- Import ----------------------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> OrgRowsState:
        return OrgRowsState(user=user, commit=commit, orgs=OrgLookup(Organization.objects.accepting_members_from(user)))

    def plan(self, rows: list[Row], state: OrgRowsState) -> None:
        keys = [(org.pk, m.pk, row.values["started_on"]) for row, org, m in self.org_member_rows(rows, state)]
        existing = find_by_keys(CommitteeMember.objects.all(), ("org_id", "member_id", "started_on"), keys)
        for row in rows:
            if row.errors or "org" not in row.extra:
                continue
            org, member = row.extra["org"], row.extra["member"]
            key = (org.pk, member.pk, row.values["started_on"])
            if key in state.seen:
                row.errors.append(("", f"与第 {state.seen[key]} 行是同一任职"))
                continue
            state.seen[key] = row.number
            seat = existing.get(key)
            if seat is None:
                self._plan_create(row, org, member)
            else:
                self._plan_update(row, seat)

    def _plan_create(self, row: Row, org, member) -> None:
        data = {
            "post": row.values["post"],
            "started_on": row.values["started_on"],
            "ended_on": row.values.get("ended_on"),
            "note": row.values.get("note") or "",
        }
        try:
            services.validate_committee_seat(
                org=org, member=member, **{k: data[k] for k in ("post", "started_on", "ended_on")}
            )
        except ValidationError as exc:
            row.errors.extend(validation_errors(self, exc))
            return
        row.action, row.data = "create", data

    def _plan_update(self, row: Row, seat: CommitteeMember) -> None:
        row.instance = seat
        if row.values["post"] != seat.post:
            row.errors.append(
                (self.header_of("post"), "与系统中的职务不一致；职务变动请先填写原任职的离任日期，再新增一行")
            )
            return
        ended_on = row.values.get("ended_on")
        if ended_on is None or ended_on == seat.ended_on:
            row.action = "unchanged"
            return
        if seat.ended_on is not None:
            row.errors.append((self.header_of("ended_on"), f"与系统中的离任日期（{seat.ended_on.isoformat()}）不一致"))
            return
        row.action, row.data = "update", {"ended_on": ended_on, "note": row.values.get("note") or ""}

    def apply(self, row: Row, state: OrgRowsState) -> None:
        if row.action == "create":
            row.instance = services.committee_member_add(
                actor=state.user, org=row.extra["org"], member=row.extra["member"], **row.data
            )
        else:
            services.committee_member_end(
                actor=state.user, seat=row.instance, expected_version=row.instance.version, **row.data
            )
