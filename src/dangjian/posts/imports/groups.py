"""The party group register (一编三定编组): one row per member placed in a group, with whether they
lead it. A row finds its member by ID number, or by 党员系统编号 when an export masked the ID numbers,
as the member register does; every write goes through ``posts.services``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from dangjian.core import tree
from dangjian.core.excel import KEEP, Column, Row, Template, fields_of, register
from dangjian.core.excel.orgs import OrgLookup, chosen_org
from dangjian.core.scoping import can_see_full_id
from dangjian.core.services import BatchValidationError
from dangjian.members.lookup import MemberRows
from dangjian.members.models import Member
from dangjian.organizations.models import Level, Organization
from dangjian.posts import services
from dangjian.posts.imports.columns import (
    BRANCH_NAME_COLUMN,
    day_errors,
    post_member_columns,
)
from dangjian.posts.models import (
    GroupMembership,
)


@dataclass
class _GroupState:
    user: Any
    commit: bool
    groups: OrgLookup
    seen: dict[tuple, int] = field(default_factory=dict)


@register
class GroupMembershipTemplate(MemberRows, Template):
    """党小组成员: one row per span of a member in a party group (the rows are the history)."""

    name = "group_memberships"
    title = "党小组成员"
    object_type = GroupMembership.audit_type
    field_columns = {"group": "group_name", "member": "id_number"}
    key_help = (
        "每行是党员在一个党小组的一段时间：按〈党小组编码〉（或党小组名称）、〈身份证号〉（导出打码时按〈党员系统编号〉核对）"
        "和〈编入日期〉识别。新增一行即把党员编入该党小组（原所在小组同日调出）；已有的行只能补填〈调出日期〉。"
        "变更组长：新增一行，〈编入日期〉填变更日期、〈是否组长〉填“是”，原组长自动改为组员。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        Column(
            "group_code",
            "党小组编码",
            aliases=("小组编码",),
            max_length=32,
            blank=KEEP,
            help="填写了编码时以编码为准",
            example="C-001-G1",
            width=14,
        ),
        Column(
            "group_name",
            "党小组",
            aliases=("党小组名称", "小组", "小组名称", "所在党小组"),
            max_length=100,
            blank=KEEP,
            help="党员所在党支部下的党小组",
            example="第一党小组",
            width=18,
        ),
        BRANCH_NAME_COLUMN,
        *post_member_columns("系统编号"),
        Column(
            "is_leader",
            "是否组长",
            kind="bool",
            aliases=("组长", "党小组组长", "是否党小组组长"),
            blank=KEEP,
            help="新增时留空为“否”",
            example=False,
            width=8,
        ),
        Column(
            "started_on",
            "编入日期",
            kind="date",
            aliases=("编入时间", "加入日期", "开始日期", "起始日期", "编组日期"),
            required=True,
            example=dt.date(2025, 3, 1),
        ),
        Column(
            "ended_on",
            "调出日期",
            kind="date",
            aliases=("离开日期", "结束日期", "截止日期", "调出时间"),
            blank=KEEP,
            help="仍在该小组留空；填写不再在该小组的第一天",
        ),
    )

    def check_headers(self, present) -> list[str]:
        if "group_code" not in present and "group_name" not in present:
            return ["缺少〈党小组编码〉或〈党小组〉列"]
        return []

    # --- Export ----------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """The memberships of a subtree (``org``; ``current=1``: only those in force), or of all the user sees."""
        org = chosen_org(params, Organization.objects.visible_to(user))
        queryset = GroupMembership.objects.visible_to(user).select_related("org", "org__parent", "member")
        if org is not None:
            queryset = queryset.filter(tree.subtree_q("org_path", org.path))
        current = bool(params.get("current"))
        if current:
            queryset = queryset.filter(ended_on__isnull=True)
        queryset = queryset.order_by("org_path", "member__name_pinyin", "member_id", "started_on", "id")
        return queryset, {"org": org.pk if org else None, "current": current}, org

    def export_records(self, queryset, user):
        full = can_see_full_id(user)
        for i, row in enumerate(queryset.iterator(chunk_size=2000), start=1):
            member = row.member
            yield {
                "seq": i,
                "group_code": row.org.code,
                "group_name": row.org.name,
                "branch_name": row.org.parent.name if row.org.parent_id else None,
                "member_id": member.pk,
                "name": member.name,
                "id_number": member.id_number if full else member.id_number_masked,
                **fields_of(row, "is_leader", "started_on", "ended_on"),
            }

    # --- Import ----------------------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> _GroupState:
        groups = Organization.objects.accepting_members_from(user).filter(level=Level.PARTY_GROUP)
        return _GroupState(user=user, commit=commit, groups=OrgLookup(groups))

    def _group(self, row: Row, state: _GroupState, member: Member | None):
        """The group the row names: by code, or by name among the groups of the member's branch."""
        code, name = row.values.get("group_code"), row.values.get("group_name")
        if code:
            group = state.groups.by_code.get(code)
            if group is None:
                row.errors.append((self.header_of("group_code"), "党小组不存在或无权限"))
                return None
        elif name and member is not None:
            candidates = [g for g in state.groups.by_name.get(name, []) if g.parent_id == member.org_id]
            if not candidates:
                row.errors.append((self.header_of("group_name"), f"不是党员所在党支部（{member.org.name}）的党小组"))
                return None
            group = min(candidates, key=lambda g: not g.is_active)  # a dissolved namesake only if no other
        else:
            row.errors.append((self.header_of("group_code"), "须填写党小组编码或党小组名称"))
            return None
        return group

    def plan(self, rows: list[Row], state: _GroupState) -> None:
        state.groups.load(rows, code_key="group_code", name_key="group_name")
        found = self._members(rows, state.user)
        matched = []
        for row in rows:
            if row.errors:
                continue
            member = self._member(row, found)
            group = self._group(row, state, member) if member is not None or row.values.get("group_code") else None
            if member is None or group is None:
                continue
            row.extra["member"], row.extra["group"] = member, group
            row.label = f"{member.name}（{group.name}）"
            key = (group.pk, member.pk, row.values["started_on"])
            if key in state.seen:
                row.errors.append(("", f"与第 {state.seen[key]} 行是同一条记录"))
                continue
            state.seen[key] = row.number
            matched.append(row)
        if not matched:
            return
        query = Q()
        for row in matched:
            query |= Q(org=row.extra["group"], member=row.extra["member"], started_on=row.values["started_on"])
        existing = {(m.org_id, m.member_id, m.started_on): m for m in GroupMembership.objects.filter(query)}
        member_ids = {r.extra["member"].pk for r in matched}
        group_ids = {r.extra["group"].pk for r in matched}
        open_rows = GroupMembership.objects.filter(ended_on__isnull=True).filter(
            Q(member_id__in=member_ids) | Q(org_id__in=group_ids, is_leader=True)
        )
        current = {m.member_id: m for m in open_rows}
        leaders = {m.org_id: m for m in open_rows if m.is_leader}
        ending: dict[int, dt.date] = {}  # open memberships this chunk ends, and when
        creates = []
        for row in matched:
            key = (row.extra["group"].pk, row.extra["member"].pk, row.values["started_on"])
            if key in existing:
                self._plan_existing(row, existing[key])
                if row.action == "update":
                    ending[row.instance.pk] = row.data["ended_on"]
            else:
                creates.append(row)
        for row in creates:
            self._plan_new(row, current, leaders, ending)

    def _plan_existing(self, row: Row, membership: GroupMembership) -> None:
        row.instance = membership
        leader = row.values.get("is_leader")
        if leader is not None and leader != membership.is_leader:
            was = "是" if membership.is_leader else "否"
            row.errors.append(
                (
                    self.header_of("is_leader"),
                    f"与系统中的不一致（{was}）；变更组长请新增一行，〈编入日期〉填变更日期",
                )
            )
            return
        ended = row.values.get("ended_on")
        if ended is None or ended == membership.ended_on:
            row.action = "unchanged"
            return
        header = self.header_of("ended_on")
        if membership.ended_on is not None:
            row.errors.append((header, f"与系统中的调出日期（{membership.ended_on.isoformat()}）不一致"))
            return
        if ended < membership.started_on:
            row.errors.append((header, "调出日期不能早于编入日期"))
        day_errors(self, row, "ended_on", ended)
        if not row.errors:
            row.action, row.data = "update", {"ended_on": ended}

    def _plan_new(self, row: Row, current: dict, leaders: dict, ending: dict) -> None:
        member, group = row.extra["member"], row.extra["group"]
        started, ended = row.values["started_on"], row.values.get("ended_on")
        leader = bool(row.values.get("is_leader"))
        group_header = self.header_of("group_code" if row.values.get("group_code") else "group_name")
        if member.left_on is not None:
            row.errors.append((self.header_of("id_number"), "该党员已离开党组织"))
        if not group.is_active:
            row.errors.append((group_header, "该党小组已撤销"))
        elif group.parent_id != member.org_id:
            row.errors.append((group_header, f"不是党员所在党支部（{member.org.name}）的党小组"))
        day_errors(self, row, "started_on", started)
        if ended is not None:
            day_errors(self, row, "ended_on", ended)
            if ended < started:
                row.errors.append((self.header_of("ended_on"), "调出日期不能早于编入日期"))
        now = current.get(member.pk)
        if now is not None and now.pk not in ending:
            if started < now.started_on:
                row.errors.append(
                    (
                        self.header_of("started_on"),
                        f"该党员自 {now.started_on.isoformat()} 起已在党小组，不能早于该日期",
                    )
                )
            elif now.org_id == group.pk and now.is_leader == leader:
                row.errors.append(("", f"该党员自 {now.started_on.isoformat()} 起已在该党小组"))
        head = leaders.get(group.pk)
        if leader and head is not None and head.member_id != member.pk and started < head.started_on:
            row.errors.append(
                (self.header_of("is_leader"), f"该党小组自 {head.started_on.isoformat()} 起已有组长，不能早于该日期")
            )
        if not row.errors:
            row.action = "create"
            row.data = {"is_leader": leader, "started_on": started, "ended_on": ended}

    def apply_many(self, rows: list[Row], state: _GroupState) -> None:
        """The chunk's steps in date order, starts before ends on the same day and leaders first, so that
        a start which ends another row (a move, a new leader) is the one service call the page makes."""
        steps = []
        for i, row in enumerate(rows):
            if row.action == "create":
                steps.append((row.data["started_on"], 0, not row.data["is_leader"], row.number, i))
            if row.data.get("ended_on"):
                steps.append((row.data["ended_on"], 1, True, row.number, i))
        for day, kind, _not_leader, _number, i in sorted(steps):
            try:
                if kind == 0:
                    self._start(rows[i], state)
                else:
                    self._end(rows[i], day, state)
            except ValidationError as exc:
                raise BatchValidationError({i: exc}) from None

    def _start(self, row: Row, state: _GroupState) -> None:
        member, group = row.extra["member"], row.extra["group"]
        same = GroupMembership.objects.filter(
            org=group, member=member, started_on=row.data["started_on"], is_leader=row.data["is_leader"]
        ).first()
        if same is not None:  # written by an earlier row's service: the old leader staying on as a member
            row.instance = same
            return
        row.instance = services.group_member_assign(
            actor=state.user, member=member, group=group, is_leader=row.data["is_leader"], on=row.data["started_on"]
        )

    def _end(self, row: Row, day: dt.date, state: _GroupState) -> None:
        membership = GroupMembership.objects.get(pk=row.instance.pk)
        if membership.ended_on == day:  # ended by a later start on that day (a move, a new leader)
            return
        services.group_member_remove(actor=state.user, membership=membership, on=day)

    def org_of(self, row: Row):
        return row.extra.get("group")
