"""A year of organizational life for the demo district: meetings with attendance, combined
meetings, life meetings with rectification items, democratic life meetings, a few appraisals,
and the gaps that real histories have.

The history covers the twelve months before today's month and the current month up to
yesterday, like the terms of office it is placed relative to ``plan.today``; everything else
comes from its own seeded generator, so the same seed and day always give the same meetings.
Rows are inserted in bulk (``RawInserter``), so the derived columns the services would write —
the month, the attendance counts and quorum, one kind entry per kind — are computed here the
same way (``dangjian.orglife.services._derive``).

Branches differ: most hold nearly everything; some miss a meeting now and then; a few are lax;
and a few stall for several months (the "no meeting for months" that rectification screens for).
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max

from dangjian.core.bulk import RawInserter, reset_sequences
from dangjian.demo.plan import BRANCH, OrgSpec, Plan
from dangjian.organizations.models import Level
from dangjian.orglife import channels, services
from dangjian.orglife.models import (
    Appraisal,
    AppraisalEntry,
    AppraisalFollowUp,
    Attendance,
    LifeMeetingFollowUp,
    Meeting,
    MeetingKindEntry,
)
from dangjian.orglife.periods import month_number
from dangjian.orglife.services import figures

PRESENT, ON_LEAVE, ABSENT = "present", "on_leave", "absent"
LEAVE_REASONS = ("外出务工", "生病住院", "外出学习培训", "因公出差", "照顾家人", "年老体弱行动不便")
TOPICS = {
    "theme_day": (
        "学习贯彻党的二十届四中全会精神",
        "重温入党誓词",
        "“我为群众办实事”志愿服务",
        "学习《中国共产党章程》",
        "人居环境整治义务劳动",
        "学习习近平新时代中国特色社会主义思想",
        "走访慰问困难党员和老党员",
        "党史学习教育",
        "党纪学习教育",
        "安全生产和防汛知识学习",
        "乡村振兴政策宣讲",
        "清明祭扫革命烈士陵园",
    ),
    "general_meeting": (
        "通报季度党费收缴和党务公开情况",
        "讨论接收预备党员",
        "讨论预备党员转正",
        "研究确定入党积极分子",
        "通报支部工作和下一阶段安排",
    ),
    "committee_meeting": (
        "研究部署本月重点工作",
        "研究发展党员工作",
        "研究党员教育管理工作",
        "研究村级重大事项（“四议两公开”）",
        "研究困难党员帮扶",
    ),
    "group_meeting": (
        "学习支部大会精神，分解落实本组任务",
        "组织党员学习党章党规",
        "走访联系群众，收集意见建议",
        "开展谈心谈话",
        "讨论本组党员承诺践诺情况",
    ),
    "party_lecture": (
        "专题党课：坚定理想信念",
        "专题党课：加强作风建设",
        "专题党课：学习新修订的党纪处分条例",
        "专题党课：发挥党员先锋模范作用",
    ),
}
LECTURERS = ("乡镇党委书记", "乡镇党委组织委员", "县委党校教师", "驻村第一书记")
ISSUES = (
    ("理论学习不够深入系统，学用结合不紧", "制定学习计划，每月集中学习不少于1次"),
    ("联系服务群众不够经常", "建立党员联系户制度，每名党员联系3至5户群众"),
    ("发挥先锋模范作用不够明显", "设立党员示范岗，年底进行评议"),
    ("组织生活不够规范，记录不完整", "规范“三会一课”记录，支部书记每月审核"),
    ("发展党员工作滞后，后备力量不足", "每年培养入党积极分子不少于2名"),
    ("党费收缴不够及时", "每季度第一个月集中收缴，按时公示"),
)
DEMOCRATIC_ISSUES = (
    ("调查研究不够深入，解决基层难题办法不多", "班子成员每季度到联系点调研不少于1次"),
    ("落实全面从严治党责任压力传导不够", "每半年专题研究一次党风廉政建设"),
    ("推动乡村振兴的举措不够有力", "制定产业发展三年行动计划"),
)


@dataclass(frozen=True)
class Person:
    """What a meeting needs of a member: the dates that put them on the roster, and their role."""

    id: int
    name: str
    joined_on: dt.date
    full_member_on: dt.date | None
    left_on: dt.date | None
    mobile: bool
    leader: bool

    def on_roster(self, day: dt.date) -> bool:
        return self.joined_on <= day and (self.left_on is None or self.left_on > day)

    def votes(self, day: dt.date) -> bool:
        return self.full_member_on is not None and self.full_member_on <= day


@dataclass
class Counts:
    meetings: int = 0
    attendance: int = 0
    appraisals: int = 0
    rectification_items: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "meetings": self.meetings,
            "attendance": self.attendance,
            "appraisals": self.appraisals,
            "rectification_items": self.rectification_items,
        }


@dataclass
class _Out:
    """Rows waiting to be inserted, flushed in batches."""

    meetings: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    attendance: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)


def _month_start(day: dt.date, back: int) -> dt.date:
    n = day.year * 12 + day.month - 1 - back
    return dt.date(n // 12, n % 12 + 1, 1)


def _day_in(rng: random.Random, year: int, month: int, low: int, high: int) -> dt.date:
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(last, rng.randint(low, high)))


class Writer:
    BATCH = 5000  # attendance rows per flush

    def __init__(self, plan: Plan, people: dict[int, list[Person]], today: dt.date, progress: Callable):
        self.plan = plan
        self.people = people
        self.today = today
        self.rng = random.Random(f"dangjian-demo:{plan.seed}:orglife")
        self.first = _month_start(today, 12)
        self.counts = Counts()
        self.out = _Out()
        self.next_meeting = (Meeting.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        self.meetings_out = RawInserter(Meeting, with_pk=True)
        self.entries_out = RawInserter(MeetingKindEntry, with_pk=False)
        self.attendance_out = RawInserter(Attendance, with_pk=False)
        self.items_out = RawInserter(LifeMeetingFollowUp, with_pk=False)
        self.progress = progress
        self.general_meetings: dict[int, list[tuple[int, dt.date, int]]] = {}  # org → (meeting id, day, present)
        # The demo township shows a branch that has held nothing for four months (what rectification screens for).
        self.quiet = next(
            (
                s.index
                for s in plan.orgs
                if s.level == BRANCH and s.parent is plan.branch.parent and s is not plan.branch and s.size
            ),
            None,
        )

    # --- Writing ---------------------------------------------------------------------------------------
    def flush(self) -> None:
        out = self.out
        self.meetings_out.insert(out.meetings)
        self.entries_out.insert(out.entries)
        self.attendance_out.insert(out.attendance)
        self.items_out.insert(out.items)
        self.counts.meetings += len(out.meetings)
        self.counts.attendance += len(out.attendance)
        self.counts.rectification_items += len(out.items)
        self.out = _Out()

    def meeting(
        self,
        spec: OrgSpec,
        kinds: list[str],
        day: dt.date,
        topic: str,
        sheet: list[tuple[Person, str, str, bool]] | None,
        *,
        team: bool = False,
        state: str = Meeting.State.HELD,
        lecturer: str = "",
        participants: str = "",
        minutes: str = "",
    ) -> int:
        """Queue one meeting with its sheet and kind entries; returns its id."""
        rng = self.rng
        pk, self.next_meeting = self.next_meeting, self.next_meeting + 1
        leaders = [p for p in self.people.get(spec.index, []) if p.leader]
        host = leaders[0].name if leaders else ""
        recorder = leaders[1].name if len(leaders) > 1 else host
        sheet = sheet or []
        present = sum(1 for _p, status, _r, _d in sheet if status == PRESENT)
        on_leave = sum(1 for _p, status, _r, _d in sheet if status == ON_LEAVE)
        if team:
            expected = len(sheet)
            voting = [p for p, _s, _r, _d in sheet if p.votes(day)]
        else:
            roster = [p for p in self.people.get(spec.index, []) if p.on_roster(day)]
            expected = len(roster)
            voting = [p for p in roster if p.votes(day)]
        voting_ids = {p.id for p in voting}
        voting_present = sum(1 for p, status, _r, _d in sheet if status == PRESENT and p.id in voting_ids)
        held = state == Meeting.State.HELD
        start = dt.time(rng.choice((8, 9, 9, 14, 15, 19)), rng.choice((0, 0, 30)))
        self.out.meetings.append(
            {
                "id": pk,
                "org_id": spec.pk,
                "org_path": spec.path,
                "kinds": kinds,
                "state": state,
                "held_on": day,
                "starts_at": start,
                "ends_at": dt.time(start.hour + rng.choice((1, 2)), start.minute),
                "place": rng.choice(("党群服务中心会议室", "党员活动室", "会议室", "村委会议室"))
                if spec.sector == "rural"
                else rng.choice(("党员活动室", "会议室", "党群服务中心")),
                "topic": topic,
                "host": host,
                "recorder": recorder,
                "lecturer": lecturer,
                "participants": participants,
                "minutes": minutes or f"{host}主持会议。{topic}。" if held else "",
                "cancel_reason": "",
                "month": month_number(day),
                "expected": expected if held else 0,
                "present": present if held else 0,
                "on_leave": on_leave if held else 0,
                "absent": expected - present - on_leave if held else 0,
                "voting_expected": len(voting) if held else 0,
                "voting_present": voting_present if held else 0,
                "recorded_by_id": None,
            }
        )
        full_quorum = held and len(voting) > 0 and voting_present * 2 > len(voting)
        majority = held and expected > 0 and present * 2 > expected
        for kind in kinds:
            self.out.entries.append(
                {
                    "org_id": spec.pk,
                    "org_path": spec.path,
                    "meeting_id": pk,
                    "kind": kind,
                    "month": month_number(day),
                    "state": state,
                    "full_quorum": full_quorum,
                    "majority_quorum": majority,
                }
            )
        if held:
            for person, status, reason, dual in sheet:
                self.out.attendance.append(
                    {
                        "meeting_id": pk,
                        "member_id": person.id,
                        "status": status,
                        "reason": reason,
                        "dual_life": dual,
                        "full_member": person.votes(day),
                        "held_on": day,
                    }
                )
        if "general_meeting" in kinds and held:
            self.general_meetings.setdefault(spec.pk, []).append((pk, day, present))
        if len(self.out.attendance) >= self.BATCH:
            self.flush()
        return pk

    # --- Attendance ------------------------------------------------------------------------------------
    def sheet(self, spec: OrgSpec, day: dt.date, people: list[Person], *, turnout: float) -> list:
        rng = self.rng
        dual_possible = spec.sector in ("agency", "institution", "school", "state_enterprise")
        rows = []
        for person in people:
            if not person.on_roster(day):
                continue
            chance = 0.35 if person.mobile else min(0.98, turnout + (0.06 if person.leader else 0))
            r = rng.random()
            if r < chance:
                rows.append((person, PRESENT, "", dual_possible and person.leader and rng.random() < 0.5))
            elif person.mobile or r < chance + (1 - chance) * 0.75:
                reason = "外出务工" if person.mobile else rng.choice(LEAVE_REASONS)
                rows.append((person, ON_LEAVE, reason, False))
            else:
                rows.append((person, ABSENT, "", False))
        return rows

    # --- One branch ------------------------------------------------------------------------------------
    def branch(self, spec: OrgSpec) -> None:
        rng = self.rng
        people = self.people.get(spec.index, [])
        if not people:
            return
        roll = rng.random()
        profile = "steady" if roll < 0.62 else "patchy" if roll < 0.84 else "lax" if roll < 0.94 else "stalled"
        if spec.special == "demo_branch":
            profile = "steady"
        elif spec.index == self.quiet:
            profile = "stalled"
        hold = {"steady": 0.97, "patchy": 0.82, "lax": 0.55, "stalled": 0.9}[profile]
        turnout = {"steady": 0.86, "patchy": 0.8, "lax": 0.7, "stalled": 0.75}[profile]
        stall = set()
        if profile == "stalled":
            # A gap of three to five months ending ``begin`` months ago; the demo township's runs until now.
            begin = 4 if spec.index == self.quiet else rng.randint(2, 8)
            length = begin if spec.index == self.quiet else rng.randint(3, 5)
            stall = {month_number(_month_start(self.today, back)) for back in range(max(0, begin - length), begin)}
        committee = [p for p in people if p.leader]
        has_committee = bool(spec.has_committee) and len(committee) >= 3
        seats = spec.seats  # the recorded committee: who sat on it when (demo.committees)
        theme_day = rng.choice((1, 5, 8, 10, 15, 20, 25))
        today = self.today
        established = spec.established_on or dt.date(1900, 1, 1)
        demo = spec.special == "demo_branch"
        seen: set[tuple[str, int, int]] = set()  # (kind, year, quarter) already held or planned
        for back in range(12, -1, -1):
            start = _month_start(today, back)
            number = month_number(start)
            if number in stall or start < established.replace(day=1):
                continue
            y, m = start.year, start.month
            quarter = (y, (m - 1) // 3)
            quarter_month = (m - 1) % 3  # 0, 1, 2
            current = back == 0  # the current month: future dates become planned meetings
            if not (demo and current):  # the demo secretary still has this month's to hold (see _demo_plans)
                # The theme day: in the quarter's second month it is the general meeting too (usually).
                kinds = ["theme_day"]
                if quarter_month == 1 and rng.random() < 0.75:
                    kinds.append("general_meeting")
                if quarter_month == 0 and rng.random() < 0.45:
                    kinds.append("party_lecture")
                day = _day_in(rng, y, m, max(1, theme_day - 2), theme_day + 2)
                if self._whole(spec, kinds, day, people, hold, turnout, current):
                    seen.update((k, *quarter) for k in kinds)
            if quarter_month == 2:
                for kind in ("general_meeting", "party_lecture"):
                    if (kind, *quarter) not in seen:
                        day = _day_in(rng, y, m, 3, 26)
                        if self._whole(spec, [kind], day, people, hold, turnout, current):
                            seen.add((kind, *quarter))
            if has_committee and not (demo and current):
                day = _day_in(rng, y, m, 2, 9)
                if day < today and rng.random() < hold:
                    if seats:  # the committee of the day: what the quorum is counted against
                        committee = [p for p, begins, ends in seats if begins <= day and (ends is None or day < ends)]
                    sheet = self.sheet(spec, day, committee, turnout=0.93)
                    topic = rng.choice(TOPICS["committee_meeting"])
                    self.meeting(spec, ["committee_meeting"], day, topic, sheet, team=True)
            if m == 1 and rng.random() < hold:  # the year's life meeting, in January or February
                self._life_meeting(spec, y, rng.choice((1, 1, 2)), people, turnout)
        if demo:
            self._demo_plans(spec)

    def _whole(self, spec, kinds, day, people, hold, turnout, planned_ok) -> bool:
        """A meeting of all members (held, or planned when it falls after today); whether one was made."""
        rng = self.rng
        if day >= self.today:
            if planned_ok and rng.random() < 0.3:
                topic, lecturer = self._topic(kinds), self._lecturer(kinds)
                self.meeting(spec, kinds, day, topic, None, state=Meeting.State.PLANNED, lecturer=lecturer)
                return True
            return False
        if rng.random() >= hold:
            return False
        sheet = self.sheet(spec, day, people, turnout=turnout)
        self.meeting(spec, kinds, day, self._topic(kinds), sheet, lecturer=self._lecturer(kinds))
        return True

    def _topic(self, kinds: list[str]) -> str:
        if "party_lecture" in kinds and "theme_day" not in kinds:
            return self.rng.choice(TOPICS["party_lecture"])
        if kinds == ["general_meeting"]:
            return self.rng.choice(TOPICS["general_meeting"])
        return self.rng.choice(TOPICS["theme_day"])

    def _lecturer(self, kinds: list[str]) -> str:
        if "party_lecture" not in kinds:
            return ""
        return self.rng.choice(LECTURERS)

    def _life_meeting(self, spec: OrgSpec, year: int, month: int, people: list[Person], turnout: float) -> None:
        rng = self.rng
        day = _day_in(rng, year, month, 5, 25)
        if day >= self.today:
            return
        sheet = self.sheet(spec, day, people, turnout=min(0.95, turnout + 0.08))
        pk = self.meeting(spec, ["life_meeting"], day, f"{year - 1}年度组织生活会暨民主评议党员", sheet)
        self._items(spec, pk, day, ISSUES)

    def _items(self, spec: OrgSpec, meeting_id: int, day: dt.date, pool) -> None:
        rng = self.rng
        for issue, measure in rng.sample(pool, rng.randint(2, 3)):
            due = day + dt.timedelta(days=rng.choice((60, 90, 120, 180)))
            done = due < self.today and rng.random() < 0.8
            self.out.items.append(
                {
                    "org_id": spec.pk,
                    "org_path": spec.path,
                    "meeting_id": meeting_id,
                    "issue": issue,
                    "measure": measure,
                    "responsible": "支部委员会",
                    "due_on": due,
                    "status": "done" if done else "open",
                    "completed_on": due - dt.timedelta(days=rng.randint(0, 30)) if done else None,
                    "note": "已完成" if done else "",
                }
            )

    def _demo_plans(self, spec: OrgSpec) -> None:
        """The demo secretary's branch has this month's theme day planned for three days from now and
        its committee meeting still to hold: the calendar shows both, and reminders fire near the end."""
        day = self.today + dt.timedelta(days=3)
        self.meeting(spec, ["theme_day"], day, "学习贯彻全会精神主题党日", None, state=Meeting.State.PLANNED)

    # --- Party groups ----------------------------------------------------------------------------------
    def group(self, spec: OrgSpec) -> None:
        """A party group meets most months, its members recorded (the branch's roster is its roster)."""
        rng = self.rng
        people = self.people.get(spec.index, [])
        established = spec.established_on or dt.date(1900, 1, 1)
        for back in range(12, 0, -1):
            start = _month_start(self.today, back)
            if start < established.replace(day=1) or rng.random() > 0.85:
                continue
            day = _day_in(rng, start.year, start.month, 10, 25)
            sheet = self.sheet(spec, day, people, turnout=0.85)
            self.meeting(spec, ["group_meeting"], day, rng.choice(TOPICS["group_meeting"]), sheet, team=True)

    # --- Committees: democratic life meetings ---------------------------------------------------------
    def leadership(self, spec: OrgSpec) -> None:
        rng = self.rng
        for back in range(12, -1, -1):
            start = _month_start(self.today, back)
            if start.month not in (1, 12) or rng.random() < (0.35 if start.month == 1 else 0.8):
                continue
            day = _day_in(rng, start.year, start.month, 10, 28)
            if day >= self.today:
                continue
            people = [p for p in self.people.get(spec.index, []) if p.on_roster(day)]
            sheet = [(p, PRESENT, "", False) for p in people]
            pk = self.meeting(
                spec,
                ["democratic_life_meeting"],
                day,
                f"{day.year if start.month == 12 else day.year - 1}年度领导班子民主生活会",
                sheet,
                team=True,
                participants="班子成员、上级督导组",
            )
            self._items(spec, pk, day, DEMOCRATIC_ISSUES)

    # --- Appraisals ------------------------------------------------------------------------------------
    def appraisals(self, branches: list[OrgSpec]) -> None:
        """A few decided appraisals of last year (the demo branch's among them), with ratings and tallies."""
        rng = self.rng
        year = self.today.year - 1
        chosen = [s for s in branches if s.special == "demo_branch"]
        chosen += [s for s in branches if s.special != "demo_branch" and rng.random() < 0.06]
        appraisals_out, entries_out = [], []
        decided = dt.date(year, 12, 28)
        for spec in chosen:
            people = [p for p in self.people.get(spec.index, []) if p.on_roster(decided)]
            if len(people) < 3:
                continue
            votes = [g for g in self.general_meetings.get(spec.pk, []) if g[1].year == year]
            meeting_id, _day, voters = votes[-1] if votes else (None, None, len(people))
            voters = max(voters, 1)
            appraisals_out.append(
                Appraisal(
                    org_id=spec.pk,
                    org_path=spec.path,
                    year=year,
                    state=Appraisal.State.DECIDED,
                    meeting_id=meeting_id,
                    voters=None if meeting_id else voters,
                    decided_on=decided,
                )
            )
            limit = len(people) * 334 // 1000
            order = list(people)
            rng.shuffle(order)
            ratings = {}
            for i, person in enumerate(order):
                r = rng.random()
                if i < limit and r < 0.8:
                    ratings[person.id] = "excellent"
                elif r < 0.015:
                    ratings[person.id] = "unqualified"
                elif r < 0.05:
                    ratings[person.id] = "basically_qualified"
                else:
                    ratings[person.id] = "qualified"
            entries_out.append((spec, people, ratings, voters))
        if not appraisals_out:
            return
        Appraisal.objects.bulk_create(appraisals_out, batch_size=500)
        rows = []
        for appraisal, (_spec, people, ratings, voters) in zip(appraisals_out, entries_out, strict=True):
            for person in people:
                rating = ratings[person.id]
                main = rng.randint(max(0, voters - 3), voters)
                split = {"excellent": 0, "qualified": 0, "basically_qualified": 0, "unqualified": 0}
                split[rating] = main
                split["qualified" if rating != "qualified" else "excellent"] += voters - main
                rows.append(
                    AppraisalEntry(
                        appraisal_id=appraisal.pk,
                        member_id=person.id,
                        self_assessment="能够认真学习，按时参加组织生活，按期交纳党费。",
                        peer_assessment="群众基础较好。"
                        if rating in ("excellent", "qualified")
                        else "参加组织生活不够经常。",
                        votes_excellent=split["excellent"],
                        votes_qualified=split["qualified"],
                        votes_basically_qualified=split["basically_qualified"],
                        votes_unqualified=split["unqualified"],
                        rating=rating,
                    )
                )
        AppraisalEntry.objects.bulk_create(rows, batch_size=1000)
        unqualified = AppraisalEntry.objects.filter(appraisal__in=appraisals_out, rating="unqualified")
        AppraisalFollowUp.objects.bulk_create(
            [AppraisalFollowUp(entry=e, measure="correct", due_on=dt.date(year + 1, 6, 30)) for e in unqualified]
        )
        self.counts.appraisals += len(appraisals_out)


def write(plan: Plan, people: dict[int, list[Person]], today: dt.date, progress: Callable) -> Counts:
    """Write the year of meetings for every organization of the plan; return what was written."""
    writer = Writer(plan, people, today, progress)
    bar = progress("meetings", len(plan.orgs))
    branches = []
    for spec in plan.orgs:
        if spec.dissolved_on is None:
            if spec.level == BRANCH:
                writer.branch(spec)
                branches.append(spec)
            elif spec.level in (Level.COMMITTEE, Level.WORKING_COMMITTEE):
                writer.leadership(spec)
        bar.update(1)
    for spec in plan.groups:
        writer.group(spec)
    writer.flush()
    bar.close()
    writer.appraisals(branches)
    reset_sequences(Meeting)
    # The meetings were written in bulk: the compliance figures of their years, as the services keep them.
    for day in Meeting.objects.dates("held_on", "year"):
        figures.rebuild_year(day.year)
    # What the daily job would have written today: the secretaries' inboxes show what is due soon.
    # (The outbound channel is not used by the demo.)
    services.reminders_send(on=today, channel=channels.MemoryChannel())
    return writer.counts
