"""Community volunteer service for the demo district since 1 January of last year: most serving
members of agencies, schools and enterprises checked in to a community (双报到), and every community
holding one to three volunteer activities a month, served by its own members and by those checked in.

Deterministic from the seed (its own generator). Rows are inserted in bulk (``core.bulk``), so what the
services would copy onto each service row — the member's organization path, the activity's path and
day — is computed here the same way (``dangjian.community.services._write_sheet``), and the sheets obey
the services' rules: a member of the community on that day or checked in to it that day, 1–4 hours.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Max

from dangjian.community.models import SERVING_SECTORS, MemberCheckIn, ServiceHours, VolunteerActivity
from dangjian.core import bulk
from dangjian.core.bulk import reset_sequences
from dangjian.demo.plan import MonthlyWriter, Plan

CHECKED_IN_SHARE = 0.82  # of the serving members, checked in to a community
ENDED_SHARE = 0.05  # of those, whose check-in has ended (moved house, retired)
OUTSIDE_SHARE = 0.35  # of an activity's volunteers, drawn from those checked in (when there are)
HOURS = tuple(Decimal(h) for h in ("1", "1.5", "2", "2", "2.5", "3", "3", "4"))
ACTIVITIES = {
    "policy": ("政策宣讲进小区", "反诈宣传进楼栋", "垃圾分类宣传", "医保政策宣传", "文明城市创建宣传"),
    "environment": ("小区环境卫生整治", "楼道杂物清理", "“洁净家园”义务劳动", "背街小巷清扫", "绿地补植"),
    "patrol": ("平安巡逻", "夜间治安巡逻", "防溺水巡查", "消防安全隐患排查", "节日值守巡逻"),
    "care": ("走访慰问独居老人", "敬老院志愿服务", "助残帮扶上门服务", "为老人义务理发", "关爱留守儿童"),
    "culture": ("社区文艺汇演", "广场舞展演服务", "全民健身日志愿服务", "读书分享会", "社区运动会"),
    "other": ("义诊服务", "便民维修服务", "献血志愿服务", "考场外爱心送考", "防汛值守"),
}
PLACES = ("社区党群服务中心", "小区广场", "社区敬老院", "辖区主干道", "社区文化活动室", "小区门岗")
OFFERS = ("policy", "environment", "patrol", "care", "culture", "other")


class Writer(MonthlyWriter):
    stream = "community"

    def __init__(self, plan: Plan, first: dt.date):
        super().__init__(plan, first)
        self.next_activity = (VolunteerActivity.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        self.communities = [
            spec
            for spec in plan.orgs
            if spec.pk is not None and spec.dissolved_on is None and any(u.kind == "community" for u in spec.units)
        ]
        self.checkins: list[dict] = []
        self.activities: list[dict] = []
        self.rows: list[tuple] = []
        # community index → [(person, member's path, checked in on, first day no longer)]
        self.visitors: dict[int, list[tuple]] = {c.index: [] for c in self.communities}

    def check_in(self) -> None:
        """Most serving members check in to a community, some time before or during the period."""
        rng, plan = self.rng, self.plan
        if not self.communities:
            return
        earliest = self.first - dt.timedelta(days=730)
        span = (self.last - earliest).days
        for spec in plan.orgs:
            if spec.sector not in SERVING_SECTORS or spec.pk is None:
                continue
            for person in plan.people.get(spec.index, ()):
                if person.left_on is not None or rng.random() >= CHECKED_IN_SHARE:
                    continue
                day = earliest + dt.timedelta(days=int(span * rng.random() ** 1.6))  # most checked in early
                day = max(day, person.joined_on)
                if day > self.last:
                    continue
                community = rng.choice(self.communities)
                ended = None
                if rng.random() < ENDED_SHARE and (self.last - day).days > 60:
                    ended = day + dt.timedelta(days=rng.randint(30, (self.last - day).days))
                self.checkins.append(
                    {
                        "org_id": community.pk,
                        "org_path": community.path,
                        "member_id": person.id,
                        "checked_in_on": day,
                        "ended_on": ended,
                        "offers": rng.choice(OFFERS),
                        "note": "",
                        "recorded_by_id": None,
                    }
                )
                self.visitors[community.index].append((person, spec.path, day, ended))

    def hold(self) -> None:
        """One to three activities a month per community, each with 5–30 volunteers."""
        rng, plan = self.rng, self.plan
        for community in self.communities:
            own = [
                (person, org.path)
                for org in plan.orgs[community.index : community.end]
                for person in plan.people.get(org.index, ())
            ]
            visitors = self.visitors[community.index]
            for year, month in self.months():
                days = sorted(rng.sample(range(3, 28), rng.randint(1, 3)))
                for d in days:
                    day = dt.date(year, month, d)
                    if day > self.last:
                        continue
                    self.activity(community, day, own, visitors)

    def activity(self, community, day: dt.date, own, visitors) -> None:
        rng = self.rng
        kind = rng.choice(OFFERS)
        pk, self.next_activity = self.next_activity, self.next_activity + 1
        self.activities.append(
            {
                "id": pk,
                "org_id": community.pk,
                "org_path": community.path,
                "held_on": day,
                "title": rng.choice(ACTIVITIES[kind]),
                "kind": kind,
                "place": rng.choice(PLACES),
                "state": VolunteerActivity.State.HELD,
                "note": "",
                "cancel_reason": "",
                "recorded_by_id": None,
            }
        )
        size = rng.randint(5, 30)
        here = [(p, path) for p, path in own if p.on_roster(day)]
        visiting = [
            (p, path)
            for p, path, start, end in visitors
            if start <= day and (end is None or day < end) and p.on_roster(day)
        ]
        outside = min(len(visiting), round(size * OUTSIDE_SHARE)) if visiting else 0
        sheet = rng.sample(visiting, outside) + rng.sample(here, min(len(here), size - outside))
        iso = day.isoformat()
        seen = set()
        for person, path in sheet:
            if person.id in seen:
                continue
            seen.add(person.id)
            self.rows.append((pk, person.id, rng.choice(HOURS), path, community.path, iso))

    def flush(self) -> dict[str, int]:
        bulk.RawInserter(MemberCheckIn, with_pk=False).insert(self.checkins)
        bulk.RawInserter(VolunteerActivity, with_pk=True).insert(self.activities)
        fields = ("activity_id", "member_id", "hours", "org_path", "activity_path", "held_on")
        with bulk.without_cycle_collection():
            bulk.insert(ServiceHours, fields, self.rows)
        return {
            "member_checkins": len(self.checkins),
            "volunteer_activities": len(self.activities),
            "service_hours": len(self.rows),
        }


def write(plan: Plan, first: dt.date) -> dict[str, int]:
    """Write the district's check-ins and volunteer service since ``first``; return what was written."""
    writer = Writer(plan, first)
    writer.check_in()
    writer.hold()
    counts = writer.flush()
    reset_sequences(VolunteerActivity)
    return counts
