"""The post assignment register (一编三定岗位): one row per assignment, with the date of each stage it
has reached and the objections of the public notice (see the app's README). A row finds its member
by ID number or 党员系统编号; every write goes through ``posts.services``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.core import parameters
from dangjian.core.excel import KEEP, Choice, Column, Row, Template, fields_of, record_id_column, register
from dangjian.core.excel.orgs import chosen_org
from dangjian.core.scoping import can_see_full_id
from dangjian.core.services import BatchValidationError
from dangjian.members.lookup import MemberRows
from dangjian.members.models import Member
from dangjian.organizations.models import Level, Organization
from dangjian.posts import queries, services
from dangjian.posts.imports.columns import (
    BRANCH_NAME_COLUMN,
    NO_RECORD,
    RECORD_ID_HELP,
    day_errors,
    post_member_columns,
)
from dangjian.posts.models import (
    OPEN_STATES,
    AssignmentState,
    PostAssignment,
)

ORIGINS = (
    Choice("self_declared", "个人申报", ("自荐", "本人申报", "自主申报", "个人自荐", "申报")),
    Choice("recommended", "组织推荐", ("推荐", "支部推荐", "党组织推荐")),
)
ASSIGNMENT_STATES = (
    Choice("declared", "已申报", ("申报", "待审核")),
    Choice("approved", "已审核", ("审核通过", "支部已审核", "待公示")),
    Choice("publicised", "公示中", ("公示", "正在公示")),
    Choice("on_duty", "已上岗", ("在岗", "上岗", "挂牌上岗", "已挂牌")),
    Choice("ended", "已结束", ("结束", "离岗", "已离岗")),
)
STAGES = ("declared", "approved", "publicised", "on_duty")  # the open stages, in order
STAGE_DATES = ("approved_on", "notice_starts_on", "notice_ends_on", "on_duty_from", "ended_on")
ASSIGNMENT_EDITABLE = ("duties", "group", "recommended_by", "note")


@dataclass
class _AssignmentState:
    user: Any
    commit: bool
    seen: dict[int, int] = field(default_factory=dict)  # assignment id → row
    open_new: dict[int, int] = field(default_factory=dict)  # member id → row creating an open assignment
    ending: set[int] = field(default_factory=set)  # members whose open assignment a row ends
    offered: dict[int, list] = field(default_factory=dict)  # branch id → posts offered there
    groups: dict[int, list] = field(default_factory=dict)  # branch id → its party groups


@register
class PostAssignmentTemplate(MemberRows, Template):
    """一编三定岗位: one row per assignment, with the date of each stage it has reached."""

    name = "post_assignments"
    title = "一编三定岗位"
    object_type = PostAssignment.audit_type
    field_columns = {"member": "id_number"}
    key_help = (
        "已有岗位按〈系统编号〉识别（导出时由系统填写），新增岗位留空。党员按〈身份证号〉识别，导出打码时按〈党员系统编号〉核对。"
        "新增的岗位以〈申报日期〉申报，填写了〈审核日期〉〈公示开始日期〉〈公示结束日期〉〈上岗日期〉〈结束日期〉的，"
        "依次办理审核、公示、挂牌上岗、结束（顺序和期限与页面相同）；已有岗位可修改职责、党小组、推荐人、备注，"
        "并可补填下一阶段的日期。〈公示意见〉在公示期间记录（公示之后、上岗之前）。〈状态〉由日期决定。"
        "换岗请结束原岗位后新增一行。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        record_id_column(aliases=("记录编号", "岗位编号"), help=RECORD_ID_HELP),
        BRANCH_NAME_COLUMN,
        *post_member_columns(),
        Column(
            "group",
            "党小组",
            aliases=("小组", "所在党小组", "党小组名称", "编组"),
            max_length=100,
            blank=KEEP,
            help="党员所在党支部下党小组的名称或编码；新增时留空为党员当前所在的党小组",
            example="第一党小组",
            width=16,
        ),
        Column("area", "岗位类别", aliases=("岗位领域", "领域"), export_only=True, width=10),
        Column(
            "post",
            "岗位名称",
            aliases=("岗位", "设岗", "岗位名", "所定岗位"),
            required=True,
            max_length=40,
            help="党员所在党支部可选的岗位（见“一编三定”岗位目录）",
            example="政策宣传岗",
            width=14,
        ),
        Column(
            "duties",
            "岗位职责",
            aliases=("职责", "定责", "工作职责", "岗位职责内容"),
            max_length=1000,
            blank=KEEP,
            help="新增时留空则为岗位的默认职责",
            width=30,
        ),
        Column(
            "origin",
            "产生方式",
            kind="choice",
            choices=ORIGINS,
            aliases=("来源", "申报方式", "定岗方式", "岗位来源"),
            required=True,
            example="self_declared",
            width=10,
        ),
        Column("recommended_by", "推荐人", aliases=("推荐单位", "推荐组织"), max_length=64, blank=KEEP, width=10),
        Column(
            "state",
            "状态",
            kind="choice",
            choices=ASSIGNMENT_STATES,
            aliases=("岗位状态", "当前状态", "办理状态"),
            blank=KEEP,
            help="由下列日期决定；填写时须与日期相符",
            width=8,
        ),
        Column(
            "declared_on",
            "申报日期",
            kind="date",
            aliases=("申报时间", "推荐日期"),
            blank=KEEP,
            help="新增时留空为今天",
            example=dt.date(2025, 3, 1),
        ),
        Column("approved_on", "审核日期", kind="date", aliases=("支部审核日期", "审核时间", "批准日期"), blank=KEEP),
        Column(
            "notice_starts_on",
            "公示开始日期",
            kind="date",
            aliases=("公示开始", "公示起始日期", "公示日期"),
            blank=KEEP,
        ),
        Column("notice_ends_on", "公示结束日期", kind="date", aliases=("公示结束", "公示截止日期"), blank=KEEP),
        Column("on_duty_from", "上岗日期", kind="date", aliases=("挂牌日期", "挂牌上岗日期", "上岗时间"), blank=KEEP),
        Column("ended_on", "结束日期", kind="date", aliases=("离岗日期", "退岗日期", "结束时间"), blank=KEEP),
        Column("end_reason", "结束原因", aliases=("离岗原因",), max_length=200, blank=KEEP, width=16),
        Column(
            "objections",
            "公示意见",
            aliases=("公示期间意见", "公示期间收到的意见", "群众意见", "异议"),
            max_length=1000,
            blank=KEEP,
            help="公示期间收到的意见；岗位在公示中（或本行同时填写了公示日期）时可填写或修改",
            width=16,
        ),
        Column("note", "备注", max_length=200, blank=KEEP, width=16),
    )

    # --- Export ----------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """Exactly the 一编三定 page's list: a subtree (``org``), a ``state`` (or ``open``), a name (``q``)."""
        org = chosen_org(params, Organization.objects.visible_to(user))
        state = params.get("state") or ""
        if state not in {"open", *AssignmentState.values}:
            state = ""
        q = (params.get("q") or "").strip()[:64]
        visible = PostAssignment.objects.visible_to(user)
        queryset = queries.post_assignment_list(visible, org=org, state=state, q=q)
        return queryset, {"org": org.pk if org else None, "state": state, "q": q}, org

    def export_records(self, queryset, user):
        full = can_see_full_id(user)
        for i, a in enumerate(queryset.iterator(chunk_size=2000), start=1):
            member = a.member
            yield {
                "seq": i,
                "record_id": a.pk,
                "branch_name": a.org.name,
                "member_id": member.pk,
                "name": member.name,
                "id_number": member.id_number if full else member.id_number_masked,
                "group": a.group.name if a.group_id else None,
                "area": a.post.area.name,
                "post": a.post.name,
                **fields_of(a, "duties", "origin", "recommended_by", "state", "declared_on", "approved_on"),
                **fields_of(a, "notice_starts_on", "notice_ends_on", "on_duty_from", "ended_on", "end_reason"),
                **fields_of(a, "objections", "note"),
            }

    # --- Import ----------------------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> _AssignmentState:
        return _AssignmentState(user=user, commit=commit)

    def _branch_data(self, branch, state: _AssignmentState) -> None:
        """The posts offered in a branch and its party groups, once per branch and run."""
        if branch.pk not in state.offered:
            state.offered[branch.pk] = queries.posts_offered(branch)
            state.groups[branch.pk] = list(Organization.objects.filter(parent=branch, level=Level.PARTY_GROUP))

    def _group(self, row: Row, member: Member, state: _AssignmentState):
        """``(present, group)``: the group the row names among the member's branch's groups."""
        value = row.values.get("group")
        if value is None:
            return False, None
        for group in state.groups[member.org_id]:
            if value in (group.code, group.name):
                if not group.is_active:
                    row.errors.append((self.header_of("group"), "该党小组已撤销"))
                return True, group
        row.errors.append((self.header_of("group"), f"不是党员所在党支部（{member.org.name}）的党小组"))
        return True, None

    def plan(self, rows: list[Row], state: _AssignmentState) -> None:
        found = self._members(rows, state.user)
        ids = {r.values["record_id"] for r in rows if r.values.get("record_id")}
        existing = {}
        if ids:
            existing = {
                a.pk: a
                for a in PostAssignment.objects.writable_by(state.user)
                .select_related("post", "group", "org")
                .filter(pk__in=ids)
            }
        matched = []
        for row in rows:
            if row.errors:
                continue
            member = self._member(row, found)
            if member is None:
                continue
            row.extra["member"] = member
            record_id = row.values.get("record_id")
            if record_id:
                assignment = existing.get(record_id)
                if assignment is None:
                    row.errors.append((self.header_of("record_id"), NO_RECORD))
                    continue
                if assignment.member_id != member.pk:
                    row.errors.append((self.header_of("id_number"), "与〈系统编号〉对应岗位的党员不符"))
                    continue
                if assignment.pk in state.seen:
                    row.errors.append(("", f"与第 {state.seen[assignment.pk]} 行是同一岗位"))
                    continue
                state.seen[assignment.pk] = row.number
                row.instance = assignment
            self._branch_data(member.org, state)
            row.label = f"{member.name}（{row.values.get('post') or ''}）"
            matched.append(row)
        for row in matched:  # changes first: a row may end the assignment that a new row replaces
            if row.instance is not None:
                self._plan_update(row, state)
        creates = [r for r in matched if r.instance is None]
        if not creates:
            return
        member_ids = {r.extra["member"].pk for r in creates}
        open_now = dict(
            PostAssignment.objects.filter(member_id__in=member_ids, state__in=OPEN_STATES).values_list(
                "member_id", "pk"
            )
        )
        in_group = {
            m.member_id: m.org for m in queries.memberships_on().filter(member_id__in=member_ids).select_related("org")
        }
        for row in creates:
            self._plan_create(row, state, open_now, in_group)

    # The stages ------------------------------------------------------------------------------
    def _stages(self, row: Row, stored: dict[str, Any], stage: str) -> list[str]:
        """The steps (``approve``, ``publicise``, ``badge``, ``end``) that the row's dates take a record in
        ``stage`` (with the ``stored`` dates) through, in order; the services' order and bounds as errors."""
        header = self.header_of
        merged = dict(stored)
        for key in (*STAGE_DATES, "end_reason"):
            value = row.values.get(key)
            if value is None:
                continue
            if stored.get(key) not in (None, "") and stored[key] != value:
                shown = stored[key].isoformat() if isinstance(stored[key], dt.date) else stored[key]
                row.errors.append((header(key), f"与系统中的记录（{shown}）不一致"))
            elif stored.get(key) in (None, ""):
                merged[key] = value
        if row.errors:
            return []
        new = {k for k in (*STAGE_DATES, "end_reason") if merged.get(k) != stored.get(k)}
        if stage == "ended":
            if new:
                row.errors.append(("", "该岗位已结束，不能补录或修改各阶段日期"))
            return []
        if (merged.get("notice_starts_on") is None) != (merged.get("notice_ends_on") is None):
            missing = "notice_starts_on" if merged.get("notice_starts_on") is None else "notice_ends_on"
            row.errors.append((header(missing), "公示开始日期和公示结束日期须同时填写"))
            return []
        reached = "declared"
        for target, key in (
            ("approved", "approved_on"),
            ("publicised", "notice_starts_on"),
            ("on_duty", "on_duty_from"),
        ):
            if merged.get(key) is not None:
                if STAGES.index(reached) != STAGES.index(target) - 1:
                    row.errors.append((header(key), f"须先填写{header(STAGE_BEFORE[target])}"))
                    return []
                reached = target
        steps = [STEP_OF[s] for s in STAGES[STAGES.index(stage) + 1 : STAGES.index(reached) + 1]]
        if merged.get("ended_on") is not None and not merged.get("end_reason"):
            row.errors.append((header("end_reason"), "结束岗位须填写结束原因"))
        elif merged.get("end_reason") and merged.get("ended_on") is None:
            row.errors.append((header("ended_on"), "填写了结束原因，须填写结束日期"))
        elif merged.get("ended_on") is not None:
            steps.append("end")
        if stage not in STAGES or STAGES.index(reached) < STAGES.index(stage):
            row.errors.append(("", "各阶段日期与系统中的状态不符"))
        self._check_dates(row, merged, steps)
        final = "ended" if "end" in steps else reached
        shown = row.values.get("state")
        if shown is not None and shown != final and not row.errors:
            label = dict((c.code, c.label) for c in ASSIGNMENT_STATES)[final]
            row.errors.append((header("state"), f"与填写的日期不符（按日期应为“{label}”）"))
        return steps if not row.errors else []

    def _check_dates(self, row: Row, d: dict[str, Any], steps: list[str]) -> None:
        """The bounds each stage service checks, for the steps this row takes."""
        header = self.header_of
        if "approve" in steps:
            day_errors(self, row, "approved_on", d["approved_on"])
            if d["approved_on"] < d["declared_on"]:
                row.errors.append((header("approved_on"), "审核日期不能早于申报日期"))
        if "publicise" in steps:
            starts, ends = d["notice_starts_on"], d["notice_ends_on"]
            day_errors(self, row, "notice_starts_on", starts, future_ok=True)
            if starts < d["approved_on"]:
                row.errors.append((header("notice_starts_on"), "公示开始日期不能早于审核日期"))
            elif starts > timezone.localdate() + dt.timedelta(days=60):
                row.errors.append((header("notice_starts_on"), "公示须在 60 天内开始"))
            elif (ends - starts).days > 90:
                row.errors.append((header("notice_ends_on"), "公示期最长 90 天"))
            else:
                minimum = parameters.get(services.NOTICE_KEY, starts)
                if (ends - starts).days + 1 < minimum:
                    row.errors.append((header("notice_ends_on"), f"公示期不少于 {minimum} 天"))
        if "badge" in steps:
            day_errors(self, row, "on_duty_from", d["on_duty_from"])
            if d["on_duty_from"] <= d["notice_ends_on"]:
                row.errors.append((header("on_duty_from"), "上岗日期须在公示结束之后"))
        if "end" in steps:
            day_errors(self, row, "ended_on", d["ended_on"])
            if d["ended_on"] < (d.get("on_duty_from") or d["declared_on"]):
                row.errors.append((header("ended_on"), "结束日期不能早于上岗（或申报）日期"))

    def _with_objections(self, row: Row, steps: list[str], stage: str) -> list[str]:
        """``steps`` with the recording of the row's objections where the assignment is under notice:
        first when it is now, right after ``publicise`` when the row puts it under notice."""
        if stage == "publicised":
            return ["objections", *steps]
        if "publicise" in steps:
            at = steps.index("publicise") + 1
            return [*steps[:at], "objections", *steps[at:]]
        header = self.header_of("objections")
        if stage in ("on_duty", "ended"):
            row.errors.append((header, "公示已结束，不能再记录或修改公示意见"))
        else:
            row.errors.append((header, "公示意见在公示期间记录，须先填写〈公示开始日期〉和〈公示结束日期〉"))
        return steps

    # Changes and new assignments -------------------------------------------------------------
    def _plan_update(self, row: Row, state: _AssignmentState) -> None:
        assignment, member = row.instance, row.extra["member"]
        if row.values.get("post") and row.values["post"] != assignment.post.name:
            row.errors.append(
                (self.header_of("post"), f"与系统中的岗位（{assignment.post.name}）不一致；换岗请结束原岗位后新增一行")
            )
        if row.values.get("origin") and row.values["origin"] != assignment.origin:
            row.errors.append((self.header_of("origin"), "与系统中的产生方式不一致，不能通过导入修改"))
        declared = row.values.get("declared_on")
        if declared is not None and declared != assignment.declared_on:
            row.errors.append(
                (self.header_of("declared_on"), f"与系统中的申报日期（{assignment.declared_on.isoformat()}）不一致")
            )
        edit: dict[str, Any] = {}
        named = row.values.get("group")
        if named is not None and not (assignment.group_id and named in (assignment.group.code, assignment.group.name)):
            _present, group = self._group(row, member, state)
            if group is not None:
                edit["group"] = group
        for key in ("duties", "recommended_by", "note"):
            value = row.values.get(key)
            if value is not None and value != getattr(assignment, key):
                edit[key] = value
        if row.errors:
            return
        stored = {k: getattr(assignment, k) for k in (*STAGE_DATES, "end_reason", "declared_on")}
        steps = self._stages(row, stored, assignment.state)
        if row.errors:
            return
        objections = row.values.get("objections")
        if objections is not None and objections != assignment.objections:
            steps = self._with_objections(row, steps, assignment.state)
            if row.errors:
                return
        if edit and not assignment.is_open:
            row.errors.append(("", "该岗位已结束，不能修改"))
            return
        if not edit and not steps:
            row.action = "unchanged"
            return
        if "end" in steps:
            state.ending.add(member.pk)
        changed = {k: row.values[k] for k in STAGE_DATES if row.values.get(k) and row.values[k] != stored[k]}
        if "objections" in steps:
            changed["objections"] = objections
        row.action, row.data = "update", {**edit, **changed}
        row.extra["edit"], row.extra["steps"] = edit, steps

    def _plan_create(self, row: Row, state: _AssignmentState, open_now: dict, in_group: dict) -> None:
        member = row.extra["member"]
        id_header = self.header_of("id_number")
        if member.left_on is not None:
            row.errors.append((id_header, "该党员已离开党组织"))
        elif member.holds_post:
            row.errors.append((id_header, "该党员是有职党员，一编三定适用于无职党员"))
        elif member.pk in open_now and member.pk not in state.ending:
            row.errors.append((id_header, "该党员已有进行中的岗位，请先结束（可在原岗位所在行填写结束日期和原因）"))
        elif member.org.level == Level.PARTY_GROUP or not member.org.is_active:
            row.errors.append((id_header, "该党员所在组织不能设岗"))
        name = row.values.get("post")
        offered = [p for p in state.offered[member.org_id] if p.name == name]
        if name and not offered:
            row.errors.append((self.header_of("post"), f"不是{member.org.name}可选的岗位"))
        post = max(offered, key=lambda p: len(p.org_path)) if offered else None  # the nearest definition wins
        present, group = self._group(row, member, state)
        current = in_group.get(member.pk)
        if present and group is not None and current is not None and group.pk != current.pk:
            row.errors.append((self.header_of("group"), f"该党员在{current.name}"))
        declared = row.values.get("declared_on") or timezone.localdate()
        day_errors(self, row, "declared_on", declared)
        if row.errors:
            return
        stored = {k: None for k in (*STAGE_DATES, "end_reason")}
        stored["declared_on"] = declared
        steps = self._stages(row, stored, "declared")
        if row.errors:
            return
        if row.values.get("objections"):
            steps = self._with_objections(row, steps, "declared")
            if row.errors:
                return
        if "end" not in steps:
            if member.pk in state.open_new:
                row.errors.append(
                    ("", f"与第 {state.open_new[member.pk]} 行的党员相同，一名党员只能有一个进行中的岗位")
                )
                return
            state.open_new[member.pk] = row.number
        duties = row.values.get("duties")
        row.action = "create"
        row.data = {
            "post": post,
            "origin": row.values["origin"],
            "group": group,
            "duties": duties,
            "recommended_by": row.values.get("recommended_by") or "",
            "declared_on": declared,
            "note": row.values.get("note") or "",
        }
        row.extra["steps"] = steps

    # Writing --------------------------------------------------------------------------------------
    def apply_many(self, rows: list[Row], state: _AssignmentState) -> None:
        """Changes first (one may end the assignment a new row replaces), then new assignments by
        declaration date (a member's past assignments before the current one)."""
        order = sorted(
            range(len(rows)),
            key=lambda i: (rows[i].action == "create", rows[i].data.get("declared_on") or dt.date.min, rows[i].number),
        )
        for i in order:
            try:
                self.apply(rows[i], state)
            except ValidationError as exc:
                raise BatchValidationError({i: exc}) from None

    def apply(self, row: Row, state: _AssignmentState) -> None:
        actor, values = state.user, row.values
        if row.action == "create":
            data = row.data
            assignment = services.post_assignment_declare(
                actor=actor,
                member=row.extra["member"],
                post=data["post"],
                origin=data["origin"],
                group=data["group"],
                duties=data["duties"],
                recommended_by=data["recommended_by"],
                declared_on=data["declared_on"],
                note=data["note"],
            )
        else:
            assignment = row.instance
            if row.extra["edit"]:
                services.post_assignment_update(
                    actor=actor,
                    assignment=assignment,
                    data=dict(row.extra["edit"]),
                    expected_version=assignment.version,
                )
        for step in row.extra["steps"]:
            if step == "approve":
                assignment = services.post_assignment_approve(
                    actor=actor, assignment=assignment, on=values["approved_on"]
                )
            elif step == "publicise":
                assignment = services.post_assignment_publicise(
                    actor=actor,
                    assignment=assignment,
                    starts_on=values["notice_starts_on"],
                    ends_on=values["notice_ends_on"],
                )
            elif step == "objections":
                assignment = services.post_assignment_record_objections(
                    actor=actor, assignment=assignment, objections=values["objections"]
                )
            elif step == "badge":
                assignment = services.post_assignment_badge(
                    actor=actor, assignment=assignment, on=values["on_duty_from"]
                )
            else:
                assignment = services.post_assignment_end(
                    actor=actor,
                    assignment=assignment,
                    on=values["ended_on"],
                    reason=values.get("end_reason") or assignment.end_reason,
                )
        row.instance = assignment

    def org_of(self, row: Row):
        return row.extra["member"].org if "member" in row.extra else None


STAGE_BEFORE = {"approved": "declared_on", "publicised": "approved_on", "on_duty": "notice_starts_on"}
STEP_OF = {"approved": "approve", "publicised": "publicise", "on_duty": "badge"}
