"""The evaluation register (``post_evaluations``, 定评): the yearly rating of each assignment, with
the points of the post's duties shown as input. Every write goes through ``posts.services``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from dangjian.core.excel import KEEP, Choice, Column, Row, Template, fields_of, register
from dangjian.core.excel.orgs import chosen_org
from dangjian.core.scoping import can_see_full_id
from dangjian.members.lookup import MemberRows
from dangjian.members.models import EvaluationRating
from dangjian.organizations.models import Organization
from dangjian.posts import queries, services
from dangjian.posts.imports.columns import (
    BRANCH_NAME_COLUMN,
    NO_RECORD,
    day_errors,
    post_member_columns,
)
from dangjian.posts.models import (
    PostAssignment,
    PostEvaluation,
)
from dangjian.posts.queries import evaluation_list

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
    object_type = PostEvaluation.audit_type
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
        BRANCH_NAME_COLUMN,
        *post_member_columns(),
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

    # --- Export ----------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """The evaluations of a subtree (``org``), a ``year``, a ``rating``, a member's name (``q``)."""
        org = chosen_org(params, Organization.objects.visible_to(user))
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
                **fields_of(e, "year", "rating"),
                "points": None if e.points is None else float(e.points),
                **fields_of(e, "note", "evaluated_on"),
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
        day_errors(self, row, "evaluated_on", day)
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
        row.instance = services.post_evaluation_record(
            actor=state.user,
            assignment=row.extra["assignment"],
            year=row.values["year"],
            rating=row.values["rating"],
            note=row.extra.get("note", data.get("note", "")),
            on=data.get("evaluated_on"),
        )

    def org_of(self, row: Row):
        return row.extra["assignment"].org if "assignment" in row.extra else None
