"""Training for the demo district since 1 January of last year: the district's monthly lecture
series (区委大讲堂, a few hundred members from across the district at each), every township's
course (2–4 sessions a year for a share of its members), and study trips of the demo township and
the district.

Deterministic from the seed (its own generator). Rows are inserted in bulk (``core.bulk``), so what
the services would copy onto each attendance row — the member's organization path, the session's
path, day and hours, whether it counts — and the session's counts are computed here the same way
(``dangjian.training.services._rows``).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Max

from dangjian.core import bulk
from dangjian.core.bulk import reset_sequences
from dangjian.demo.plan import MonthlyWriter, Plan
from dangjian.organizations.models import Level
from dangjian.training.models import Programme, Session, SessionAttendance

PRESENT, ON_LEAVE, ABSENT = "present", "on_leave", "absent"
LEAVE_REASONS = ("外出务工", "生病住院", "因公出差", "照顾家人", "年老体弱行动不便", "参加其他会议")
LECTURE_TOPICS = (
    "学习贯彻党的二十届四中全会精神",
    "新质生产力与县域经济发展",
    "全面从严治党永远在路上",
    "铸牢中华民族共同体意识",
    "乡村全面振兴的实践路径",
    "党纪学习教育专题辅导",
    "习近平文化思想学习辅导",
    "基层治理现代化的探索",
    "安全生产与应急管理",
    "生态文明建设与绿色发展",
    "党的创新理论学习辅导",
    "优化营商环境专题讲座",
)
SPEAKERS = (
    "市委党校教授",
    "县委党校副校长",
    "区委宣讲团成员",
    "省委讲师团专家",
    "区委组织部部长",
    "大学马克思主义学院教授",
)
COURSE_TOPICS = (
    "党章党规党纪学习",
    "党员冬训：形势政策教育",
    "农村实用技术培训",
    "“三会一课”规范化建设",
    "党员先锋模范作用发挥",
    "基层党务工作实务",
    "移风易俗与乡风文明",
    "电商助农技能培训",
)
TRIPS = (
    ("红旗渠精神教育基地", "红旗渠干部学院"),
    ("焦裕禄纪念园", "兰考焦裕禄干部学院"),
    ("大别山革命老区", "新县干部学院"),
)
LECTURE_SHEET = 350  # members listed at a lecture of the district
COURSE_SHARE = 0.5  # of a township's members on each session's sheet
COURSE_CAP = 1200


def _day(rng: random.Random, year: int, month: int) -> dt.date:
    return dt.date(year, month, rng.randint(5, 26))


class Writer(MonthlyWriter):
    stream = "training"

    def __init__(self, plan: Plan, first: dt.date):
        super().__init__(plan, first)
        self.next_programme = (Programme.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        self.next_session = (Session.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        self.programmes: list[dict] = []
        self.sessions: list[dict] = []
        self.rows: list[tuple] = []
        # Everyone who ever belonged to an organization of the plan, with its path.
        self.people = [(person, spec.path) for spec in plan.orgs for person in plan.people.get(spec.index, ())]

    def programme(self, spec, name: str, kind: str, starts_on: dt.date, audience: str) -> int:
        pk, self.next_programme = self.next_programme, self.next_programme + 1
        self.programmes.append(
            {
                "id": pk,
                "org_id": spec.pk,
                "org_path": spec.path,
                "name": name,
                "kind": kind,
                "starts_on": starts_on,
                "ends_on": None,
                "audience": audience,
                "note": "",
            }
        )
        return pk

    def session(
        self,
        programme_id: int,
        spec,
        day: dt.date,
        title: str,
        speaker: str,
        hours: Decimal,
        venue: str,
        sheet,
        state: str = Session.State.HELD,
    ):
        """Queue one session with its sheet ``[(person, path)]`` (held: most present, some on leave;
        planned: no sheet)."""
        rng = self.rng
        pk, self.next_session = self.next_session, self.next_session + 1
        counts = {PRESENT: 0, ON_LEAVE: 0, ABSENT: 0}
        seen = set()
        iso = day.isoformat()
        for person, path in sheet:
            if person.id in seen or not person.on_roster(day):
                continue
            seen.add(person.id)
            draw = rng.random()
            status = PRESENT if draw < 0.88 else ON_LEAVE if draw < 0.96 else ABSENT
            reason = rng.choice(LEAVE_REASONS) if status == ON_LEAVE else ""
            counts[status] += 1
            self.rows.append((pk, person.id, status, reason, path, spec.path, iso, hours, True))
        self.sessions.append(
            {
                "id": pk,
                "org_id": spec.pk,
                "org_path": spec.path,
                "programme_id": programme_id,
                "held_on": day,
                "title": title,
                "speaker": speaker,
                "hours": hours,
                "venue": venue,
                "state": state,
                "cancel_reason": "",
                "present": counts[PRESENT],
                "on_leave": counts[ON_LEAVE],
                "absent": counts[ABSENT],
                "recorded_by_id": None,
            }
        )

    # --- What the district and the townships hold ----------------------------------------------------
    def lectures(self) -> None:
        root, rng = self.plan.root, self.rng
        pk = self.programme(root, "区委大讲堂", "lecture_series", self.first, "全区党员干部")
        for n, (year, month) in enumerate(self.months()):
            day = _day(rng, year, month)
            if day > self.last:
                continue
            on_roster = [p for p in self.people if p[0].on_roster(day)]
            sheet = rng.sample(on_roster, min(LECTURE_SHEET, len(on_roster)))
            title = f"第{n + 1}期：{LECTURE_TOPICS[n % len(LECTURE_TOPICS)]}"
            self.session(pk, root, day, title, rng.choice(SPEAKERS), Decimal("2.5"), "区委党校报告厅", sheet)
        # The next lecture is announced: planned for the 15th of next month, no sheet yet.
        n = sum(1 for s in self.sessions if s["programme_id"] == pk)
        month = self.plan.today.replace(day=1) + dt.timedelta(days=32)
        title = f"第{n + 1}期：{LECTURE_TOPICS[n % len(LECTURE_TOPICS)]}"
        planned = Session.State.PLANNED
        self.session(pk, root, month.replace(day=15), title, SPEAKERS[0], Decimal("2.5"), "区委党校报告厅", [], planned)

    def courses(self) -> None:
        rng, plan = self.rng, self.plan
        for spec in plan.root.children:
            if spec.pk is None or spec.dissolved_on is not None:
                continue
            if spec.level not in (Level.COMMITTEE, Level.WORKING_COMMITTEE):
                continue
            members = [
                (person, org.path)
                for org in plan.orgs[spec.index : spec.end]
                for person in plan.people.get(org.index, ())
            ]
            if not members:
                continue
            for year in range(self.first.year, self.last.year + 1):
                starts_on = dt.date(year, 1, 1)
                pk = self.programme(spec, f"{year}年{spec.name}党员培训班", "course", starts_on, "全体党员")
                months = sorted(rng.sample(range(1, 13), rng.randint(2, 4)))
                for i, month in enumerate(months):
                    day = _day(rng, year, month)
                    if day > self.last:
                        continue
                    on_roster = [p for p in members if p[0].on_roster(day)]
                    size = min(COURSE_CAP, int(len(on_roster) * COURSE_SHARE))
                    sheet = rng.sample(on_roster, size)
                    title = f"第{i + 1}讲：{rng.choice(COURSE_TOPICS)}"
                    hours = Decimal(rng.choice(("2", "3", "4")))
                    self.session(pk, spec, day, title, "乡镇党委书记", hours, f"{spec.name}党校", sheet)

    def trips(self) -> None:
        rng, plan = self.rng, self.plan
        for n, spec in enumerate((plan.township, plan.root)):
            place, venue = TRIPS[n % len(TRIPS)]
            year = self.last.year if n == 0 else self.first.year
            day = dt.date(year, 5, 18) if n == 0 else dt.date(year, 9, 12)
            if day > self.last or day < self.first:
                continue
            pk = self.programme(spec, f"赴{place}现场教学", "study_trip", day, "支部书记和党员骨干")
            leaders = [
                (person, org.path)
                for org in plan.orgs[spec.index : spec.end]
                for person in plan.people.get(org.index, ())
                if person.leader
            ]
            sheet = rng.sample(leaders, min(45, len(leaders)))
            self.session(pk, spec, day, f"{place}现场教学", venue, Decimal("8"), place, sheet)

    def flush(self) -> dict[str, int]:
        bulk.RawInserter(Programme, with_pk=True).insert(self.programmes)
        bulk.RawInserter(Session, with_pk=True).insert(self.sessions)
        fields = (
            "session_id",
            "member_id",
            "status",
            "reason",
            "org_path",
            "session_path",
            "held_on",
            "hours",
            "counted",
        )
        with bulk.without_cycle_collection():
            bulk.insert(SessionAttendance, fields, self.rows)
        return {
            "training_programmes": len(self.programmes),
            "training_sessions": len(self.sessions),
            "training_attendance": len(self.rows),
        }


def write(plan: Plan, first: dt.date) -> dict[str, int]:
    """Write the district's training since ``first``; return what was written."""
    writer = Writer(plan, first)
    writer.lectures()
    writer.courses()
    writer.trips()
    counts = writer.flush()
    reset_sequences(Programme, Session)
    return counts
