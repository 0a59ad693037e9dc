"""The community's spreadsheets: the register of volunteer service hours (志愿服务时长登记) and the
register of serving members' check-ins (在职党员到社区报到登记).

Service hours: one row per member per activity. A row finds its activity by 活动系统编号 (the record id
of an export), or else by the holding organization, the date and the title; an activity not found is
created (held) with the rows that name it. Rows set the hours of the members they name; members of the
activity not in the file stay (removing someone is done on the activity's page). The rows of one
activity are written by one ``activity_create`` / ``service_record`` call: the same checks, one audit
event and one ``service_changed`` per activity.

Check-ins: one row per check-in, found by member, community and 报到日期. The member is found by ID number
(wherever their organization is: they bring their ID card to the community) and the name must match.

Re-importing an export changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, Sum

from dangjian.community import services
from dangjian.community.models import MAX_HOURS_KEY, MemberCheckIn, ServiceHours, ServiceKind, VolunteerActivity
from dangjian.community.queries import Span, checkin_list, service_list
from dangjian.community.services import ServiceIn
from dangjian.core import parameters
from dangjian.core.excel import KEEP, Choice, Column, Row, Template, fields_of, register
from dangjian.core.excel.keys import find_by_keys
from dangjian.core.excel.orgs import OrgColumns, OrgLookup, OrgRowsState, chosen_org, org_columns
from dangjian.core.excel.pipeline import validation_errors
from dangjian.core.scoping import can_see_full_id
from dangjian.core.services import BatchValidationError
from dangjian.members.lookup import MemberRows, member_columns
from dangjian.members.models import Member
from dangjian.organizations.models import Organization, Sector

KINDS = (
    Choice("policy", "政策宣传", ("政策宣讲", "宣传")),
    Choice("environment", "环境整治", ("环境卫生", "卫生整治")),
    Choice("patrol", "治安巡逻", ("巡逻", "平安巡逻")),
    Choice("care", "助老助残", ("敬老助残", "扶老助残")),
    Choice("culture", "文体活动", ("文化体育",)),
    Choice("other", "其他", ()),
)
TENTH = Decimal("0.1")


MEMBER_COLUMNS = member_columns(name_aliases=("党员姓名", "志愿者姓名"))


class _Members(MemberRows):
    """Finding members by ID number: a wrong name is refused without saying whose number it is."""

    def _member(self, row: Row, found: dict):
        member = found["hash"].get(row.extra.get("hash")) if "hash" in row.extra else None
        name = row.values.get("name")
        if member is not None and name and name != member.name and not self._sees(member):
            row.errors.append((self.header_of("name"), "姓名与身份证号不符"))
            return None
        return super()._member(row, found)

    def _sees(self, member) -> bool:
        return False


def _hours(text) -> Decimal | None:
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value <= 0 or value != value.quantize(TENTH):
        return None
    return value.quantize(TENTH)


# --- 志愿服务时长登记 ------------------------------------------------------------------------------------------
@dataclass
class _ServiceState(OrgRowsState):
    max_hours: dict[dt.date, Decimal] = field(default_factory=dict)
    new: dict[tuple, VolunteerActivity | None] = field(default_factory=dict)  # activities this file creates
    touched: set[int] = field(default_factory=set)  # activities the file names
    day_hours: dict[tuple[int, dt.date], Decimal] = field(default_factory=dict)  # in the file, by member and day


@register
class ServiceHoursTemplate(_Members, OrgColumns, Template):
    name = "service_hours"
    title = "志愿服务时长"
    object_type = "community.servicehours"
    field_columns = {"org": "org_code", "member": "id_number", "service": "hours", "title": "title"}
    key_help = (
        "每行是一名党员参加一次志愿服务活动的时长。活动按〈活动系统编号〉识别，没有编号时按组织、活动日期和活动名称识别；"
        "系统中没有的活动将作为已举办的活动新建。党员按身份证号识别（导出打码时按〈党员系统编号〉核对），"
        "须是该组织当日的党员，或当日已到该社区报到的在职党员。服务时长以小时计，最多一位小数，同一党员一天合计不超过规定上限。"
        "表中未列出的已登记人员保持不变；重复导入同一文件不会产生重复记录。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        Column("activity_id", "活动系统编号", kind="int", blank=KEEP, help="导出时由系统填写；新增活动留空", width=10),
        *org_columns(
            name_header="组织单位",
            name_aliases=("党组织名称", "组织名称", "主办单位", "社区"),
            name_help="举办活动的党组织；填写了组织编码时以编码为准",
            name_example="示例社区党支部",
        ),
        Column(
            "held_on", "活动日期", kind="date", aliases=("服务日期", "日期"), required=True, example=dt.date(2026, 3, 5)
        ),
        Column(
            "title",
            "活动名称",
            aliases=("活动主题", "服务项目"),
            required=True,
            max_length=200,
            example="敬老院志愿服务",
            width=24,
        ),
        Column(
            "kind",
            "活动类型",
            kind="choice",
            choices=KINDS,
            aliases=("服务类型",),
            blank=KEEP,
            help="新增活动时留空为“其他”",
            example="care",
            width=10,
        ),
        Column("place", "活动地点", aliases=("地点",), max_length=100, blank=KEEP, example="社区敬老院", width=16),
        *MEMBER_COLUMNS,
        Column(
            "hours",
            "服务时长（小时）",
            aliases=("服务时长", "时长", "小时数"),
            required=True,
            max_length=8,
            example="2",
            width=10,
        ),
    )

    export_roles = None  # every logged-in user: their members' service, and at their activities

    def check_headers(self, present) -> list[str]:
        return [] if "activity_id" in present else super().check_headers(present)

    def member_candidates(self, user, by: str):
        """Members the user records for, and those checked in to the user's organizations."""
        checked_in = MemberCheckIn.objects.writable_by(user).values("member_id")
        return Member.objects.filter(Q(pk__in=Member.objects.writable_by(user).values("pk")) | Q(pk__in=checked_in))

    # --- Export ------------------------------------------------------------------------------------
    def export_queryset(self, user, params):
        """Service rows visible to the user, of a subtree (``org``; ``side`` activity or member) and year."""
        org = chosen_org(params, Organization.objects.visible_to(user))
        year = params.get("year")
        span = Span.year(int(year)) if year and str(year).isdigit() else None
        side = "activity" if params.get("side") == "activity" else "member"
        if params.get("side") is None and org is not None:
            side = "activity"  # from the activity list: the activities held there
        queryset = service_list(ServiceHours.objects.visible_to(user), org=org, side=side, span=span).select_related(
            "activity__org"
        )
        return (
            queryset.order_by("held_on", "activity_id", "member_id"),
            {"org": org.pk if org else None, "year": year, "side": side},
            org,
        )

    def export_records(self, queryset, user):
        full = can_see_full_id(user)
        for i, r in enumerate(queryset.iterator(chunk_size=2000), start=1):
            a, m = r.activity, r.member
            yield {
                "seq": i,
                "activity_id": a.pk,
                "org_code": a.org.code,
                "org_name": a.org.name,
                **fields_of(a, "held_on", "title", "kind", "place"),
                "member_id": m.pk,
                "name": m.name,
                "id_number": m.id_number if full else m.id_number_masked,
                "hours": str(r.hours),
            }

    # --- Import ------------------------------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> _ServiceState:
        return _ServiceState(
            user=user, commit=commit, orgs=OrgLookup(Organization.objects.accepting_members_from(user))
        )

    def _max(self, state: _ServiceState, day: dt.date) -> Decimal:
        if day not in state.max_hours:
            state.max_hours[day] = Decimal(str(parameters.get(MAX_HOURS_KEY, day)))
        return state.max_hours[day]

    def plan(self, rows: list[Row], state: _ServiceState) -> None:
        ids = {r.values["activity_id"] for r in rows if r.values.get("activity_id")}
        by_id = (
            {
                a.pk: a
                for a in VolunteerActivity.objects.writable_by(state.user).filter(pk__in=ids).select_related("org")
            }
            if ids
            else {}
        )
        state.orgs.load([r for r in rows if not r.values.get("activity_id")])
        found = self._members(rows, state.user)
        keyed: list[tuple[Row, tuple]] = []
        for row in rows:
            if row.errors:
                continue
            activity = None
            if row.values.get("activity_id"):
                activity = by_id.get(row.values["activity_id"])
                if activity is None:
                    row.errors.append((self.header_of("activity_id"), "活动不存在或无权限"))
                    continue
                if activity.held_on != row.values["held_on"] or activity.title != row.values["title"]:
                    row.errors.append((self.header_of("activity_id"), "与系统中该活动的日期或名称不一致"))
                    continue
                org = activity.org
            else:
                org = self.resolve_org(row, state.orgs)
                if org is None:
                    continue
            member = self._member(row, found)
            hours = _hours(row.values["hours"])
            if hours is None:
                row.errors.append((self.header_of("hours"), "应为大于 0 的数字，最多一位小数"))
            elif hours > self._max(state, row.values["held_on"]):
                row.errors.append(
                    (self.header_of("hours"), f"一天最多登记 {self._max(state, row.values['held_on'])} 小时")
                )
            if member is None or row.errors:
                continue
            row.extra.update(org=org, member=member, hours=hours)
            key = ("id", activity.pk) if activity else ("new", org.pk, row.values["held_on"], row.values["title"])
            row.extra["activity"] = activity
            keyed.append((row, key))
        # Activities named without an id: found by organization, date and title (one query).
        wanted = {k for _row, k in keyed if k[0] == "new" and k not in state.new}
        existing = find_by_keys(
            VolunteerActivity.objects.writable_by(state.user).select_related("org"),
            ("org_id", "held_on", "title"),
            (k[1:] for k in wanted),
        )
        stored_pairs = self._stored(keyed, existing, state)
        groups: dict[tuple, list[Row]] = defaultdict(list)
        for row, key in keyed:
            activity = row.extra["activity"]
            if activity is None and key[0] == "new":
                activity = existing.get(key[1:]) or state.new.get(key)
                row.extra["activity"] = activity
            member = row.extra["member"]
            seen_key = (activity.pk if activity else key, member.pk)
            if seen_key in state.seen:
                row.errors.append(("", f"与第 {state.seen[seen_key]} 行是同一活动的同一党员"))
                continue
            state.seen[seen_key] = row.number
            if activity is not None and activity.state != VolunteerActivity.State.HELD:
                row.errors.append((self.header_of("title"), "该活动未举办或已取消，不能登记服务时长"))
                continue
            row.label = f"{member.name}（{row.values['title']}）"
            old = stored_pairs.get((activity.pk, member.pk)) if activity else None
            if old == row.extra["hours"]:
                row.action = "unchanged"
                continue
            row.action = "update" if old is not None else "create"
            row.data = {"hours": row.extra["hours"]}
            groups[("id", activity.pk) if activity else key].append(row)
        for key, group in groups.items():
            self._check_group(key, group, state)
        self._check_days([row for row, _key in keyed if row.action], state)

    def _check_days(self, rows: list[Row], state: _ServiceState) -> None:
        """A member's hours of a day, over the file and the activities it does not name, stay within the
        rule (one query per chunk); the service checks it again when writing."""
        if not rows:
            return
        state.touched.update(r.extra["activity"].pk for r in rows if r.extra["activity"] is not None)
        members = {r.extra["member"].pk for r in rows}
        days = {r.values["held_on"] for r in rows}
        stored = {
            (m, d): h
            for m, d, h in ServiceHours.objects.filter(member_id__in=members, held_on__in=days)
            .exclude(activity_id__in=state.touched)
            .values("member_id", "held_on")
            .annotate(h=Sum("hours"))
            .values_list("member_id", "held_on", "h")
        }
        for row in rows:
            key = (row.extra["member"].pk, row.values["held_on"])
            state.day_hours[key] = state.day_hours.get(key, Decimal(0)) + row.extra["hours"]
            maximum = self._max(state, key[1])
            if stored.get(key, Decimal(0)) + state.day_hours[key] > maximum:
                row.errors.append(
                    (self.header_of("hours"), f"该党员 {key[1].isoformat()} 合计服务时长超过每天 {maximum} 小时")
                )
                row.action = ""

    def _stored(self, keyed, existing, state) -> dict[tuple[int, int], Decimal]:
        """The stored hours of the members the rows name, at the activities they name (one query)."""
        activity_ids = {r.extra["activity"].pk for r, _k in keyed if r.extra["activity"] is not None}
        activity_ids |= {a.pk for a in existing.values()}
        activity_ids |= {a.pk for a in state.new.values() if a is not None}
        if not activity_ids:
            return {}
        members = {r.extra["member"].pk for r, _k in keyed}
        return {
            (a, m): h
            for a, m, h in ServiceHours.objects.filter(activity_id__in=activity_ids, member_id__in=members).values_list(
                "activity_id", "member_id", "hours"
            )
        }

    def _check_group(self, key: tuple, group: list[Row], state: _ServiceState) -> None:
        """Who may be on the sheet of the activity on its day (two queries per activity)."""
        first = group[0]
        org, day = first.extra["org"], first.values["held_on"]
        eligible = services.eligible_members(org, day, [r.extra["member"].pk for r in group])
        for row in group:
            if row.extra["member"].pk not in eligible:
                row.errors.append(
                    (self.header_of("id_number"), f"{day.isoformat()} 不是{org.name}的党员，也未到该组织报到")
                )
                row.action = ""
        if key[0] == "new" and first.extra["activity"] is None and not first.errors:
            state.new.setdefault(key, None)

    def apply_many(self, rows: list[Row], state: _ServiceState) -> None:
        """One service call per activity: a new one with its sheet, or the stored sheet with these rows."""
        groups: dict[Any, list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            activity = row.extra["activity"]
            key = activity.pk if activity else ("new", row.extra["org"].pk, row.values["held_on"], row.values["title"])
            groups[key].append(i)
        for key, positions in groups.items():
            group = [rows[i] for i in positions]
            first = group[0]
            try:
                activity = first.extra["activity"] or state.new.get(key)
                if activity is None:
                    data = {
                        "held_on": first.values["held_on"],
                        "title": first.values["title"],
                        "kind": first.values.get("kind") or ServiceKind.OTHER,
                        "place": first.values.get("place") or "",
                        "state": VolunteerActivity.State.HELD,
                    }
                    activity = services.activity_create(
                        actor=state.user,
                        org=first.extra["org"],
                        data=data,
                        service=[ServiceIn(r.extra["member"].pk, r.extra["hours"]) for r in group],
                    )
                    state.new[key] = activity
                else:
                    sheet = dict(ServiceHours.objects.filter(activity=activity).values_list("member_id", "hours"))
                    sheet.update({r.extra["member"].pk: r.extra["hours"] for r in group})
                    services.service_record(
                        actor=state.user, activity=activity, service=[ServiceIn(m, h) for m, h in sheet.items()]
                    )
            except ValidationError as exc:
                raise BatchValidationError({positions[0]: exc}) from None
            for row in group:
                row.instance = activity


# --- 在职党员到社区报到登记 -----------------------------------------------------------------------------------
OFFERS = KINDS


@register
class CheckInTemplate(_Members, OrgColumns, Template):
    name = "checkins"
    title = "在职党员报到"
    object_type = "community.membercheckin"
    field_columns = {"org": "org_code", "member": "id_number"}
    key_help = (
        "每行一次报到：按身份证号（导出打码时按〈党员系统编号〉核对）、报到社区和报到日期识别。"
        "党员按身份证号查找，姓名须一致；报到社区须是您所管理的社区党组织。已有报到可修改服务意向和备注、补填结束日期。"
        "同一党员同时只能在一个社区报到；重复导入同一文件不会产生重复记录。"
    )
    columns = (
        Column("seq", "序号", kind="seq", width=6),
        *MEMBER_COLUMNS,
        Column("member_org", "所在党组织", export_only=True, width=22),
        *org_columns(
            code_header="报到社区编码",
            code_aliases=("社区组织编码", "组织编码"),
            name_header="报到社区",
            name_aliases=("社区", "报到社区党组织", "社区党组织"),
            name_help="社区党组织名称；填写了编码时以编码为准",
            name_example="示例社区党支部",
        ),
        Column(
            "checked_in_on", "报到日期", kind="date", aliases=("报到时间",), required=True, example=dt.date(2026, 3, 1)
        ),
        Column(
            "offers",
            "服务意向",
            kind="choice",
            choices=OFFERS,
            aliases=("服务项目", "认领岗位"),
            required=True,
            example="care",
            width=12,
        ),
        Column("ended_on", "结束日期", kind="date", aliases=("报到结束日期",), blank=KEEP, help="仍在报到留空"),
        Column("note", "备注", max_length=200, blank=KEEP, width=20),
    )

    export_roles = None  # every logged-in user: the check-ins of their members and to their communities

    def member_candidates(self, user, by: str):
        if by == "hash":  # they bring their ID card: any current member, the name must match
            return Member.objects.filter(left_on__isnull=True)
        checked_in = MemberCheckIn.objects.writable_by(user).values("member_id")
        return Member.objects.filter(Q(pk__in=Member.objects.writable_by(user).values("pk")) | Q(pk__in=checked_in))

    # --- Export ------------------------------------------------------------------------------------
    def export_queryset(self, user, params):
        org = chosen_org(params, Organization.objects.visible_to(user))
        side = params.get("side") if params.get("side") in ("member", "community") else ""
        state = params.get("state") if params.get("state") in ("open", "ended") else ""
        queryset = checkin_list(MemberCheckIn.objects.visible_to(user), org=org, side=side, state=state)
        return (
            queryset.order_by("org_path", "checked_in_on", "id"),
            {"org": org.pk if org else None, "side": side, "state": state},
            org,
        )

    def export_records(self, queryset, user):
        full = can_see_full_id(user)
        for i, c in enumerate(queryset.iterator(chunk_size=2000), start=1):
            m = c.member
            yield {
                "seq": i,
                "member_id": m.pk,
                "name": m.name,
                "id_number": m.id_number if full else m.id_number_masked,
                "member_org": m.org.name,
                "org_code": c.org.code,
                "org_name": c.org.name,
                **fields_of(c, "checked_in_on", "offers", "ended_on", "note"),
            }

    # --- Import ------------------------------------------------------------------------------------
    def begin(self, user, *, commit: bool) -> OrgRowsState:
        communities = Organization.objects.accepting_members_from(user).filter(sector=Sector.COMMUNITY)
        return OrgRowsState(user=user, commit=commit, orgs=OrgLookup(communities))

    def plan(self, rows: list[Row], state: OrgRowsState) -> None:
        keys = [(m.pk, org.pk, row.values["checked_in_on"]) for row, org, m in self.org_member_rows(rows, state)]
        existing = find_by_keys(MemberCheckIn.objects.all(), ("member_id", "org_id", "checked_in_on"), keys)
        for row in rows:
            if row.errors or "org" not in row.extra:
                continue
            key = (row.extra["member"].pk, row.extra["org"].pk, row.values["checked_in_on"])
            if key in state.seen:
                row.errors.append(("", f"与第 {state.seen[key]} 行是同一次报到"))
                continue
            state.seen[key] = row.number
            checkin = existing.get(key)
            if checkin is None:
                self._plan_create(row)
            else:
                self._plan_update(row, checkin)

    def _plan_create(self, row: Row) -> None:
        member, org = row.extra["member"], row.extra["org"]
        data = {
            "checked_in_on": row.values["checked_in_on"],
            "offers": row.values["offers"],
            "note": row.values.get("note") or "",
        }
        errors = services.Errors()
        services.check_checkin(member, org, data, errors)
        ended_on = row.values.get("ended_on")
        if ended_on is not None and ended_on <= data["checked_in_on"]:
            errors.add("ended_on", "结束日期须晚于报到日期")
        if errors:
            row.errors.extend(validation_errors(self, ValidationError(dict(errors))))
            return
        row.action, row.data = "create", {**data, "ended_on": ended_on}

    def _plan_update(self, row: Row, checkin: MemberCheckIn) -> None:
        row.instance = checkin
        data = {}
        if row.values["offers"] != checkin.offers:
            data["offers"] = row.values["offers"]
        note = row.values.get("note")
        if note is not None and note != checkin.note:
            data["note"] = note
        ended_on = row.values.get("ended_on")
        if ended_on is not None and ended_on != checkin.ended_on:
            if checkin.ended_on is not None:
                row.errors.append(
                    (self.header_of("ended_on"), f"与系统中的结束日期（{checkin.ended_on.isoformat()}）不一致")
                )
                return
            data["ended_on"] = ended_on
        if not data:
            row.action = "unchanged"
            return
        row.action, row.data = "update", data

    def apply(self, row: Row, state: OrgRowsState) -> None:
        data = dict(row.data)
        ended_on = data.pop("ended_on", None)
        if row.action == "create":
            row.instance = services.checkin_create(
                actor=state.user, member=row.extra["member"], org=row.extra["org"], data=data
            )
        elif data:
            services.checkin_update(actor=state.user, checkin=row.instance, data=data)
        if ended_on is not None:
            services.checkin_end(actor=state.user, checkin=row.instance, ended_on=ended_on)
