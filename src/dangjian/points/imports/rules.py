"""``point_rules``: the rules of a scheme, one row per rule (its latest version); see the package."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from dangjian.core.excel import KEEP, Column, Row, Template, fields_of, register
from dangjian.core.excel.orgs import chosen_org
from dangjian.core.excel.pipeline import validation_errors
from dangjian.core.roles import Role
from dangjian.organizations.models import Organization
from dangjian.points import queries, services
from dangjian.points.imports.common import CATEGORIES, DIRECTIONS, PERIODS, _can_edit, _number, chain_of, chain_text
from dangjian.points.models import PointRule


@dataclass
class _RuleState:
    user: Any
    commit: bool
    schemes: dict[int, Any]
    by_name: dict[str, list]
    latest: dict[tuple[int, str], PointRule]
    seen: dict[tuple, int] = field(default_factory=dict)


RULE_COLUMNS = ("name", "category", "direction", "points", "allow_fraction", "cap", "cap_period", "source_kind")


@register
class RuleTemplate(Template):
    name = "point_rules"
    title = "积分规则"
    object_type = "points.pointrule"
    field_columns = {"scheme": "scheme_id", "effective_to": "effective_from", "replaces": "effective_from"}
    import_roles = (Role.ORGANIZER,)
    key_help = (
        "每行一条规则（其最新版本），按〈方案编号〉（或〈积分方案〉名称）和〈规则编码〉识别。新的编码新增规则；"
        "内容有改动的行自〈生效日期〉起生效，原规则在前一天截止，已记的积分仍按原规则，不会被改写；"
        "没有改动的行不作处理，重复导入同一文件不会产生变化。〈自动来源〉填代码：留空为申报和奖扣；"
        "meeting:会议类型 为参加会议（如 meeting:theme_day），meeting_absent:any 为无故缺席，"
        "training:培训类型 为参加培训（如 training:any），service_hours 为志愿服务每小时的分值，base 为年度基础分；"
        "post_duty 为岗位履职（一编三定）：照常申报和奖扣，但每条记录须注明党员当天在岗的岗位，计入该岗位的定评。"
        "〈审批流程〉写党小组长、支部书记、乡镇党委，用顿号分隔，自动积分不填。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        Column("scheme_id", "方案编号", kind="int", blank=KEEP, help="导出时由系统填写", example=1, width=10),
        Column(
            "scheme",
            "积分方案",
            aliases=("方案", "方案名称"),
            max_length=100,
            blank=KEEP,
            help="填写了方案编号时以编号为准",
            example="党员积分百分制",
            width=24,
        ),
        Column("code", "规则编码", aliases=("编码",), required=True, max_length=40, example="volunteer", width=14),
        Column("name", "规则名称", aliases=("名称", "积分项目"), max_length=100, example="参加志愿服务", width=22),
        Column("category", "类别", kind="choice", choices=CATEGORIES, example="service", width=12),
        Column("direction", "加扣分", aliases=("方向",), kind="choice", choices=DIRECTIONS, example="award", width=8),
        Column("points", "分值", aliases=("每次分值",), max_length=12, help="每次的分值；扣分也填正数", example="1"),
        Column("allow_fraction", "可计小数", kind="bool", example=False, width=8),
        Column("cap", "封顶分值", aliases=("封顶",), max_length=12, help="留空为不封顶", example="5", width=10),
        Column("cap_period", "封顶周期", kind="choice", choices=PERIODS, example="month", width=10),
        Column("source_kind", "自动来源", max_length=48, help="代码，留空为申报和奖扣；见说明", width=20),
        Column("evidence_required", "需要证明", kind="bool", example=True, width=8),
        Column("chain", "审批流程", max_length=40, help="如 党小组长、支部书记", example="支部书记", width=18),
        Column(
            "effective_from",
            "生效日期",
            kind="date",
            aliases=("起始日期",),
            help="新增规则留空为今天；修改的规则须晚于原版本的生效日期",
            example=dt.date(2026, 7, 1),
        ),
        Column("effective_to", "截止日期", kind="date", export_only=True),
        Column("note", "备注", max_length=300, width=20),
    )

    def check_headers(self, present) -> list[str]:
        if "scheme_id" not in present and "scheme" not in present:
            return ["缺少〈方案编号〉或〈积分方案〉列"]
        return []

    # --- Export --------------------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """The latest version of every rule of the schemes that concern the user; ``?org=`` the schemes
        that apply in that organization, ``?scheme=`` one scheme."""
        schemes = queries.schemes_for(user)
        described: dict[str, Any] = {}
        org = chosen_org(params, Organization.objects.visible_to(user))
        if org is not None:
            schemes = [s for s in schemes if org.path.startswith(s.org_path) and not s.template]
            described["org"] = org.pk
        if params.get("scheme"):
            schemes = [s for s in schemes if str(s.pk) == str(params["scheme"])]
            if not schemes:
                raise Http404
            described["scheme"] = schemes[0].pk
        rules = PointRule.objects.filter(scheme__in=[s.pk for s in schemes]).select_related("scheme")
        return rules.order_by("scheme_id", "category", "code", "-effective_from", "-id"), described, org

    def export_records(self, queryset, user):
        seen: set[tuple[int, str]] = set()
        i = 0
        for rule in queryset:
            if (rule.scheme_id, rule.code) in seen:
                continue
            seen.add((rule.scheme_id, rule.code))
            i += 1
            yield {
                "seq": i,
                "scheme_id": rule.scheme_id,
                "scheme": rule.scheme.name,
                **fields_of(rule, "code", "name", "category", "direction"),
                "points": _number(rule.points),
                "allow_fraction": rule.allow_fraction,
                "cap": _number(rule.cap),
                **fields_of(rule, "cap_period", "source_kind", "evidence_required"),
                "chain": chain_text(rule.chain),
                **fields_of(rule, "effective_from", "effective_to", "note"),
            }

    # --- Import --------------------------------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> _RuleState:
        schemes = {s.pk: s for s in queries.schemes_for(user) if _can_edit(user, s)}
        by_name: dict[str, list] = {}
        for scheme in schemes.values():
            by_name.setdefault(scheme.name, []).append(scheme)
        latest: dict[tuple[int, str], PointRule] = {}
        for rule in PointRule.objects.filter(scheme__in=list(schemes)).order_by("effective_from", "id"):
            latest[(rule.scheme_id, rule.code)] = rule
        return _RuleState(user=user, commit=commit, schemes=schemes, by_name=by_name, latest=latest)

    def _scheme(self, row: Row, state: _RuleState):
        if row.values.get("scheme_id"):
            scheme = state.schemes.get(row.values["scheme_id"])
            if scheme is None:
                row.errors.append((self.header_of("scheme_id"), "积分方案不存在或无权修改"))
            return scheme
        if row.values.get("scheme"):
            found = state.by_name.get(row.values["scheme"], [])
            if len(found) == 1:
                return found[0]
            reason = "积分方案不存在或无权修改" if not found else "有多个同名方案，请填写〈方案编号〉"
            row.errors.append((self.header_of("scheme"), reason))
            return None
        row.errors.append((self.header_of("scheme_id"), "须填写方案编号或积分方案"))
        return None

    def _values(self, row: Row, existing: PointRule | None) -> dict[str, Any]:
        values = {n: getattr(existing, n) for n in services.RULE_FIELDS} if existing else {"code": row.get("code")}
        for key in (*RULE_COLUMNS, "evidence_required", "note"):
            if row.has(key):
                value = row.values.get(key)
                values[key] = value if value is not None else ("" if key not in ("allow_fraction",) else False)
        if row.has("evidence_required"):
            values["evidence_required"] = bool(row.values.get("evidence_required"))
        if row.has("cap") and row.values.get("cap") is None:
            values["cap"] = None
        if row.has("chain"):
            chain = chain_of(row.values.get("chain"))
            if chain is None:
                row.errors.append((self.header_of("chain"), "审批环节只能是党小组长、支部书记、乡镇党委"))
            values["chain"] = chain or []
        return values

    def plan(self, rows: list[Row], state: _RuleState) -> None:
        today = timezone.localdate()
        for row in rows:
            if row.errors:
                continue
            scheme = self._scheme(row, state)
            if scheme is None:
                continue
            code = row.get("code", "")
            key = (scheme.pk, code)
            if key in state.seen:
                row.errors.append((self.header_of("code"), f"与第 {state.seen[key]} 行是同一条规则"))
                continue
            state.seen[key] = row.number
            existing = state.latest.get(key)
            values = self._values(row, existing)
            if row.errors:
                continue
            try:
                cleaned = services.validate_rule(values)
            except ValidationError as exc:
                row.errors.extend(validation_errors(self, exc))
                continue
            row.label = f"{scheme.name} {code} {cleaned['name']}"
            row.extra["scheme"] = scheme
            effective_from = row.values.get("effective_from")
            if existing is None:
                row.action = "create"
                row.data = cleaned
                row.extra["effective_from"] = effective_from or today
                continue
            changed = {n: v for n, v in cleaned.items() if n != "code" and getattr(existing, n) != v}
            if not changed:
                row.action = "unchanged"
                continue
            if effective_from is None or effective_from <= existing.effective_from:
                row.errors.append(
                    (
                        self.header_of("effective_from"),
                        f"规则有改动，须填写晚于 {existing.effective_from.isoformat()} 的生效日期"
                        "（自该日起按新规则计分，此前的积分不变）",
                    )
                )
                continue
            if existing.effective_to is not None and existing.effective_to < effective_from:
                row.errors.append((self.header_of("effective_from"), "该规则已经截止，不能再修改"))
                continue
            row.action, row.instance, row.data = "update", existing, changed
            row.extra["effective_from"] = effective_from

    def apply(self, row: Row, state: _RuleState) -> None:
        if row.action == "create":
            row.instance = services.rule_create(
                actor=state.user,
                scheme=row.extra["scheme"],
                data=dict(row.data),
                effective_from=row.extra["effective_from"],
            )
        else:
            row.instance = services.rule_revise(
                actor=state.user, rule=row.instance, data=dict(row.data), effective_from=row.extra["effective_from"]
            )

    def org_of(self, row: Row):
        scheme = row.extra.get("scheme")
        return scheme.org if scheme is not None else None
