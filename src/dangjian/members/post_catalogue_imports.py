"""The 一编三定 catalogue and evaluations in Excel: the posts an organization offers and defines
(``posts``) and the yearly ratings (定评, ``post_evaluations``). See POSTS.md.

Imported at the end of ``members/post_imports.py`` so that both register themselves; the columns and
checks shared with the other 一编三定 registers come from there. Every write goes through
``members.posts``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from dangjian.core import tree
from dangjian.core.excel import KEEP, Choice, Column, Row, Template, register
from dangjian.core.excel.orgs import NO_PERMISSION as NO_ORG
from dangjian.core.excel.orgs import OrgLookup
from dangjian.core.roles import WRITE_ROLES, Role
from dangjian.core.scoping import can_see_full_id, get_visible_or_404, has_role, paths_for
from dangjian.core.services import BatchValidationError
from dangjian.members import posts, queries
from dangjian.members.lookup import MemberRows
from dangjian.members.models import EvaluationRating, Post, PostArea, PostAssignment, PostEvaluation
from dangjian.members.post_defaults import DEFAULT_AREAS
from dangjian.members.post_imports import NO_RECORD, _day_errors, _id_number_column, _member_id_column, _name_column
from dangjian.members.post_queries import catalogue_of, catalogue_posts, editable_posts, evaluation_list
from dangjian.organizations.models import Level, Organization

# --- The post catalogue (定岗, 定责) ------------------------------------------------------------------
DEFAULTS_NAME = "全区默认"
DEFAULTS_ALIASES = (DEFAULTS_NAME, "区级默认", "默认", "默认岗位", "区默认")
AREAS = tuple(Choice(code, name) for code, name, _order in DEFAULT_AREAS)


@dataclass
class _Catalogue:
    """What the catalogue's export hands to its records: the posts, and the organization whose
    hidden posts are marked (None: no organization chosen)."""

    posts: Any
    org: Any


@dataclass
class _PostState:
    user: Any
    commit: bool
    orgs: OrgLookup  # the organizations a row may name: the user's subtrees and those above them
    areas: dict[str, Any]  # area code → PostArea
    writable_paths: list[str]
    defaults_editor: bool  # an organizer at the root: may define and change the district defaults
    seen: dict[Any, int] = field(default_factory=dict)  # post id, or a new post's (org id, name) → row
    names: dict[tuple, int] = field(default_factory=dict)  # (org id, name) a row leaves a post with → row


@register
class PostCatalogueTemplate(Template):
    """一编三定岗位目录: the posts that apply in an organization (the district defaults, those of the
    organizations above it, its own) and those defined below it, offered or not."""

    name = "posts"
    title = "一编三定岗位目录"
    object_type = "members.post"
    field_columns = {"org": "org_name"}
    key_help = (
        "每行是一个岗位。已有岗位按〈系统编号〉识别（导出时由系统填写）；新增岗位留空〈系统编号〉，"
        "按〈设岗组织〉和〈岗位名称〉识别（同一组织的岗位不重名）。岗位在〈设岗组织〉及其下级组织提供；"
        f"“{DEFAULTS_NAME}”是区委组织部设定的默认岗位，只能由区委组织部修改，其他组织不需要的可在岗位目录页面隐藏。"
        "上级组织设立的岗位只能由上级修改。岗位不删除：〈是否启用〉填“否”即不再提供，已定岗的党员不受影响。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        Column(
            "record_id",
            "系统编号",
            kind="int",
            aliases=("岗位编号", "岗位系统编号"),
            blank=KEEP,
            help="导出时由系统填写，用于识别已有岗位；新增岗位留空",
            width=10,
        ),
        Column(
            "org_code",
            "设岗组织编码",
            aliases=("组织编码",),
            max_length=32,
            blank=KEEP,
            help=f"填写了编码时以编码为准；{DEFAULTS_NAME}岗位留空",
            example="C-001",
            width=14,
        ),
        Column(
            "org_name",
            "设岗组织",
            aliases=("设立组织", "设岗单位", "组织名称", "所属组织"),
            max_length=100,
            blank=KEEP,
            help=f"岗位在该组织及下级组织提供；区委组织部设定的默认岗位为“{DEFAULTS_NAME}”",
            example="幸福村党支部",
            width=20,
        ),
        Column(
            "area",
            "岗位类别",
            kind="choice",
            choices=AREAS,
            aliases=("岗位领域", "领域", "类别"),
            blank=KEEP,
            help="新增岗位必填",
            example="public_affairs",
            width=10,
        ),
        Column(
            "name",
            "岗位名称",
            aliases=("岗位", "岗位名", "设岗"),
            required=True,
            max_length=40,
            example="垃圾分类督导岗",
            width=16,
        ),
        Column(
            "duties",
            "岗位职责",
            aliases=("职责", "定责", "默认职责", "工作职责"),
            max_length=1000,
            blank=KEEP,
            help="新增岗位必填；定岗时复制给党员，可按人调整",
            example="每周督导一次垃圾分类；劝导乱堆乱放；发现问题及时报告支部。",
            width=40,
        ),
        Column(
            "order",
            "排序",
            kind="int",
            aliases=("顺序", "排列顺序"),
            blank=KEEP,
            help="同一类别中的先后，0–999；新增时留空为 0",
            width=6,
        ),
        Column(
            "is_active",
            "是否启用",
            kind="bool",
            aliases=("启用", "是否提供", "提供"),
            blank=KEEP,
            help="填“否”即不再提供（已定岗的党员不受影响）；新增时留空为“是”",
            width=8,
        ),
        Column(
            "hidden",
            "本组织是否隐藏",
            export_only=True,
            kind="bool",
            help="按导出时选择的组织填写，导入时忽略；隐藏或恢复请在岗位目录页面操作",
            width=10,
        ),
    )

    def can_import(self, user) -> bool:
        return has_role(user, Role.ORGANIZER, Role.SECRETARY)

    def can_export(self, user) -> bool:
        return has_role(user, Role.ORGANIZER, Role.SECRETARY)

    # --- Export ----------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """The catalogue register of an organization (``org``), or every post the user reads."""
        org = None
        if params.get("org"):
            org = get_visible_or_404(Organization.objects.visible_to(user), pk=params["org"])
        return _Catalogue(catalogue_of(user, org), org), {"org": org.pk if org else None}, org

    def export_records(self, catalogue: _Catalogue, user):
        hidden = {}
        if catalogue.org is not None:
            hidden = {p.pk: p.hidden for p in queries.posts_offered(catalogue.org, include_hidden=True)}
        for i, post in enumerate(catalogue.posts.iterator(chunk_size=2000), start=1):
            yield {
                "seq": i,
                "record_id": post.pk,
                "org_code": post.org.code if post.org_id else None,
                "org_name": post.org.name if post.org_id else DEFAULTS_NAME,
                "area": post.area.code,
                "name": post.name,
                "duties": post.duties,
                "order": post.order,
                "is_active": post.is_active,
                "hidden": hidden.get(post.pk),
            }

    # --- Import ----------------------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> _PostState:
        paths = paths_for(user, WRITE_ROLES)
        query = tree.subtrees_q("path", paths)
        above = {a for p in paths for a in tree.ancestors(p)}
        orgs = Organization.objects.none() if query is None else Organization.objects.filter(query | Q(path__in=above))
        return _PostState(
            user=user,
            commit=commit,
            orgs=OrgLookup(orgs),
            areas={a.code: a for a in PostArea.objects.all()},
            writable_paths=paths,
            defaults_editor=any(tree.depth(p) == 1 for p in paths_for(user, {Role.ORGANIZER})),
        )

    def _defining_org(self, row: Row, state: _PostState) -> tuple[bool, Any]:
        """``(named, org)``: whether the row names the defining organization, and which (None: the defaults)."""
        code, name = row.values.get("org_code"), row.values.get("org_name")
        if code:
            org = state.orgs.by_code.get(code)
            if org is None:
                row.errors.append((self.header_of("org_code"), NO_ORG))
            return True, org
        if name in DEFAULTS_ALIASES:
            return True, None
        if name:
            candidates = state.orgs.by_name.get(name, [])
            if len(candidates) == 1:
                return True, candidates[0]
            message = NO_ORG if not candidates else f"有多个同名组织，请填写〈{self.header_of('org_code')}〉"
            row.errors.append((self.header_of("org_name"), message))
            return True, None
        return False, None

    def plan(self, rows: list[Row], state: _PostState) -> None:
        state.orgs.load(rows, code_key="org_code", name_key="org_name")
        ids = {r.values["record_id"] for r in rows if r.values.get("record_id")}
        by_id = {p.pk: p for p in catalogue_posts(state.user).filter(pk__in=ids)} if ids else {}
        matched = []
        for row in rows:
            if row.errors:
                continue
            named, org = self._defining_org(row, state)
            if row.errors:
                continue
            record_id = row.values.get("record_id")
            if record_id:
                post = by_id.get(record_id)
                if post is None:
                    row.errors.append((self.header_of("record_id"), NO_RECORD))
                    continue
                if named and (org.pk if org else None) != post.org_id:
                    shown = post.org.name if post.org_id else DEFAULTS_NAME
                    header = self.header_of("org_code" if row.values.get("org_code") else "org_name")
                    row.errors.append((header, f"与系统中的设岗组织（{shown}）不一致；岗位不能改由其他组织设立"))
                    continue
                row.instance = post
            elif not named:
                row.errors.append(
                    (
                        self.header_of("org_code"),
                        f"新增岗位须填写〈设岗组织编码〉或〈设岗组织〉（区委组织部的默认岗位填“{DEFAULTS_NAME}”）",
                    )
                )
                continue
            row.extra["org"] = org if row.instance is None else row.instance.org
            matched.append(row)
        new = [r for r in matched if r.instance is None]
        if new:
            query = Q()
            for row in new:
                query |= Q(org=row.extra["org"], name=row.values["name"])
            found = {(p.org_id, p.name): p for p in Post.objects.filter(query).select_related("area", "org")}
            for row in new:
                org = row.extra["org"]
                row.instance = found.get((org.pk if org else None, row.values["name"]))
        known = [r.instance.pk for r in matched if r.instance is not None]
        editable = set(editable_posts(state.user).filter(pk__in=known).values_list("pk", flat=True)) if known else set()
        for row in matched:
            org = row.extra["org"]
            row.label = f"{row.values['name']}（{org.name if org else DEFAULTS_NAME}）"
            if row.instance is not None:
                self._plan_existing(row, state, editable)
            else:
                self._plan_new(row, state)

    def _checked_order(self, row: Row) -> int | None:
        order = row.values.get("order")
        if order is not None and not 0 <= order <= 999:
            row.errors.append((self.header_of("order"), "应为 0–999 的整数"))
            return None
        return order

    def _name_taken(self, row: Row, state: _PostState, org_id, name: str) -> bool:
        key = (org_id, name)
        if key in state.names:
            row.errors.append(
                (self.header_of("name"), f"与第 {state.names[key]} 行的岗位同名（同一组织的岗位不能重名）")
            )
            return True
        state.names[key] = row.number
        return False

    def _plan_existing(self, row: Row, state: _PostState, editable: set[int]) -> None:
        post = row.instance
        if post.pk in state.seen:
            row.errors.append(("", f"与第 {state.seen[post.pk]} 行是同一岗位"))
            return
        state.seen[post.pk] = row.number
        changes: dict[str, Any] = {}
        area = row.values.get("area")
        if area is not None and area != post.area.code:
            if area not in state.areas:
                row.errors.append((self.header_of("area"), "系统中没有该岗位类别"))
            else:
                changes["area"] = state.areas[area]
        for key in ("name", "duties", "is_active"):
            value = row.values.get(key)
            if value is not None and value != getattr(post, key):
                changes[key] = value
        order = self._checked_order(row)
        if order is not None and order != post.order:
            changes["order"] = order
        name = changes.get("name", post.name)
        if self._name_taken(row, state, post.org_id, name):
            return
        if "name" in changes and Post.objects.filter(org=post.org_id, name=name).exclude(pk=post.pk).exists():
            row.errors.append((self.header_of("name"), "设岗组织已有同名岗位"))
        if row.errors:
            return
        if not changes:
            row.action = "unchanged"
            return
        if post.pk not in editable:
            if post.org_id is None:
                reason = (
                    "区委组织部设定的默认岗位只能由区委组织部修改；本组织不需要的可在岗位目录中隐藏，或新增本组织的岗位"
                )
            else:
                reason = f"该岗位由{post.org.name}设立，只能由其修改；本组织不需要的可在岗位目录中隐藏"
            row.errors.append((self.header_of(next(iter(changes))), reason))
            return
        row.action, row.data = "update", changes

    def _plan_new(self, row: Row, state: _PostState) -> None:
        org = row.extra["org"]
        org_header = self.header_of("org_code" if row.values.get("org_code") else "org_name")
        if org is None:
            if not state.defaults_editor:
                row.errors.append((org_header, f"“{DEFAULTS_NAME}”岗位只能由区委组织部设立；请填写本组织"))
        elif not any(org.path.startswith(p) for p in state.writable_paths):
            row.errors.append((org_header, f"只能为本组织及下级组织设岗，{org.name}是上级组织"))
        elif org.dissolved_on is not None:
            row.errors.append((org_header, "该组织已撤销"))
        elif org.level == Level.PARTY_GROUP:
            row.errors.append((org_header, "岗位由党支部或党委设立，不能由党小组设立"))
        area = row.values.get("area")
        if area is None:
            row.errors.append((self.header_of("area"), "新增岗位须选择岗位类别"))
        elif area not in state.areas:
            row.errors.append((self.header_of("area"), "系统中没有该岗位类别"))
        if not row.values.get("duties"):
            row.errors.append((self.header_of("duties"), "新增岗位须填写岗位职责"))
        order = self._checked_order(row)
        key = ("new", org.pk if org else None, row.values["name"])
        if key in state.seen:
            row.errors.append(("", f"与第 {state.seen[key]} 行是同一岗位"))
            return
        state.seen[key] = row.number
        if self._name_taken(row, state, org.pk if org else None, row.values["name"]) or row.errors:
            return
        is_active = row.values.get("is_active")
        row.action = "create"
        row.data = {
            "area": state.areas[area],
            "name": row.values["name"],
            "duties": row.values["duties"],
            "order": order or 0,
            "is_active": True if is_active is None else is_active,
        }

    def apply_many(self, rows: list[Row], state: _PostState) -> None:
        """Changes first (a renamed post frees its name for a new one), then new posts, in file order."""
        for i in sorted(range(len(rows)), key=lambda i: (rows[i].action == "create", rows[i].number)):
            try:
                self.apply(rows[i], state)
            except ValidationError as exc:
                raise BatchValidationError({i: exc}) from None

    def apply(self, row: Row, state: _PostState) -> None:
        if row.action == "create":
            row.instance = posts.post_create(actor=state.user, org=row.extra["org"], data=dict(row.data))
        else:
            posts.post_update(
                actor=state.user, post=row.instance, data=dict(row.data), expected_version=row.instance.version
            )

    def org_of(self, row: Row):
        return row.extra.get("org")


# --- Evaluations (定评) -----------------------------------------------------------------------------
RATINGS = (
    Choice("excellent", "优秀", ("好",)),
    Choice("competent", "称职", ("合格",)),
    Choice("basically_competent", "基本称职", ("基本合格",)),
    Choice("incompetent", "不称职", ("不合格",)),
)


@dataclass
class _EvaluationState:
    user: Any
    commit: bool
    seen: dict[tuple, int] = field(default_factory=dict)  # (assignment id, year) → row


@register
class PostEvaluationTemplate(MemberRows, Template):
    """一编三定定评: one row per assignment and year, the rating with the post's points shown as input."""

    name = "post_evaluations"
    title = "一编三定定评"
    object_type = "members.postevaluation"
    field_columns = {"member": "id_number", "assignment": "assignment_id"}
    key_help = (
        "每行是一名党员的一个岗位在一个年度的评定：按〈岗位系统编号〉（即“一编三定岗位”表的〈系统编号〉）和〈年度〉识别；"
        "〈岗位系统编号〉留空时，按党员和〈岗位名称〉查找该年度在岗的岗位。同一岗位同一年度再次填写即修改评定等次或评语。"
        "〈岗位积分〉是评定时显示的该岗位职责积分，只供参考，导入时忽略（由系统按积分台账重新读取）。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        Column(
            "assignment_id",
            "岗位系统编号",
            kind="int",
            aliases=("系统编号", "岗位编号"),
            blank=KEEP,
            help="即“一编三定岗位”表的〈系统编号〉，导出时由系统填写；留空时按党员和〈岗位名称〉查找",
            width=10,
        ),
        Column("branch_name", "所属党支部", aliases=("党支部", "所在党支部"), export_only=True, width=22),
        _member_id_column(),
        _name_column(),
        _id_number_column(),
        Column(
            "post",
            "岗位名称",
            aliases=("岗位", "所定岗位"),
            max_length=40,
            blank=KEEP,
            help="〈岗位系统编号〉留空时必填：该党员该年度在岗的岗位",
            example="政策宣传岗",
            width=14,
        ),
        Column(
            "year",
            "年度",
            kind="int",
            aliases=("评定年度", "考评年度", "年份"),
            required=True,
            example=2025,
            width=8,
        ),
        Column(
            "rating",
            "评定等次",
            kind="choice",
            choices=RATINGS,
            aliases=("等次", "评定结果", "定评等次", "定评结果"),
            required=True,
            example="competent",
            width=10,
        ),
        Column(
            "points",
            "岗位积分",
            export_only=True,
            help="评定时显示的该岗位职责积分（评定的参考，不决定等次）；导入时忽略",
            width=10,
        ),
        Column("note", "评语", aliases=("评定意见", "备注", "说明"), max_length=500, blank=KEEP, width=24),
        Column(
            "evaluated_on",
            "评定日期",
            kind="date",
            aliases=("评定时间", "定评日期"),
            blank=KEEP,
            help="新增或修改时留空为今天",
            example=dt.date(2026, 1, 10),
        ),
    )

    def can_import(self, user) -> bool:
        return has_role(user, Role.ORGANIZER, Role.SECRETARY)

    def can_export(self, user) -> bool:
        return has_role(user, Role.ORGANIZER, Role.SECRETARY)

    # --- Export ----------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """The evaluations of a subtree (``org``), a ``year``, a ``rating``, a member's name (``q``)."""
        org = None
        if params.get("org"):
            org = get_visible_or_404(Organization.objects.visible_to(user), pk=params["org"])
        year = params.get("year") or ""
        year = int(year) if str(year).isdigit() and 2000 <= int(year) <= 2100 else None
        rating = params.get("rating") or ""
        rating = rating if rating in EvaluationRating.values else ""
        q = (params.get("q") or "").strip()[:64]
        queryset = evaluation_list(PostEvaluation.objects.visible_to(user), org=org, year=year, rating=rating, q=q)
        return queryset, {"org": org.pk if org else None, "year": year, "rating": rating, "q": q}, org

    def export_records(self, queryset, user):
        full = can_see_full_id(user)
        for i, e in enumerate(queryset.iterator(chunk_size=2000), start=1):
            a, member = e.assignment, e.assignment.member
            yield {
                "seq": i,
                "assignment_id": a.pk,
                "branch_name": a.org.name,
                "member_id": member.pk,
                "name": member.name,
                "id_number": member.id_number if full else member.id_number_masked,
                "post": a.post.name,
                "year": e.year,
                "rating": e.rating,
                "points": None if e.points is None else float(e.points),
                "note": e.note,
                "evaluated_on": e.evaluated_on,
            }

    # --- Import ----------------------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> _EvaluationState:
        return _EvaluationState(user=user, commit=commit)

    def plan(self, rows: list[Row], state: _EvaluationState) -> None:
        found = self._members(rows, state.user)
        writable = PostAssignment.objects.writable_by(state.user).select_related("post", "org")
        ids = {r.values["assignment_id"] for r in rows if r.values.get("assignment_id")}
        by_id = {a.pk: a for a in writable.filter(pk__in=ids)} if ids else {}
        matched = []
        for row in rows:
            if row.errors:
                continue
            member = self._member(row, found)
            if member is not None:
                row.extra["member"] = member
                matched.append(row)
        by_member: dict[int, list] = {}
        unnamed = {r.extra["member"].pk for r in matched if not r.values.get("assignment_id")}
        if unnamed:
            for a in writable.filter(member_id__in=unnamed, on_duty_from__isnull=False).order_by("on_duty_from"):
                by_member.setdefault(a.member_id, []).append(a)
        ready = []
        for row in matched:
            assignment = self._assignment(row, by_id, by_member)
            if assignment is None:
                continue
            row.extra["assignment"] = assignment
            row.label = f"{row.extra['member'].name}（{assignment.post.name}，{row.values['year']}年）"
            key = (assignment.pk, row.values["year"])
            if key in state.seen:
                row.errors.append(("", f"与第 {state.seen[key]} 行是同一岗位同一年度的评定"))
                continue
            state.seen[key] = row.number
            self._check_year(row, assignment)
            if not row.errors:
                ready.append(row)
        if not ready:
            return
        stored = {
            (e.assignment_id, e.year): e
            for e in PostEvaluation.objects.filter(assignment_id__in={r.extra["assignment"].pk for r in ready})
        }
        for row in ready:
            self._plan_row(row, stored.get((row.extra["assignment"].pk, row.values["year"])))

    def _assignment(self, row: Row, by_id: dict, by_member: dict):
        """The assignment the row rates: by its record id, or the member's post of that name on duty that year."""
        member, post, year = row.extra["member"], row.values.get("post"), row.values["year"]
        record_id = row.values.get("assignment_id")
        if record_id:
            assignment = by_id.get(record_id)
            if assignment is None:
                row.errors.append((self.header_of("assignment_id"), NO_RECORD))
            elif assignment.member_id != member.pk:
                row.errors.append((self.header_of("id_number"), "与〈岗位系统编号〉对应岗位的党员不符"))
            elif post and post != assignment.post.name:
                row.errors.append((self.header_of("post"), f"与系统中的岗位（{assignment.post.name}）不一致"))
            else:
                return assignment
            return None
        if not post:
            row.errors.append((self.header_of("assignment_id"), "须填写〈岗位系统编号〉或〈岗位名称〉"))
            return None
        candidates = [a for a in by_member.get(member.pk, []) if a.post.name == post and queries.on_duty_in(a, year)]
        if not candidates:
            row.errors.append((self.header_of("post"), f"该党员 {year} 年没有在岗的“{post}”"))
            return None
        if len(candidates) > 1:
            row.errors.append((self.header_of("post"), "该年度有多个同名岗位，请填写〈岗位系统编号〉"))
            return None
        return candidates[0]

    def _check_year(self, row: Row, assignment: PostAssignment) -> None:
        """The service's bounds: a year up to the evaluation's, in which the member was on duty."""
        year, day = row.values["year"], row.values.get("evaluated_on")
        _day_errors(self, row, "evaluated_on", day)
        last = (day or timezone.localdate()).year
        if not 2000 <= year <= last:
            row.errors.append((self.header_of("year"), f"应为 2000 年至 {last} 年之间的年度"))
        elif not queries.on_duty_in(assignment, year):
            row.errors.append((self.header_of("year"), "该党员该年度未在此岗位上岗"))

    def _plan_row(self, row: Row, evaluation: PostEvaluation | None) -> None:
        rating, note, day = row.values["rating"], row.values.get("note"), row.values.get("evaluated_on")
        if evaluation is None:
            row.action = "create"
            row.data = {"rating": rating, "note": note or "", "evaluated_on": day}
            return
        row.instance = evaluation
        changes = {}
        if rating != evaluation.rating:
            changes["rating"] = rating
        if note is not None and note != evaluation.note:
            changes["note"] = note
        if not changes:
            if day is not None and day != evaluation.evaluated_on:
                row.errors.append(
                    (
                        self.header_of("evaluated_on"),
                        f"与系统中的评定日期（{evaluation.evaluated_on.isoformat()}）不一致；"
                        "修改评定等次或评语时才重新记录评定日期",
                    )
                )
            else:
                row.action = "unchanged"
            return
        row.action = "update"
        row.data = {**changes, "evaluated_on": day}
        row.extra["note"] = evaluation.note if note is None else note

    def apply(self, row: Row, state: _EvaluationState) -> None:
        data = row.data
        row.instance = posts.post_evaluation_record(
            actor=state.user,
            assignment=row.extra["assignment"],
            year=row.values["year"],
            rating=row.values["rating"],
            note=row.extra.get("note", data.get("note", "")),
            on=data.get("evaluated_on"),
        )

    def org_of(self, row: Row):
        return row.extra["assignment"].org if "assignment" in row.extra else None
