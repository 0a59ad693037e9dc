"""The training attendance register (培训签到表): one row per attendance, in and out.

A row names the programme by its organizing organization (code or name) and name — the programme
must exist — and the session by its date and topic (课题): a session not yet recorded is created
as held with the hours (学时) of its rows. The member is found by ID number (or, when an export
masked it, by 党员系统编号), among the members the user may write to; they must be members of the
organizing organization's subtree on the records that day. Rows add to a session's sheet or change
a member's line; they never remove anyone, so a file may hold part of a sheet, and re-importing an
export changes nothing. Each session's rows of a chunk are written by one service call
(``session_create`` / ``session_record_attendance``): the same checks and audit as the form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from dangjian.core import tree
from dangjian.core.excel import KEEP, Choice, Column, Row, Template, fields_of, record_id_column, register
from dangjian.core.excel.keys import find_by_keys
from dangjian.core.excel.orgs import OrgColumns, OrgLookup, OrgRowsState, org_columns
from dangjian.core.excel.pipeline import validation_errors
from dangjian.core.scoping import can_see_full_id, get_visible_or_404
from dangjian.core.services import BatchValidationError
from dangjian.members.lookup import MemberRows, member_columns
from dangjian.members.queries import members_within_on
from dangjian.organizations.models import Organization
from dangjian.training import services
from dangjian.training.models import Programme, ProgrammeKind, Session, SessionAttendance
from dangjian.training.queries import programme_list
from dangjian.training.services import AttendanceIn

STATUSES = (
    Choice("present", "出席", ("参加", "参训", "到", "已参加", "√")),
    Choice("on_leave", "请假", ("请假未参加",)),
    Choice("absent", "缺席", ("未参加", "缺勤")),
)
SESSION_COLUMNS = ("hours", "speaker", "venue")
# A programme is named by its organizing organization and its name, in both registers.
PROGRAMME_COLUMNS = (
    *org_columns(
        code_header="主办组织编码",
        code_aliases=("组织编码",),
        name_header="主办党组织",
        name_aliases=("主办单位", "党组织名称", "主办组织"),
        name_example="示例镇党委",
        name_width=20,
    ),
    Column(
        "programme",
        "培训班名称",
        aliases=("培训班", "培训名称", "项目名称"),
        required=True,
        max_length=100,
        example="2026年党员冬训班",
        width=22,
    ),
)


@dataclass
class _State(OrgRowsState):
    # Sessions planned for creation in this run (a dry run cannot find them in the database):
    # key → the hours, speaker and venue of the first row that named it.
    new_sessions: dict[tuple, dict[str, Any]] = field(default_factory=dict)


def _hours(value) -> Decimal | None:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return hours if hours.is_finite() else None


@register
class TrainingAttendanceTemplate(MemberRows, OrgColumns, Template):
    name = "training_attendance"
    title = "培训签到表"
    object_type = "training.session"
    field_columns = {"org": "org_code", "attendance": "status", "member": "id_number"}
    key_help = (
        "每行一名党员参加一期培训的情况。培训班须已在系统中建立（在页面新建，或先导入〈培训班〉表），"
        "按〈主办组织编码〉（或主办党组织）和〈培训班名称〉识别；"
        "期次按〈期次日期〉和〈课题〉识别，系统中没有的期次按已举办新建，学时等取自该期次的第一行。"
        "党员按〈身份证号〉识别（导出打码时按〈党员系统编号〉核对），须是主办组织及其下级组织当日在册的党员。"
        "导入只增加或修改签到情况，不删除签到表中未列出的党员；重复导入同一文件不会产生重复记录。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        *PROGRAMME_COLUMNS,
        Column(
            "held_on",
            "期次日期",
            kind="date",
            aliases=("培训日期", "日期"),
            required=True,
            example=dt.date(2026, 1, 15),
        ),
        Column(
            "title",
            "课题",
            aliases=("培训内容", "主题", "课程"),
            required=True,
            max_length=200,
            example="学习党的二十届四中全会精神",
            width=28,
        ),
        Column(
            "hours",
            "学时",
            aliases=("课时", "学时数"),
            required=True,
            help="大于0，最多24，保留一位小数",
            example="2",
            width=8,
        ),
        Column("speaker", "主讲人", aliases=("授课人",), max_length=64, blank=KEEP, example="刘建国", width=10),
        Column("venue", "地点", aliases=("培训地点",), max_length=100, blank=KEEP, example="镇党校", width=14),
        *member_columns(),
        Column(
            "status",
            "参训情况",
            kind="choice",
            choices=STATUSES,
            aliases=("签到情况", "出勤情况"),
            required=True,
            example="present",
            width=10,
        ),
        Column("reason", "请假事由", aliases=("请假原因", "原因"), max_length=100, help="请假必填", width=16),
    )

    # --- Export ----------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """The sheets of the held sessions the user's subtree organized (of ``org`` and below;
        ``programme``: of one programme; ``year``)."""
        org = None
        queryset = SessionAttendance.objects.writable_by(user).filter(session__state=Session.State.HELD)
        if params.get("org"):
            org = get_visible_or_404(Organization.objects.visible_to(user), pk=params["org"])
            queryset = queryset.filter(tree.subtree_q("session_path", org.path))
        described: dict[str, Any] = {"org": org.pk if org else None}
        if params.get("programme"):
            programme = get_visible_or_404(Programme.objects.visible_to(user), pk=params["programme"])
            queryset = queryset.filter(session__programme=programme)
            described["programme"] = programme.pk
        if str(params.get("year") or "").isdigit():
            year = int(params["year"])
            queryset = queryset.filter(held_on__gte=dt.date(year, 1, 1), held_on__lte=dt.date(year, 12, 31))
            described["year"] = year
        queryset = queryset.select_related("session__programme__org", "member").order_by(
            "held_on", "session_id", "member__name_pinyin", "member_id"
        )
        return queryset, described, org

    def export_records(self, queryset, user):
        full = can_see_full_id(user)
        for i, a in enumerate(queryset.iterator(chunk_size=2000), start=1):
            session, member = a.session, a.member
            yield {
                "seq": i,
                "org_code": session.programme.org.code,
                "org_name": session.programme.org.name,
                "programme": session.programme.name,
                **fields_of(session, "held_on", "title"),
                "hours": str(session.hours),
                **fields_of(session, "speaker", "venue"),
                "member_id": member.pk,
                "name": member.name,
                "id_number": member.id_number if full else member.id_number_masked,
                **fields_of(a, "status", "reason"),
            }

    # --- Import ----------------------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> _State:
        return _State(user=user, commit=commit, orgs=OrgLookup(Organization.objects.accepting_members_from(user)))

    def _programmes(self, rows: list[Row], state: _State) -> dict[tuple[int, str], Programme]:
        wanted = {(r.extra["org"].pk, r.values["programme"]) for r in rows if "org" in r.extra}
        programmes = Programme.objects.writable_by(state.user).select_related("org").order_by("id")
        return find_by_keys(programmes, ("org_id", "name"), wanted)

    def _sessions(self, rows: list[Row]) -> dict[tuple[int, dt.date, str], Session]:
        wanted = {
            (r.extra["programme"].pk, r.values["held_on"], r.values["title"]) for r in rows if "programme" in r.extra
        }
        sessions = Session.objects.exclude(state=Session.State.CANCELLED).select_related("programme__org")
        return find_by_keys(sessions, ("programme_id", "held_on", "title"), wanted)

    def _eligible(self, rows: list[Row]) -> set[tuple[int, dt.date, int]]:
        """(programme, day, member) of the rows whose member is on the records in the programme's
        subtree that day: one query per programme and day of the chunk."""
        groups: dict[tuple[int, dt.date], tuple[Programme, set[int]]] = {}
        for r in rows:
            if "member" in r.extra and "programme" in r.extra:
                key = (r.extra["programme"].pk, r.values["held_on"])
                groups.setdefault(key, (r.extra["programme"], set()))[1].add(r.extra["member"].pk)
        found = set()
        for (programme_id, day), (programme, ids) in groups.items():
            for member_id in members_within_on(programme.org_path, day).filter(pk__in=ids).values_list("pk", flat=True):
                found.add((programme_id, day, member_id))
        return found

    def plan(self, rows: list[Row], state: _State) -> None:
        self.org_member_rows(rows, state)  # the rows found keep their organization and member
        programmes = self._programmes(rows, state)
        for row in rows:
            if row.errors or "org" not in row.extra:
                continue
            programme = programmes.get((row.extra["org"].pk, row.values["programme"]))
            if programme is None:
                row.errors.append(
                    (self.header_of("programme"), "培训班不存在或无权限，请先在系统中建立培训班或导入〈培训班〉表")
                )
                continue
            row.extra["programme"] = programme
        sessions = self._sessions(rows)
        eligible = self._eligible(rows)
        stored = self._stored(sessions.values(), rows)
        for row in rows:
            if row.errors or "programme" not in row.extra:
                continue
            self._plan_row(row, state, sessions, eligible, stored)

    def _stored(self, sessions, rows) -> dict[tuple[int, int], tuple[str, str]]:
        ids = {s.pk for s in sessions}
        members = {r.extra["member"].pk for r in rows if "member" in r.extra}
        if not ids or not members:
            return {}
        return {
            (session_id, member_id): (status, reason)
            for session_id, member_id, status, reason in SessionAttendance.objects.filter(
                session_id__in=ids, member_id__in=members
            ).values_list("session_id", "member_id", "status", "reason")
        }

    def _plan_row(self, row: Row, state: _State, sessions, eligible, stored) -> None:
        programme, member = row.extra["programme"], row.extra["member"]
        held_on, title = row.values["held_on"], row.values["title"]
        hours = _hours(row.values["hours"])
        if hours is None:
            row.errors.append((self.header_of("hours"), "应为数字，如 2 或 1.5"))
            return
        key = (programme.pk, held_on, title)
        row.label = f"{member.name} · {programme.name} {held_on.isoformat()} {title}"
        seen_key = (*key, member.pk)
        if seen_key in state.seen:
            row.errors.append(("", f"与第 {state.seen[seen_key]} 行是同一党员的同一期次"))
            return
        state.seen[seen_key] = row.number
        status, reason = row.values["status"], (row.values.get("reason") or "").strip()
        if status == SessionAttendance.Status.ON_LEAVE and not reason:
            row.errors.append((self.header_of("reason"), "请假须填写请假事由"))
        if status == SessionAttendance.Status.PRESENT:
            reason = ""
        session = sessions.get(key)
        wanted = {"hours": hours, "speaker": row.values.get("speaker"), "venue": row.values.get("venue")}
        if session is not None and session.state != Session.State.HELD:
            row.errors.append((self.header_of("held_on"), "该期次在系统中为计划举办，请先在系统中记为已举办"))
            return
        if session is not None:
            for name in SESSION_COLUMNS:
                value = wanted[name]
                if value not in (None, "") and value != getattr(session, name):
                    row.errors.append(
                        (
                            self.header_of(name),
                            f"与系统中该期次的{self.header_of(name)}（{getattr(session, name)}）不一致",
                        )
                    )
        elif key in state.new_sessions:
            first = state.new_sessions[key]
            if hours != first["hours"]:
                row.errors.append((self.header_of("hours"), f"与同一期次前面各行的学时（{first['hours']}）不一致"))
        else:
            data = {"held_on": held_on, "title": title, "hours": hours, "state": Session.State.HELD}
            data.update({k: wanted[k] or "" for k in ("speaker", "venue")})
            try:
                services.validate_session(programme, data)
            except ValidationError as exc:
                row.errors.extend(validation_errors(self, exc))
                return
            state.new_sessions[key] = data
        on_sheet = session is not None and (session.pk, member.pk) in stored
        if not on_sheet and (programme.pk, held_on, member.pk) not in eligible:
            row.errors.append(
                (self.header_of("id_number"), f"不是{programme.org.name}及其下级组织 {held_on.isoformat()} 在册的党员")
            )
        if row.errors:
            return
        row.extra["key"], row.extra["session"] = key, session
        row.extra["line"] = AttendanceIn(member.pk, status, reason)
        if session is None:
            row.action, row.data = "create", {"status": status}
        elif not on_sheet:
            row.action, row.data = "create", {"status": status}
        elif stored[(session.pk, member.pk)] != (status, reason):
            row.action, row.data = "update", {"status": status, "reason": reason}
        else:
            row.action = "unchanged"

    def apply_many(self, rows: list[Row], state: _State) -> None:
        """One service call per session of the chunk."""
        groups: dict[tuple, list[int]] = {}
        for i, row in enumerate(rows):
            groups.setdefault(row.extra["key"], []).append(i)
        for key, indexes in groups.items():
            first = rows[indexes[0]]
            lines = [rows[i].extra["line"] for i in indexes]
            try:
                session = (
                    first.extra["session"]
                    or Session.objects.filter(programme_id=key[0], held_on=key[1], title=key[2])
                    .exclude(state=Session.State.CANCELLED)
                    .first()
                )
                if session is None:
                    data = dict(state.new_sessions[key])
                    services.session_create(
                        actor=state.user, programme=first.extra["programme"], data=data, attendance=lines
                    )
                else:
                    sheet = {
                        m: AttendanceIn(m, s, r)
                        for m, s, r in SessionAttendance.objects.filter(session=session).values_list(
                            "member_id", "status", "reason"
                        )
                    }
                    sheet.update({line.member_id: line for line in lines})
                    services.session_record_attendance(
                        actor=state.user, session=session, attendance=list(sheet.values())
                    )
            except ValidationError as exc:
                raise BatchValidationError({indexes[0]: exc}) from None


KINDS = (
    Choice(ProgrammeKind.LECTURE_SERIES, "大讲堂", ("讲堂", "系列讲座")),
    Choice(ProgrammeKind.COURSE, "培训班", ("培训", "轮训班", "冬训班")),
    Choice(ProgrammeKind.STUDY_TRIP, "现场教学", ("参观学习", "实地教学")),
)


@register
class TrainingProgrammeTemplate(OrgColumns, Template):
    """The programmes register (培训班): one row per programme, so that a programme can be set up from
    a file before its sign-in sheets (培训签到表) are imported. A row finds its programme by 系统编号
    (the id of an export), or else by organizing organization and name; re-importing an export
    changes nothing. Written through ``programme_create`` / ``programme_update``."""

    name = "training_programmes"
    title = "培训班"
    object_type = "training.programme"
    field_columns = {"org": "org_code", "name": "programme", "starts_on": "starts_on", "ends_on": "ends_on"}
    key_help = (
        "每行一个培训班（大讲堂、培训班或现场教学）。已有培训班按〈系统编号〉识别，没有系统编号时按主办组织和培训班名称识别，"
        "重复导入同一文件不会产生重复记录。培训班建立后即可导入其培训签到表。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        record_id_column(help="导出时由系统填写；新增培训班留空"),
        *PROGRAMME_COLUMNS,
        Column("kind", "类型", kind="choice", choices=KINDS, aliases=("培训类型",), required=True, example="course"),
        Column("starts_on", "开始日期", kind="date", aliases=("开班日期",), required=True, example=dt.date(2026, 1, 5)),
        Column("ends_on", "结束日期", kind="date", aliases=("结业日期",), help="可留空", example=dt.date(2026, 2, 28)),
        Column(
            "audience", "培训对象", aliases=("参训对象",), max_length=200, blank=KEEP, example="全镇农村党员", width=20
        ),
        Column("note", "备注", max_length=500, blank=KEEP, width=24),
    )

    # --- Export ----------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """The programmes of the user's subtree (of ``org`` and below; ``year``: running that year)."""
        org = None
        if params.get("org"):
            org = get_visible_or_404(Organization.objects.visible_to(user), pk=params["org"])
        year = int(params["year"]) if str(params.get("year") or "").isdigit() else None
        queryset = programme_list(Programme.objects.visible_to(user), org=org, year=year).order_by("starts_on", "id")
        return queryset, {"org": org.pk if org else None, **({"year": year} if year else {})}, org

    def export_records(self, queryset, user):
        for i, p in enumerate(queryset.iterator(chunk_size=500), start=1):
            yield {
                "seq": i,
                "record_id": p.pk,
                "org_code": p.org.code,
                "org_name": p.org.name,
                "programme": p.name,
                **fields_of(p, "kind", "starts_on", "ends_on", "audience", "note"),
            }

    # --- Import ----------------------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> OrgRowsState:
        orgs = Organization.objects.accepting_members_from(user).filter(dissolved_on__isnull=True)
        return OrgRowsState(user=user, commit=commit, orgs=OrgLookup(orgs))

    def plan(self, rows: list[Row], state: OrgRowsState) -> None:
        state.orgs.load(rows)
        writable = Programme.objects.writable_by(state.user).select_related("org")
        record_ids = {r.values["record_id"] for r in rows if r.values.get("record_id")}
        by_id = {p.pk: p for p in writable.filter(pk__in=record_ids)} if record_ids else {}
        for row in rows:
            org = None if row.errors else self.resolve_org(row, state.orgs)
            if org is None:
                continue
            data = {"name": row.values["programme"], "kind": row.values["kind"], "starts_on": row.values["starts_on"]}
            if row.has("ends_on"):
                data["ends_on"] = row.values.get("ends_on")
            data.update({k: row.get(k, "") for k in ("audience", "note") if row.has(k)})
            row.label = f"{org.name} {data['name']}"
            if row.values.get("record_id"):
                instance = by_id.get(row.values["record_id"])
                if instance is None or instance.org_id != org.pk:
                    row.errors.append((self.header_of("record_id"), "记录不存在或无权限"))
                    continue
            else:
                instance = writable.filter(org=org, name=data["name"]).order_by("id").first()
            key = ("programme", instance.pk) if instance else ("new", org.pk, data["name"])
            if key in state.seen:
                row.errors.append(("", f"与第 {state.seen[key]} 行是同一个培训班"))
                continue
            state.seen[key] = row.number
            changed = data if instance is None else {k: v for k, v in data.items() if getattr(instance, k) != v}
            try:
                services.validate_programme(org, dict(changed), instance)
            except ValidationError as exc:
                row.errors.extend(validation_errors(self, exc))
                continue
            row.extra["org"] = org
            if instance is None:
                row.action, row.data = "create", data
            elif changed:
                row.action, row.instance, row.data = "update", instance, changed
            else:
                row.action, row.instance = "unchanged", instance

    def apply(self, row: Row, state: OrgRowsState) -> None:
        if row.action == "create":
            row.instance = services.programme_create(actor=state.user, org=row.extra["org"], data=dict(row.data))
        else:
            services.programme_update(
                actor=state.user, programme=row.instance, data=dict(row.data), expected_version=row.instance.version
            )
