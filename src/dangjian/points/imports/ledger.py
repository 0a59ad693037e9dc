"""``point_entries`` (the ledger, manual claims and awards) and ``point_awards`` (the branch's awards,
one row per member); see the package."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from dangjian.core.excel import KEEP, Column, Row, Template, record_id_column, register
from dangjian.core.excel.orgs import OrgLookup, OrgRowsState, chosen_org, org_columns
from dangjian.core.excel.pipeline import validation_errors
from dangjian.core.scoping import get_visible_or_404
from dangjian.core.services import BatchValidationError
from dangjian.members.lookup import member_id_column, name_column
from dangjian.members.models import Member
from dangjian.organizations.models import Organization
from dangjian.points import queries, services
from dangjian.points.imports.common import AUTOMATIC_REFUSED, CATEGORIES, SOURCES, STATUSES, _number
from dangjian.points.models import PointEntry, PointRule, Step
from dangjian.posts.queries import duty_assignments, on_duty

MEMBER_COLUMNS = (
    member_id_column(header="党员编号", aliases=(), help="党员的系统编号；可留空"),
    name_column(key="member_name", aliases=("党员姓名",), example="刘建国"),
)
ORG_COLUMNS = org_columns(code_width=12, name_aliases=("所属党组织", "党支部"), name_help="", name_width=20)
# The columns the ledger and the branch's awards share (their examples and help differ).
RULE_NAME_COLUMN = Column("rule_name", "规则名称", export_only=True, width=20)
DAY_AND_POINTS_COLUMNS = (
    Column("occurred_on", "日期", kind="date", aliases=("发生日期",), required=True, example=dt.date(2026, 5, 1)),
    Column("points", "分值", max_length=12, blank=KEEP, help="留空为规则的分值；扣分也填正数", example="2"),
)


def rule_code_column(example: str) -> Column:
    return Column("rule_code", "规则编码", aliases=("编码",), required=True, max_length=40, example=example, width=14)


def event_column(help: str, example: str) -> Column:
    return Column("event", "事由", aliases=("具体事项",), max_length=200, help=help, example=example, width=24)


def evidence_column(example: str, *, help: str = "") -> Column:
    return Column("evidence", "证明人或依据", aliases=("证明",), max_length=500, help=help, example=example, width=18)


POST_COLUMN = Column(
    "post",
    "岗位",
    aliases=("一编三定岗位", "所在岗位"),
    max_length=100,
    help="当天在岗的一编三定岗位名称，计入该岗位的定评积分；岗位职责类规则留空时自动记入唯一在岗岗位",
    example="政策宣传岗",
    width=14,
)


@dataclass
class _EntryState(OrgRowsState):
    book: services.RuleBook = field(default_factory=services.RuleBook)


def entry_filters(user, params) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """The ledger's filters from GET parameters (as the API's): ``org``, ``member``, ``year``,
    ``status``, ``rule``, ``source``. An organization or member outside the subtree is a 404."""
    filters: dict[str, Any] = {}
    described: dict[str, Any] = {}
    org = chosen_org(params, Organization.objects.visible_to(user))
    if org is not None:
        filters["org"], described["org"] = org, org.pk
    if params.get("member"):
        member = get_visible_or_404(Member.objects.visible_to(user), pk=params["member"])
        filters["member"], described["member"] = member, member.pk
    year = str(params.get("year") or "")
    if year.isdigit() and 2000 <= int(year) <= 2100:
        filters["year"] = described["year"] = int(year)
    for name, allowed in (("status", PointEntry.Status.values), ("source", PointEntry.Source.values)):
        if params.get(name) in allowed:
            filters[name] = described[name] = params[name]
    if params.get("rule"):
        filters["rule"] = described["rule"] = str(params["rule"])[:40]
    return filters, described, org


@register
class EntryTemplate(Template):
    name = "point_entries"
    title = "积分台账"
    object_type = "points.pointentry"
    field_columns = {
        "member": "member_name",
        "members": "member_name",
        "rule": "rule_code",
        "occurred_on": "occurred_on",
        "chain": "rule_code",
        "status": "record_id",
        "assignment": "post",
        "assignments": "post",
    }
    key_help = (
        "每行一条积分记录。导入的行作为党员申报或支部奖扣提交，按规则的审批流程审批（导入人本身承担的环节直接通过），"
        "与在系统中填写相同。带〈条目编号〉的行是已有记录，不会被修改；没有条目编号的行按党员、规则编码和日期识别，"
        "已有相同记录的不再新增，重复导入同一文件不会产生重复记录。参加会议、无故缺席和年度基础分等自动积分由系统根据"
        "会议记录计算，不能导入。党员按〈党员编号〉识别，没有编号时按组织和姓名识别。"
        "〈岗位〉填党员当天在岗（已挂牌）的一编三定岗位名称，该记录计入这个岗位的定评积分；"
        "“岗位职责和任务”类规则留空时，记入党员当天唯一的在岗岗位；“岗位履职”规则必须有在岗岗位。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        record_id_column(header="条目编号"),
        *MEMBER_COLUMNS,
        *ORG_COLUMNS,
        rule_code_column("good-deed"),
        RULE_NAME_COLUMN,
        Column("category", "类别", kind="choice", choices=CATEGORIES, export_only=True, width=12),
        *DAY_AND_POINTS_COLUMNS,
        event_column("新增必填", "帮助邻居抢收小麦"),
        evidence_column("村民李大爷", help="谁能证明，无需截图"),
        POST_COLUMN,
        Column("source", "来源", kind="choice", choices=SOURCES, export_only=True, width=10),
        Column("status", "状态", kind="choice", choices=STATUSES, export_only=True, width=10),
        Column("counted", "计入分值", export_only=True, width=10),
    )

    # --- Export --------------------------------------------------------------------------------------
    def export_queryset(self, user, params):
        filters, described, org = entry_filters(user, params)
        return queries.entry_list(PointEntry.objects.visible_to(user), **filters), described, org

    def _record(self, i: int, e: PointEntry) -> dict[str, Any]:
        try:
            claim = e.claim
        except PointEntry.claim.RelatedObjectDoesNotExist:
            claim = None
        return {
            "seq": i,
            "record_id": e.pk,
            "member_id": e.member_id,
            "member_name": e.member.name,
            "org_code": e.org.code,
            "org_name": e.org.name,
            "rule_code": e.rule.code,
            "rule_name": e.rule.name,
            "category": e.rule.category,
            "occurred_on": e.occurred_on,
            "points": _number(abs(e.requested)),
            "event": claim.event if claim else "",
            "evidence": claim.evidence if claim else "",
            "post": claim.assignment.post.name if claim and claim.assignment_id else "",
            "batch": claim.batch if claim else "",
            "source": e.source_type,
            "status": e.status,
            "counted": _number(e.points),
        }

    def export_records(self, queryset, user):
        for i, e in enumerate(queryset.iterator(chunk_size=2000), start=1):
            yield self._record(i, e)

    # --- Import --------------------------------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> _EntryState:
        return _EntryState(user=user, commit=commit, orgs=OrgLookup(Organization.objects.accepting_members_from(user)))

    def _members(self, rows: list[Row], state: _EntryState) -> tuple[dict, dict]:
        """The members the chunk names, by id and by (organization, name): two queries."""
        writable = Member.objects.writable_by(state.user).current().select_related("org")
        ids = {r.values["member_id"] for r in rows if r.values.get("member_id")}
        by_id = {m.pk: m for m in writable.filter(pk__in=ids)} if ids else {}
        named = {(r.values.get("member_name") or "") for r in rows if not r.values.get("member_id")}
        by_name: dict[tuple[int, str], list] = {}
        if named - {""}:
            for m in writable.filter(name__in=named - {""}):
                by_name.setdefault((m.org_id, m.name), []).append(m)
        return by_id, by_name

    def _member(self, row: Row, state: _EntryState, by_id: dict, by_name: dict):
        name = row.get("member_name", "")
        if row.values.get("member_id"):
            member = by_id.get(row.values["member_id"])
            if member is None:
                row.errors.append((self.header_of("member_id"), "党员不存在或无权限"))
            elif member.name != name:
                row.errors.append((self.header_of("member_name"), f"与党员编号不符（该编号是“{member.name}”）"))
                return None
            return member
        org = state.orgs.resolve(self, row, missing="须填写党员编号，或组织编码（党组织名称）和姓名")
        if org is None:
            return None
        found = by_name.get((org.pk, name), [])
        if len(found) != 1:
            reason = f"{org.name}没有名为“{name}”的党员" if not found else "有同名党员，请填写〈党员编号〉"
            row.errors.append((self.header_of("member_name"), reason))
            return None
        return found[0]

    def _rule(self, row: Row, state: _EntryState, member, day: dt.date) -> PointRule | None:
        code = row.get("rule_code", "")
        scheme = state.book.scheme_for(member.org_path, day)
        found = [
            r
            for r in state.book.rules.values()
            if scheme is not None and r.scheme_id == scheme.pk and r.code == code and r.in_force(day)
        ]
        if not found:
            row.errors.append(
                (self.header_of("rule_code"), f"{member.name}适用的积分方案中没有 {day.isoformat()} 有效的规则“{code}”")
            )
            return None
        rule = found[0]
        if rule.automatic:
            row.errors.append((self.header_of("rule_code"), AUTOMATIC_REFUSED.format(code=code)))
            return None
        return rule

    def _named_post(self, row: Row, member, day: dt.date, duty: dict):
        """The assignment the row's 岗位 names: the member's post of that name (the one on duty that
        day, if the member held it twice). None when blank; an error when the member has no such post."""
        name = row.get("post", "")
        if not name:
            return None
        held = [a for a in duty.get(member.pk, []) if a.post.name == name]
        if not held:
            row.errors.append((self.header_of("post"), f"{member.name}没有已挂牌上岗的“{name}”岗位"))
            return None
        return next((a for a in held if on_duty(a, day)), held[0])

    def plan(self, rows: list[Row], state: _EntryState) -> None:
        state.orgs.load(rows)
        by_id, by_name = self._members(rows, state)
        duty = duty_assignments({m.pk for m in by_id.values()} | {m.pk for ms in by_name.values() for m in ms})
        record_ids = {r.values["record_id"] for r in rows if r.values.get("record_id")}
        recorded = (
            {
                e.pk: e
                for e in PointEntry.objects.visible_to(state.user).select_related("rule").filter(pk__in=record_ids)
            }
            if record_ids
            else {}
        )
        for row in rows:
            if row.errors:
                continue
            member = self._member(row, state, by_id, by_name)
            day = row.values.get("occurred_on")
            if member is None or row.errors:
                continue
            code = row.get("rule_code", "")
            row.label = f"{member.name} {code} {day.isoformat()}"
            if row.values.get("record_id"):
                entry = recorded.get(row.values["record_id"])
                if entry is None or not self._recorded_here(entry):
                    row.errors.append((self.header_of("record_id"), self.record_missing))
                elif (entry.member_id, entry.rule.code, entry.occurred_on) != (member.pk, code, day):
                    row.errors.append(
                        (self.header_of("record_id"), "与该条目的党员、规则或日期不符；已有条目不能通过导入修改")
                    )
                else:
                    row.action, row.instance = "unchanged", entry
                continue
            key = (member.pk, code, day)
            if key in state.seen:
                row.errors.append(("", f"与第 {state.seen[key]} 行是同一条记录"))
                continue
            state.seen[key] = row.number
            rule = self._rule(row, state, member, day)
            if rule is None:
                continue
            codes = [r.pk for r in state.book.rules.values() if r.scheme_id == rule.scheme_id and r.code == code]
            if PointEntry.objects.filter(
                member=member, rule_id__in=codes, occurred_on=day, source_type__in=services.MANUAL
            ).exists():
                row.action = "unchanged"
                continue
            points = row.values.get("points")
            named = self._named_post(row, member, day, duty)
            errors, self_claim = self._proposer_checks(row, state, member, rule, day)
            if row.errors:
                continue
            asked = services.Asked(rule, day, row.get("event", ""), points, row.get("evidence", ""))
            post = {"assignment": named, "duty": duty.get(member.pk, [])}
            _amount, tie = services.validate_claim_fields(
                state.user, member, asked, state.book, errors, self_claim=self_claim, **post
            )
            if errors:
                row.errors.extend(validation_errors(self, ValidationError(errors)))
                continue
            row.action = "create"
            row.data = {
                "rule": rule,
                "event": row.get("event", ""),
                "points": points,
                "evidence": row.get("evidence", ""),
                "assignment": tie,
            }
            row.extra["member"] = member

    # What the award register does differently (see AwardTemplate).
    record_missing = "记录不存在或无权限"

    def _recorded_here(self, entry: PointEntry) -> bool:
        """Whether a row's 条目编号 may name ``entry`` (any entry of the ledger here)."""
        return True

    def _proposer_checks(self, row: Row, state: _EntryState, member, rule: PointRule, day: dt.date):
        """``(errors, self_claim)`` for a new row: whether the importer may propose points for the member."""
        errors: dict[str, str] = {}
        if not services.can_propose_for(state.user, member):
            errors["member"] = f"无权为{member.name}申报积分"
        return errors, member.user_id is not None and member.user_id == getattr(state.user, "pk", None)

    def apply(self, row: Row, state: _EntryState) -> None:
        row.instance = services.claim_propose(
            actor=state.user,
            member=row.extra["member"],
            rule=row.data["rule"],
            occurred_on=row.values["occurred_on"],
            event=row.data["event"],
            points=row.data["points"],
            evidence=row.data["evidence"],
            assignment=row.data["assignment"],
        )

    def org_of(self, row: Row):
        member = row.extra.get("member")
        return member.org if member is not None else None


AWARD_ROWS = 5000


@dataclass
class _Award:
    """The rows of one award (same rule, date and event) planned so far."""

    first: int  # the row number of its first row
    chunk: int
    points: Any
    evidence: str
    rule: PointRule
    paths: set[str] = field(default_factory=set)  # the organizations of its members
    members: int = 0  # rows planned to be written
    before: int = 0  # members of those organizations awarded for the same event earlier (before this file)


@dataclass
class _AwardState(_EntryState):
    chunk: int = 0
    awards: dict[tuple, _Award] = field(default_factory=dict)


@register
class AwardTemplate(EntryTemplate):
    """支部奖扣 — the branch's awards (and deductions), one row per member. Rows with the same rule,
    date and 事由 are one award, written by one ``award_bulk`` call: the same checks, the chain of the
    rule, and the township's confirmation above ``points.bulk_confirm_above`` members, as on the page."""

    name = "point_awards"
    title = "支部奖扣"
    object_type = "points.batch"
    chunk_rows = AWARD_ROWS
    key_help = (
        "每行一名党员。规则编码、日期和事由都相同的行是同一次奖扣（支部对多名党员的同一事项加分或扣分），"
        "按规则的审批流程审批（导入人本身承担的环节直接通过）；"
        "一次奖扣超过规则设置中“批量加分需乡镇党委确认的人数”规定的人数（默认 10 人）时，"
        "还须乡镇党委确认，与在系统中奖扣相同。同一次奖扣各行的分值和证明须相同，"
        f"且须在前后 {AWARD_ROWS} 行之内。带〈条目编号〉的行是已有记录，不会被修改；没有条目编号的行按党员、"
        "规则编码和日期识别，已有相同记录的不再新增，重复导入同一文件不会产生重复记录。"
        "党员按〈党员编号〉识别，没有编号时按组织和姓名识别。〈岗位〉填党员当天在岗（已挂牌）的一编三定岗位名称，"
        "计入该岗位的定评积分；“岗位职责和任务”类规则留空时记入党员当天唯一的在岗岗位；“岗位履职”规则必须有在岗岗位。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        record_id_column(header="条目编号"),
        Column("batch", "奖扣批次", export_only=True, width=12),
        *MEMBER_COLUMNS,
        *ORG_COLUMNS,
        rule_code_column("task"),
        RULE_NAME_COLUMN,
        *DAY_AND_POINTS_COLUMNS,
        event_column("新增必填；规则、日期和事由相同的行是同一次奖扣", "参加防汛值守"),
        evidence_column("村委会值班记录"),
        POST_COLUMN,
        Column("status", "状态", kind="choice", choices=STATUSES, export_only=True, width=10),
        Column("counted", "计入分值", export_only=True, width=10),
    )

    # --- Export --------------------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """The awards of the ledger (not claims, not automatic points) with the ledger's filters; the
        rows of one award are next to each other."""
        filters, described, org = entry_filters(user, params)
        filters["source"] = PointEntry.Source.AWARD
        described.pop("source", None)
        return queries.entry_list(PointEntry.objects.visible_to(user), **filters), described, org

    # --- Import --------------------------------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> _AwardState:
        return _AwardState(user=user, commit=commit, orgs=OrgLookup(Organization.objects.accepting_members_from(user)))

    def _grouped(self, row: Row, state: _AwardState, rule: PointRule, day: dt.date) -> tuple | None:
        """The award the row belongs to; an error when it disagrees with the award's first row."""
        event = row.get("event", "")
        key = (rule.pk, day, event)
        points, evidence = row.values.get("points"), row.get("evidence", "")
        award = state.awards.get(key)
        if award is None:
            state.awards[key] = _Award(row.number, state.chunk, points, evidence, rule)
            return key
        same = f"与第 {award.first} 行是同一次奖扣（规则、日期和事由相同）"
        if award.chunk != state.chunk:
            row.errors.append(("", f"{same}，但相隔超过 {AWARD_ROWS} 行：请把同一次奖扣的行放在一起"))
        elif points != award.points:
            row.errors.append((self.header_of("points"), f"{same}，分值须相同"))
        elif evidence != award.evidence:
            row.errors.append((self.header_of("evidence"), f"{same}，证明人或依据须相同"))
        return None if row.errors else key

    record_missing = "奖扣记录不存在或无权限"

    def _recorded_here(self, entry: PointEntry) -> bool:
        return entry.source_type == PointEntry.Source.AWARD

    def _proposer_checks(self, row: Row, state: _AwardState, member, rule: PointRule, day: dt.date):
        """The row joins its award (an error when it disagrees with the award's first row); whether the
        importer may award the member is the service's check, as on the page."""
        row.extra["award"] = self._grouped(row, state, rule, day)
        return {}, False

    def plan(self, rows: list[Row], state: _AwardState) -> None:
        super().plan(rows, state)
        for row in rows:
            if row.action == "create" and row.extra.get("award") is not None:
                award = state.awards[row.extra["award"]]
                award.members += 1
                award.paths.add(row.extra["member"].org_path)
        # An award's rows are all in this chunk, which is not written yet: count the earlier ones now.
        for (_rule, day, event), award in state.awards.items():
            if award.chunk == state.chunk and award.members:
                award.before = services.awarded_before(award.rule, day, event, award.paths)
        state.chunk += 1

    def notices(self, state: _AwardState) -> list[str]:
        """Each award that will wait for the township's confirmation, as award_bulk will decide it."""
        found = []
        for (_rule, day, event), award in state.awards.items():
            threshold = services.bulk_threshold(day)
            if award.members and award.members + award.before > threshold and Step.TOWNSHIP not in award.rule.chain:
                earlier = f"（连同此前已奖扣的 {award.before} 人）" if award.before else ""
                found.append(
                    f"第 {award.first} 行起的奖扣（{award.rule.code}，{day.isoformat()}，{event}）共 {award.members} 人"
                    f"{earlier}，超过 {threshold} 人，须乡镇党委确认后才计入"
                )
        return found

    def apply_many(self, rows: list[Row], state: _AwardState) -> None:
        """One ``award_bulk`` per award, its rows in file order; an award refused by the service is
        reported on its first row."""
        awards: dict[tuple, list[int]] = {}
        for i, row in enumerate(rows):
            awards.setdefault(row.extra["award"], []).append(i)
        for positions in awards.values():
            first = rows[positions[0]]
            try:
                entries = services.award_bulk(
                    actor=state.user,
                    members=[rows[i].extra["member"] for i in positions],
                    rule=first.data["rule"],
                    occurred_on=first.values["occurred_on"],
                    event=first.data["event"],
                    points=first.data["points"],
                    evidence=first.data["evidence"],
                    assignments=[rows[i].data["assignment"] for i in positions if rows[i].data["assignment"]],
                )
            except ValidationError as exc:
                raise BatchValidationError({positions[0]: exc}) from None
            for i, entry in zip(positions, entries, strict=True):
                rows[i].instance = entry

    def apply(self, row: Row, state: _AwardState) -> None:  # pragma: no cover - apply_many writes
        raise NotImplementedError
