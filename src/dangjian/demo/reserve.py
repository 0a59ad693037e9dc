"""Reserve cadres (后备干部) for the demo district: 1–4 in every village and community (so that some
fall below the minimum of 2), about half of them young party members of the village and the others
non-members (graduates, veterans, capable people brought back) with their own ID numbers, a yearly
assessment for last year, and a few appointed to the village committee or dropped this year.

Deterministic from the seed (its own generator). Rows are inserted in bulk; what the services would
write (the organization path, the encrypted ID number and phone with the blind index) is computed
here the same way (``ReserveCadre.set_id_number`` / ``set_phone``).
"""

from __future__ import annotations

import datetime as dt
import random

from dangjian.cadres.models import ReserveAssessment, ReserveCadre
from dangjian.core import tree
from dangjian.demo.names import CITY_PREFIX
from dangjian.demo.people import PersonFactory
from dangjian.demo.plan import Plan
from dangjian.members.models import Member, years_before

# A region code no district of the demo uses: non-members' ID numbers never meet a member's.
REGION = CITY_PREFIX + "90"
SOURCES = (("local", 40), ("returned", 20), ("graduate", 20), ("veteran", 12), ("other", 8))
POSTS = (("committee", 60), ("director", 20), ("secretary", 20))
EDUCATIONS = (("senior", 25), ("vocational", 20), ("college", 35), ("bachelor", 17), ("junior", 3))
RATINGS = (("excellent", 25), ("competent", 65), ("basically_competent", 8), ("incompetent", 2))
MENTORS = ("村党组织书记", "村委会主任", "驻村第一书记", "包村干部", "")
DROP_REASONS = ("外出务工，不再担任后备干部", "年度考察不合格", "本人申请退出", "迁出本村")
COUNTS = ((1, 15), (2, 40), (3, 30), (4, 15))


def _pick(rng: random.Random, weighted) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def write(plan: Plan, today: dt.date) -> dict[str, int]:
    """Write the reserve cadres of every village and community; return what was written."""
    rng = random.Random(f"dangjian-demo:{plan.seed}:reserve")
    people = PersonFactory(random.Random(f"dangjian-demo:{plan.seed}:reserve-people"), REGION)
    villages = [s for s in plan.orgs if not s.dissolve and any(u.kind in ("village", "community") for u in s.units)]
    by_path = {s.path: s for s in villages}
    young = years_before(today, 40)
    candidates: dict[str, list[int]] = {}
    query = tree.subtrees_q("org_path", list(by_path))
    if query is not None:
        rows = Member.objects.filter(query, left_on__isnull=True, birth_date__gt=young).order_by("org_path", "id")
        for member_id, path in rows.values_list("id", "org_path"):
            village = next((p for p in (*tree.ancestors(path), path) if p in by_path), None)
            if village is not None:
                candidates.setdefault(village, []).append(member_id)
    cadres: list[ReserveCadre] = []
    last_year = today.year - 1
    for spec in villages:
        count = int(_pick(rng, [(str(n), w) for n, w in COUNTS]))
        members = list(candidates.get(spec.path, []))
        rng.shuffle(members)
        for _ in range(count):
            selected = dt.date(today.year - rng.randint(0, 3), rng.randint(1, 12), rng.randint(1, 28))
            selected = min(selected, today)
            cadre = ReserveCadre(
                org_id=spec.pk,
                org_path=spec.path,
                selected_on=selected,
                source=_pick(rng, SOURCES),
                planned_post=_pick(rng, POSTS),
                mentor=rng.choice(MENTORS),
            )
            if members and rng.random() < 0.5:
                cadre.member_id = members.pop()
                cadre.source = "local"
            else:
                gender = "male" if rng.random() < 0.65 else "female"
                age = rng.choice((24, 26, 28, 30, 31, 33, 35, 36, 38, 39, 41))
                birth = years_before(today, age) - dt.timedelta(days=rng.randint(1, 360))
                cadre.name = people.name(gender, birth.year)
                cadre.gender, cadre.birth_date = gender, birth
                cadre.education_own = _pick(rng, EDUCATIONS)
                cadre.set_id_number(people.id_number(birth, gender))
                cadre.set_phone(f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}")
            cadres.append(cadre)
        # the year's turnover: a few appointed to the committee, a few dropped, beside the pool
        if rng.random() < 0.15:
            extra = cadres[-1]
            day = dt.date(today.year, rng.randint(1, max(1, today.month)), rng.randint(1, 28))
            if extra.selected_on < day <= today:
                if rng.random() < 0.6:
                    extra.state, extra.appointed_on = "appointed", day
                    extra.appointed_to = "村委会委员" if extra.planned_post != "secretary" else "村党组织副书记"
                else:
                    extra.state, extra.dropped_on, extra.drop_reason = "dropped", day, rng.choice(DROP_REASONS)
    ReserveCadre.objects.bulk_create(cadres, batch_size=1000)
    assessments = [
        ReserveAssessment(cadre=c, year=last_year, rating=_pick(rng, RATINGS))
        for c in cadres
        if c.selected_on.year <= last_year
    ]
    ReserveAssessment.objects.bulk_create(assessments, batch_size=1000)
    return {"reserve_cadres": len(cadres), "reserve_assessments": len(assessments)}
