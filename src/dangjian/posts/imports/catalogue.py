"""The post catalogue register (``posts``: 定岗, 定责): the posts an organization offers and defines.
See the app's README. Every write goes through ``posts.services``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from dangjian.core import tree
from dangjian.core.excel import KEEP, Choice, Column, Row, Template, fields_of, record_id_column, register
from dangjian.core.excel.orgs import NO_PERMISSION as NO_ORG
from dangjian.core.excel.orgs import OrgLookup, chosen_org, org_columns
from dangjian.core.roles import WRITE_ROLES, Role
from dangjian.core.scoping import paths_for
from dangjian.core.services import BatchValidationError
from dangjian.organizations.models import Level, Organization
from dangjian.posts import queries, services
from dangjian.posts.defaults import DEFAULT_AREAS
from dangjian.posts.imports.columns import (
    NO_RECORD,
    RECORD_ID_HELP,
)
from dangjian.posts.models import (
    Post,
    PostArea,
)
from dangjian.posts.queries import catalogue_of, catalogue_posts, editable_posts

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
    object_type = Post.audit_type
    field_columns = {"org": "org_name"}
    key_help = (
        "每行是一个岗位。已有岗位按〈系统编号〉识别（导出时由系统填写）；新增岗位留空〈系统编号〉，"
        "按〈设岗组织〉和〈岗位名称〉识别（同一组织的岗位不重名）。岗位在〈设岗组织〉及其下级组织提供；"
        f"“{DEFAULTS_NAME}”是区委组织部设定的默认岗位，只能由区委组织部修改，其他组织不需要的可在岗位目录页面隐藏。"
        "上级组织设立的岗位只能由上级修改。岗位不删除：〈是否启用〉填“否”即不再提供，已定岗的党员不受影响。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        record_id_column(aliases=("岗位编号", "岗位系统编号"), help=RECORD_ID_HELP),
        *org_columns(
            code_header="设岗组织编码",
            code_aliases=("组织编码",),
            code_help=f"填写了编码时以编码为准；{DEFAULTS_NAME}岗位留空",
            name_header="设岗组织",
            name_aliases=("设立组织", "设岗单位", "组织名称", "所属组织"),
            name_help=f"岗位在该组织及下级组织提供；区委组织部设定的默认岗位为“{DEFAULTS_NAME}”",
            name_example="幸福村党支部",
            name_width=20,
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

    # --- Export ----------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """The catalogue register of an organization (``org``), or every post the user reads."""
        org = chosen_org(params, Organization.objects.visible_to(user))
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
                **fields_of(post, "name", "duties", "order", "is_active"),
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
            row.instance = services.post_create(actor=state.user, org=row.extra["org"], data=dict(row.data))
        else:
            services.post_update(
                actor=state.user, post=row.instance, data=dict(row.data), expected_version=row.instance.version
            )

    def org_of(self, row: Row):
        return row.extra.get("org")
