"""The rectification register (软弱涣散党组织整顿台账): one row per problem and its countermeasure.

A row finds its case by organization and year (the case must be open: classifying and opening stay
on the screening page), and its problem by 系统编号 (the id of an export), or else by the problem's
text, so re-importing an export changes nothing. Content is written by an organizer of a committee
above (``problem_add`` / ``problem_update``); the organization itself may fill 完成日期 only
(``countermeasure_done``). The same checks and audit as the pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from dangjian.core.excel import KEEP, Column, Row, Template, fields_of, record_id_column, register
from dangjian.core.excel.orgs import OrgColumns, OrgLookup, OrgRowsState, described, list_filters, org_columns
from dangjian.core.excel.pipeline import validation_errors
from dangjian.organizations.models import Organization
from dangjian.rectification import queries, services
from dangjian.rectification.forms import ProblemFilterForm
from dangjian.rectification.models import Problem, Rectification

CONTENT = ("description", "countermeasure", "responsible", "deadline")


@dataclass
class _State(OrgRowsState):
    cases: dict[tuple[int, int], Rectification | None] = field(default_factory=dict)


@register
class RectificationRegister(OrgColumns, Template):
    name = "rectification_register"
    title = "整顿台账"
    object_type = "rectification.problem"
    field_columns = {"org": "org_code", "done_on": "done_on"}
    key_help = (
        "每行是一个问题及其整改措施（一问题一对策）。按组织和年度找到已建立的整顿工作（须先在排查页面认定并建立），"
        "已有问题按〈系统编号〉识别，没有系统编号时按问题描述识别，重复导入同一文件不会产生重复记录。"
        "问题和措施由上级党组织填写；被整顿的党组织只可填写〈完成日期〉。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        record_id_column(help="导出时由系统填写；新增问题留空"),
        *org_columns(name_aliases=("组织名称", "党支部")),
        Column("year", "年度", kind="int", required=True, example=2025, width=8),
        Column("classification", "类别", export_only=True, help="软弱涣散或后进（导出时填写）", width=10),
        Column("criteria", "认定情形", export_only=True, help="导出时填写", width=30),
        Column(
            "description",
            "存在问题",
            aliases=("问题",),
            required=True,
            max_length=500,
            example="书记长期外出",
            width=30,
        ),
        Column(
            "countermeasure",
            "整改措施",
            aliases=("措施", "对策"),
            required=True,
            max_length=500,
            example="选派第一书记驻村",
            width=30,
        ),
        Column("responsible", "责任人", required=True, max_length=64, example="李明", width=10),
        Column("deadline", "完成时限", kind="date", aliases=("时限",), required=True, example="2026-03-31", width=12),
        Column("done_on", "完成日期", kind="date", blank=KEEP, help="未完成留空", width=12),
    )

    # --- Export ----------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """Exactly the problem list page's filters, over ``Problem.objects.visible_to(user)``."""
        form = ProblemFilterForm(params or None, orgs=Organization.objects.visible_to(user))
        filters = list_filters(form, params)
        queryset = (
            queries.problem_list(
                Problem.objects.visible_to(user),
                org=filters.get("org"),
                year=filters.get("year"),
                status=filters.get("status") or "",
            )
            .select_related("rectification__org", "rectification__mark")
            .prefetch_related("rectification__mark__criteria")
            .order_by("org_path", "rectification__year", "deadline", "id")
        )
        return queryset, described({k: v for k, v in filters.items() if v}), filters.get("org")

    def export_records(self, queryset, user):
        for i, p in enumerate(queryset.iterator(chunk_size=500), start=1):
            case = p.rectification
            yield {
                "seq": i,
                "record_id": p.pk,
                "org_code": case.org.code,
                "org_name": case.org.name,
                "year": case.year,
                "classification": case.get_classification_display(),
                "criteria": "、".join(c.text for c in case.mark.criteria.all()),
                **fields_of(p, "description", "countermeasure", "responsible", "deadline", "done_on"),
            }

    # --- Import ----------------------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> _State:
        return _State(user=user, commit=commit, orgs=OrgLookup(Organization.objects.visible_to(user)))

    def _case(self, row: Row, org: Organization, year: int, state: _State) -> Rectification | None:
        key = (org.pk, year)
        if key not in state.cases:
            state.cases[key] = (
                Rectification.objects.visible_to(state.user).select_related("org").filter(org=org, year=year).first()
            )
        case = state.cases[key]
        if case is None:
            row.errors.append((self.header_of("year"), f"{org.name} {year} 年没有整顿工作，请先在排查页面认定并建立"))
        elif case.state not in (Rectification.State.OPENED, Rectification.State.IN_PROGRESS):
            row.errors.append((self.header_of("year"), f"{org.name} {year} 年的整顿已验收或销号，须先重新打开"))
            return None
        return case

    def plan(self, rows: list[Row], state: _State) -> None:
        state.orgs.load(rows)
        record_ids = {r.values["record_id"] for r in rows if r.values.get("record_id")}
        visible = Problem.objects.visible_to(state.user)
        by_id = {p.pk: p for p in visible.filter(pk__in=record_ids)} if record_ids else {}
        for row in rows:
            if row.errors:
                continue
            org = self.resolve_org(row, state.orgs)
            if org is None:
                continue
            case = self._case(row, org, row.values["year"], state)
            if case is None:
                continue
            data = {name: row.values.get(name) for name in CONTENT}
            row.label = f"{org.name} {data['description']}"
            if row.values.get("record_id"):
                instance = by_id.get(row.values["record_id"])
                if instance is None or instance.rectification_id != case.pk:
                    row.errors.append((self.header_of("record_id"), "记录不存在或无权限"))
                    continue
            else:
                instance = visible.filter(rectification=case, description=(data["description"] or "").strip()).first()
            key = ("problem", instance.pk) if instance else ("new", case.pk, data["description"])
            if key in state.seen:
                row.errors.append(("", f"与第 {state.seen[key]} 行是同一个问题"))
                continue
            state.seen[key] = row.number
            changed = data if instance is None else {k: v for k, v in data.items() if getattr(instance, k) != v}
            done_on = row.values.get("done_on") if row.has("done_on") else (instance.done_on if instance else None)
            done_changed = done_on != (instance.done_on if instance else None)
            if changed and not services.organizes_above(state.user, case.org_path):
                row.errors.append(
                    (self.header_of("description"), "问题和整改措施由上级党组织填写，本组织只可填写完成日期")
                )
                continue
            if changed:
                try:
                    services.validate_problem(case, changed, instance)
                except ValidationError as exc:
                    row.errors.extend(validation_errors(self, exc))
                    continue
            row.extra.update(org=org, case=case, done_on=done_on, done_changed=done_changed)
            if instance is None:
                row.action, row.data = "create", data
            elif not changed and not done_changed:
                row.action, row.instance = "unchanged", instance
            else:
                row.action, row.instance, row.data = "update", instance, changed

    def apply(self, row: Row, state: _State) -> None:
        case = row.extra["case"]
        if row.action == "create":
            row.instance = services.problem_add(actor=state.user, case=case, data=dict(row.data))
        elif row.data:
            services.problem_update(actor=state.user, problem=row.instance, data=dict(row.data))
        if row.extra["done_changed"]:
            services.countermeasure_done(actor=state.user, problem=row.instance, done_on=row.extra["done_on"])
