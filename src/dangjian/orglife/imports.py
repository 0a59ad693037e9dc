"""The meeting register's spreadsheet: historical records in, the filtered meeting list out.

A row is one meeting. It finds its record by 系统编号 (the record id of an export), or else by
organization, date and topic, so re-importing a file changes nothing. Attendance is written as
names from the organization's roster on the meeting's date: 请假人员 as ``姓名（原因）``, 缺席人员
as names; where two members of the roster share a name, an item names its member by 党员系统编号 or
身份证号, alone or after the name (``张强【1024】``, ``张强【410102…】``), and a bare ambiguous name
is refused with both candidates' numbers (ID numbers masked). The export writes the number after
every name its organization shares. 出席人员 may be left empty for a meeting of all members
(everyone else on the roster was present) but not for a committee or group meeting. Every row is written through
``meeting_create`` / ``meeting_update``: the same checks and audit as the form.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404

from dangjian.core import crypto
from dangjian.core.excel import KEEP, Choice, Column, Row, Template, fields_of, record_id_column, register
from dangjian.core.excel.orgs import OrgColumns, OrgLookup, OrgRowsState, org_columns
from dangjian.core.excel.pipeline import validation_errors
from dangjian.members.models import Member
from dangjian.members.queries import roster
from dangjian.organizations.models import Organization
from dangjian.orglife import queries, services
from dangjian.orglife.forms import MeetingFilterForm
from dangjian.orglife.models import TEAM, Attendance, Meeting, MeetingKind
from dangjian.orglife.services import AttendanceIn

KIND_NAMES = {
    MeetingKind.GENERAL_MEETING: ("支部党员大会", "党员大会", "支部大会"),
    MeetingKind.COMMITTEE_MEETING: ("支委会", "支部委员会", "支部委员会会议", "支委会议"),
    MeetingKind.GROUP_MEETING: ("党小组会", "党小组会议"),
    MeetingKind.PARTY_LECTURE: ("党课",),
    MeetingKind.THEME_DAY: ("主题党日", "主题党日活动"),
    MeetingKind.LIFE_MEETING: ("组织生活会",),
    MeetingKind.DEMOCRATIC_LIFE_MEETING: ("民主生活会",),
}
STATES = (Choice("held", "已召开", ("召开", "已开")), Choice("planned", "计划", ("计划召开", "未召开")))
SEPARATORS = re.compile(r"[、,，;；/\s]+")
LEAVE_ITEM = re.compile(r"^(?P<name>[^（(]+)\s*(?:[（(](?P<reason>[^）)]*)[）)])?$")
TIME = re.compile(r"^(\d{1,2})[:：](\d{2})$")
# "张强", "张强【1024】", "张强[410102198506010011]", "1024" or an ID number alone.
MEMBER_ITEM = re.compile(r"^(?P<name>[^【\[]*?)\s*(?:[【\[]\s*(?P<ref>[0-9A-Za-z]+)\s*[】\]])?$")
BARE_REF = re.compile(r"^(?:\d{1,12}|\d{17}[\dXx]|\d{15})$")


def kind_of(text: str) -> str | None:
    for code, names in KIND_NAMES.items():
        if text in names or text == code:
            return code
    return None


def split_names(text: str | None) -> list[str]:
    return [part for part in SEPARATORS.split(text or "") if part]


def split_leave(text: str | None) -> list[str]:
    """``张三（外出务工）、李四(生病)`` → items, keeping the reasons (which may contain spaces)."""
    return [part.strip() for part in re.split(r"[、,，;；]+", text or "") if part.strip()]


def parse_time(text: str | None) -> dt.time | None:
    if not text:
        return None
    if isinstance(text, dt.time):
        return text
    match = TIME.match(str(text).strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(text)
    return dt.time(int(match.group(1)), int(match.group(2)))


def parse_member_item(item: str) -> tuple[str, str]:
    """``张强【1024】`` → ``("张强", "1024")``; ``1024`` → ``("", "1024")``; ``张强`` → ``("张强", "")``."""
    item = item.strip()
    if BARE_REF.match(item):
        return "", item
    match = MEMBER_ITEM.match(item)
    if match is None:
        return item, ""
    return match.group("name").strip(), (match.group("ref") or "").upper()


def shared_names(org_id: int) -> set[str]:
    """Names two members of an organization share: one query."""
    rows = Member.objects.filter(org_id=org_id).values("name").annotate(n=Count("id")).filter(n__gt=1)
    return {r["name"] for r in rows}


def _repeated(names) -> set[str]:
    seen: set[str] = set()
    repeated = set()
    for name in names:
        (repeated if name in seen else seen).add(name)
    return repeated


def find_by_ref(members, ref: str):
    """The member of ``members`` whose 党员系统编号 (a number) or 身份证号 (15 or 18 characters) is ``ref``."""
    if len(ref) in (15, 18):
        digest = crypto.blind_index(ref)
        return next((m for m in members if m.id_number_hash == digest), None)
    if ref.isdigit():
        return next((m for m in members if m.pk == int(ref)), None)
    return None


@register
class MeetingTemplate(OrgColumns, Template):
    name = "meetings"
    title = "会议记录"
    object_type = "orglife.meeting"
    field_columns = {"org": "org_code", "attendance": "present", "kinds": "kinds"}
    key_help = (
        "已有会议按〈系统编号〉识别，没有系统编号时按组织、会议日期和会议主题识别，重复导入同一文件不会产生重复记录。"
        "一次会议可记为多种类型（如“主题党日、支部党员大会”），分别计入各项要求。"
        "出席、请假、缺席人员须是该组织当日名册中的党员；请假人员写作“姓名（原因）”。"
        "名册中有同名党员时，在姓名后注明党员系统编号或身份证号，如“张三【1024】”（导出时自动注明）。"
        "党员大会、党课、主题党日等全体党员参加的会议可不填出席人员（名册中其余党员均视为出席）；支委会、党小组会须填写出席人员。"
        "同一组织同一天已有计划召开的同类会议时，导入的已召开会议即登记在该计划上，不另建记录；"
        "已有同类会议记录时该行不导入，除非〈确认重复〉填“是”。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        record_id_column(help="导出时由系统填写；新增会议留空"),
        *org_columns(name_aliases=("所属党组织", "党支部", "组织名称")),
        Column(
            "kinds",
            "会议类型",
            aliases=("会议类别", "类型"),
            required=True,
            max_length=100,
            help="支部党员大会、支委会、党小组会、党课、主题党日、组织生活会、民主生活会；多种用顿号分隔",
            example="主题党日、支部党员大会",
            width=22,
        ),
        Column(
            "state", "状态", kind="choice", choices=STATES, blank=KEEP, help="留空为已召开", example="held", width=8
        ),
        Column(
            "held_on",
            "会议日期",
            kind="date",
            aliases=("日期", "召开日期", "时间"),
            required=True,
            example=dt.date(2026, 3, 5),
        ),
        Column("starts_at", "开始时间", max_length=5, blank=KEEP, help="如 09:00", example="09:00", width=8),
        Column("ends_at", "结束时间", max_length=5, blank=KEEP, help="如 11:00", example="11:00", width=8),
        Column("place", "会议地点", aliases=("地点",), max_length=100, example="村党群服务中心", width=18),
        Column(
            "topic",
            "会议主题",
            aliases=("主题", "会议内容"),
            required=True,
            max_length=200,
            example="学习党的二十届四中全会精神",
            width=28,
        ),
        Column("host", "主持人", max_length=64, example="刘建国", width=10),
        Column("recorder", "记录人", max_length=64, example="陈晓红", width=10),
        Column("lecturer", "授课人", aliases=("讲课人",), max_length=64, help="党课必填", width=10),
        Column("participants", "列席人员", aliases=("其他参会人员",), max_length=300, width=16),
        Column(
            "present",
            "出席人员",
            aliases=("参会人员", "实到人员"),
            help="姓名用顿号分隔；同名党员在姓名后注明党员系统编号，如“张三【1024】”；全体党员参加的会议可留空",
            width=30,
        ),
        Column("on_leave", "请假人员", help="姓名（原因），用顿号分隔", example="孙海（外出务工）", width=24),
        Column("absent", "缺席人员", help="姓名用顿号分隔", width=16),
        Column(
            "dual", "双重组织生活领导干部", aliases=("领导干部",), help="以普通党员身份参加的领导干部姓名", width=16
        ),
        Column("minutes", "会议纪要", aliases=("会议记录", "纪要"), width=40),
        Column(
            "confirm_duplicate",
            "确认重复",
            kind="bool",
            aliases=("确认另一次会议",),
            blank=KEEP,
            help="同一组织同一天已有同类会议时，确属另一次会议填“是”",
            example=False,
            width=8,
        ),
    )

    # --- Export ----------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """Exactly the meeting list page's filters, over ``Meeting.objects.visible_to(user)``."""
        form = MeetingFilterForm(params or None, orgs=Organization.objects.visible_to(user))
        filters = form.cleaned_data if form.is_valid() else {}
        if params.get("org") and not filters.get("org"):
            raise Http404
        queryset = queries.meeting_list(
            Meeting.objects.visible_to(user),
            org=filters.get("org"),
            kind=filters.get("kind") or "",
            state=filters.get("state") or "",
            year=filters.get("year"),
            month=filters.get("month"),
        ).prefetch_related("attendance__member")
        described = {k: (v.pk if isinstance(v, Organization) else v) for k, v in filters.items() if v}
        return queryset, described, filters.get("org")

    def export_records(self, queryset, user):
        labels = {code: names[0] for code, names in KIND_NAMES.items()}
        shared: dict[int, set[str]] = {}  # per organization: the names two of its members share
        for i, m in enumerate(queryset.iterator(chunk_size=500), start=1):
            rows = sorted(m.attendance.all(), key=lambda a: (a.member.name_pinyin, a.member_id))
            if m.org_id not in shared:
                shared[m.org_id] = shared_names(m.org_id)
            names = shared[m.org_id] | _repeated(a.member.name for a in rows)

            def named(member, names=names) -> str:
                return f"{member.name}【{member.pk}】" if member.name in names else member.name

            yield {
                "seq": i,
                "record_id": m.pk,
                "org_code": m.org.code,
                "org_name": m.org.name,
                "kinds": "、".join(labels[k] for k in m.kinds),
                "state": m.state if m.state != Meeting.State.CANCELLED else None,
                "held_on": m.held_on,
                "starts_at": m.starts_at.strftime("%H:%M") if m.starts_at else None,
                "ends_at": m.ends_at.strftime("%H:%M") if m.ends_at else None,
                **fields_of(m, "place", "topic", "host", "recorder", "lecturer", "participants"),
                "present": "、".join(named(a.member) for a in rows if a.status == Attendance.Status.PRESENT),
                "on_leave": "、".join(
                    f"{named(a.member)}（{a.reason}）" for a in rows if a.status == Attendance.Status.ON_LEAVE
                ),
                "absent": "、".join(named(a.member) for a in rows if a.status == Attendance.Status.ABSENT),
                "dual": "、".join(named(a.member) for a in rows if a.dual_life),
                "minutes": m.minutes,
            }

    # --- Import ----------------------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> OrgRowsState:
        # Rows name their organization by code or full name; only those the user may write to exist.
        return OrgRowsState(user=user, commit=commit, orgs=OrgLookup(Organization.objects.accepting_members_from(user)))

    def _kinds(self, row: Row) -> list[str]:
        kinds = []
        for text in split_names(row.values.get("kinds")):
            code = kind_of(text)
            if code is None:
                row.errors.append((self.header_of("kinds"), f"无法识别的会议类型“{text}”"))
            elif code not in kinds:
                kinds.append(code)
        return kinds

    def _sheet(self, row: Row, org: Organization, held_on: dt.date, kinds: list[str], instance) -> list[AttendanceIn]:
        """The attendance sheet from the name columns, against the roster of that day."""
        members = roster(org, held_on)
        if instance is not None:
            known = {m.pk for m in members}
            members += [a.member for a in instance.attendance.select_related("member") if a.member_id not in known]
        by_name: dict[str, list] = {}
        for member in members:
            by_name.setdefault(member.name, []).append(member)
        on_roster = f"不在{org.name} {held_on.isoformat()} 的名册中"

        def find(item: str, column: str):
            name, ref = parse_member_item(item)
            if ref:
                member = find_by_ref(members, ref)
                if member is None:
                    row.errors.append((self.header_of(column), f"编号“{ref}”{on_roster}"))
                elif name and member.name != name:
                    row.errors.append((self.header_of(column), f"编号“{ref}”是“{member.name}”，不是“{name}”"))
                    return None
                return member
            found = by_name.get(name, [])
            if not found:
                row.errors.append((self.header_of(column), f"“{name}”{on_roster}"))
                return None
            if len(found) > 1:
                candidates = "、".join(f"{name}【{m.pk}】（身份证号 {m.id_number_masked}）" for m in found)
                row.errors.append(
                    (
                        self.header_of(column),
                        f"名册中有同名党员：{candidates}，请在姓名后注明党员系统编号，如“{name}【{found[0].pk}】”",
                    )
                )
                return None
            return found[0]

        sheet: dict[int, AttendanceIn] = {}

        def put(member, status: str, reason: str = "", column: str = "") -> None:
            if member.pk in sheet:
                row.errors.append((self.header_of(column), f"“{member.name}”重复出现"))
                return
            sheet[member.pk] = AttendanceIn(member.pk, status, reason)

        for item in split_leave(row.values.get("on_leave")):
            match = LEAVE_ITEM.match(item)
            if not match:
                row.errors.append((self.header_of("on_leave"), f"“{item}”应写作 姓名（原因）"))
                continue
            reason = (match.group("reason") or "").strip()
            if not reason:
                row.errors.append(
                    (self.header_of("on_leave"), f"请假须注明原因，如“{match.group('name').strip()}（外出务工）”")
                )
                continue
            member = find(match.group("name").strip(), "on_leave")
            if member is not None:
                put(member, Attendance.Status.ON_LEAVE, reason, "on_leave")
        for name in split_names(row.values.get("absent")):
            member = find(name, "absent")
            if member is not None:
                put(member, Attendance.Status.ABSENT, column="absent")
        listed = split_names(row.values.get("present"))
        if listed:
            for name in listed:
                member = find(name, "present")
                if member is not None:
                    put(member, Attendance.Status.PRESENT, column="present")
        elif set(kinds) & TEAM:
            row.errors.append((self.header_of("present"), "支委会、党小组会、民主生活会须填写出席人员"))
        else:
            for member in roster(org, held_on):
                sheet.setdefault(member.pk, AttendanceIn(member.pk, Attendance.Status.PRESENT))
        for name in split_names(row.values.get("dual")):
            member = find(name, "dual")
            if member is None:
                continue
            current = sheet.get(member.pk)
            if current is None or current.status != Attendance.Status.PRESENT:
                row.errors.append((self.header_of("dual"), f"“{name}”须同时列为出席人员"))
                continue
            sheet[member.pk] = AttendanceIn(member.pk, current.status, current.reason, True)
        return list(sheet.values())

    def _data(self, row: Row, kinds: list[str]) -> dict[str, Any]:
        data: dict[str, Any] = {"kinds": kinds, "held_on": row.values.get("held_on"), "topic": row.get("topic", "")}
        data["state"] = row.values.get("state") or Meeting.State.HELD
        for key in ("place", "host", "recorder", "lecturer", "participants", "minutes"):
            if row.has(key):
                data[key] = row.get(key, "")
        for key in ("starts_at", "ends_at"):
            if row.has(key):
                try:
                    data[key] = parse_time(row.values.get(key))
                except ValueError:
                    row.errors.append((self.header_of(key), "应为 时:分，如 09:00"))
        return data

    def plan(self, rows: list[Row], state: OrgRowsState) -> None:
        state.orgs.load(rows)
        record_ids = {r.values["record_id"] for r in rows if r.values.get("record_id")}
        writable = Meeting.objects.writable_by(state.user).exclude(state=Meeting.State.CANCELLED)
        by_id = {m.pk: m for m in writable.select_related("org").filter(pk__in=record_ids)} if record_ids else {}
        for row in rows:
            if row.errors:
                continue
            org = self.resolve_org(row, state.orgs)
            kinds = self._kinds(row)
            if org is None or row.errors:
                continue
            data = self._data(row, kinds)
            held_on = data["held_on"]
            row.label = f"{held_on.isoformat()} {data['topic']}"
            instance = None
            if row.values.get("record_id"):
                instance = by_id.get(row.values["record_id"])
                if instance is None or instance.org_id != org.pk:
                    row.errors.append((self.header_of("record_id"), "记录不存在或无权限"))
                    continue
            else:
                instance = writable.filter(org=org, held_on=held_on, topic=data["topic"]).select_related("org").first()
                if instance is None:
                    instance = self._planned(row, state, org, data, writable)
            key = ("meeting", instance.pk) if instance else ("new", org.pk, held_on, data["topic"])
            if key in state.seen:
                row.errors.append(("", f"与第 {state.seen[key]} 行是同一次会议"))
                continue
            state.seen[key] = row.number
            sheet = self._sheet(row, org, held_on, kinds, instance) if data["state"] == Meeting.State.HELD else []
            if data["state"] == Meeting.State.PLANNED and any(
                row.values.get(k) for k in ("present", "on_leave", "absent", "dual")
            ):
                row.errors.append((self.header_of("present"), "计划召开的会议不填写出席情况"))
            if row.errors:
                continue
            try:
                services.validate_meeting(org, data, sheet, instance=instance)
            except ValidationError as exc:
                row.errors.extend(validation_errors(self, exc))
                continue
            if instance is None and (double := self._double(row, state, org, data)):
                row.errors.append((self.header_of("confirm_duplicate"), double))
                continue
            for kind in kinds:  # a later row of the same kind, organization and day is a double record
                state.seen.setdefault(("kind", org.pk, held_on, kind), row.number)
            row.extra["org"], row.extra["sheet"] = org, sheet
            if instance is None:
                row.action, row.data = "create", data
                continue
            row.instance = instance
            changed = {k: v for k, v in data.items() if getattr(instance, k) != v}
            stored = {a.member_id: (a.status, a.reason, a.dual_life) for a in instance.attendance.all()}
            wanted = {s.member_id: (s.status, s.reason.strip(), s.dual_life) for s in sheet}
            if not changed and stored == wanted:
                row.action = "unchanged"
                continue
            if stored != wanted:
                row.extra["sheet_changed"] = True
            row.action, row.data = "update", changed

    # --- No double records (issue 14): complete the planned meeting, ask before a second one -------------
    def _planned(self, row: Row, state: OrgRowsState, org, data: dict[str, Any], writable):
        """The planned meeting a new held row completes: of one of its kinds, its organization and day, not
        already taken by an earlier row; None when the row confirms (〈确认重复〉 = 是) a second meeting."""
        if data["state"] != Meeting.State.HELD or row.values.get("confirm_duplicate"):
            return None
        for meeting in services.same_day_meetings(org, data["kinds"], data["held_on"]):
            if meeting.state == Meeting.State.PLANNED and ("meeting", meeting.pk) not in state.seen:
                return writable.select_related("org").filter(pk=meeting.pk).first()
        return None

    def _double(self, row: Row, state: OrgRowsState, org, data: dict[str, Any]) -> str:
        """Why a new row would be a second meeting of a kind its organization has that day (recorded, or in
        an earlier row of the file); empty when it is not, or when the row confirms it."""
        if row.values.get("confirm_duplicate"):
            return ""
        kinds, held_on = data["kinds"], data["held_on"]
        ask = "如确属同一天的另一次会议，请在〈确认重复〉列填“是”"
        existing = services.same_day_meetings(org, kinds, held_on)
        if existing:
            labels = "、".join(KIND_NAMES[k][0] for k in kinds if k in existing[0].kinds)
            state_label = existing[0].get_state_display()
            return f"{org.name}已登记{held_on.isoformat()}的{labels}（“{existing[0].topic}”，{state_label}），{ask}"
        earlier = [state.seen[k] for k in (("kind", org.pk, held_on, kind) for kind in kinds) if k in state.seen]
        return f"与第 {min(earlier)} 行是同一组织同一天的同类会议，{ask}" if earlier else ""

    def apply(self, row: Row, state: OrgRowsState) -> None:
        if row.action == "create":
            row.instance = services.meeting_create(
                actor=state.user, org=row.extra["org"], data=dict(row.data), attendance=row.extra["sheet"]
            )
        else:
            services.meeting_update(
                actor=state.user,
                meeting=row.instance,
                data=dict(row.data),
                attendance=row.extra["sheet"]
                if row.instance.state == Meeting.State.HELD or row.data.get("state") == Meeting.State.HELD
                else None,
                expected_version=row.instance.version,
            )
