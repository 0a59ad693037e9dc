"""Rectification for the demo district: last year's screening of the whole district, about 6% of the
village and community branches named weak and lax or lagging, and the case of each in every state
(opened, in progress with countermeasures due soon or past their deadline, accepted by the township,
closed by the department), with 2–5 problems and countermeasures each, a work team and progress.

Deterministic from the seed (its own generator). Small (a few dozen cases), so written through the
services (``actor=None``, the system): the same checks, copies and audit events as the pages.
"""

from __future__ import annotations

import datetime as dt
import random

from dangjian.demo import names
from dangjian.demo.plan import Plan
from dangjian.organizations.models import Organization
from dangjian.rectification import services

SHARE = 0.06
MINIMUM = 4  # so that the small demo shows cases in several states
PROBLEMS = {
    "C01": ("村党组织书记长期外出务工，班子主心骨作用弱", "选派第一书记驻村，调整充实村“两委”班子"),
    "C02": ("班子成员之间不团结，议事决策效率低", "镇党委书记约谈，开展谈心谈话和专题组织生活会"),
    "C03": ("“三会一课”开展不经常，会议记录不完整", "建立月度提醒和镇党建办督查，规范会议记录"),
    "C04": ("“四议两公开”流于形式，重大事项未经党员大会", "逐项补正程序，镇纪委全程监督"),
    "C05": ("党员年龄老化，作用发挥不明显", "设岗定责，发展年轻党员，建立党员联系户制度"),
    "C06": ("村集体经济收入不足5万元", "盘活闲置资产，发展合作社和光伏项目"),
    "C07": ("土地流转纠纷引发群众多次上访", "成立调解小组，逐户化解，建立矛盾排查台账"),
    "C08": ("宗族势力干扰村务", "扫黑除恶常态化，公安、司法所联合整治"),
    "C09": ("村务公开不及时，群众意见较大", "规范村务公开栏，每月公开财务收支"),
    "C10": ("班子任期届满未按期换届", "制定换届工作方案，依法按期完成换届"),
}
RESPONSIBLE = ("镇党委书记", "镇党委副书记", "镇组织委员", "第一书记", "村党组织书记", "驻村工作队队长", "镇纪委书记")
LEADS = ("区委副书记", "区委常委、组织部部长", "区委常委、政法委书记", "区人大常委会副主任", "副区长", "区政协副主席")
TEAM = ("区委组织部", "区纪委监委", "镇党建办", "区农业农村局")  # where the work team comes from; the first leads it
PROGRESS = "工作队驻村推进整改，定期向镇党委汇报进展"
# The states of the cases in turn (4 closed, 3 in progress, 2 opened, 1 accepted of every ten): every
# state shows even in the small demo.
STATES = (
    "in_progress",
    "closed",
    "opened",
    "accepted",
    "closed",
    "in_progress",
    "closed",
    "opened",
    "closed",
    "in_progress",
)


def _villages(plan: Plan):
    return [
        s
        for s in plan.orgs
        if s.pk is not None and not s.dissolve and any(u.kind in ("village", "community") for u in s.units)
    ]


def write(plan: Plan, today: dt.date) -> dict[str, int]:
    """Write last year's screening and its cases; return what was written."""
    rng = random.Random(f"dangjian-demo:{plan.seed}:rectification")
    year = today.year - 1
    villages = _villages(plan)
    root = Organization.objects.get(pk=plan.root.pk)
    screening = services.screening_create(actor=None, org=root, year=year, note="年度软弱涣散基层党组织排查")
    criteria = {c.code: c.pk for c in services.criteria_on(dt.date(year, 12, 31))}
    chosen = sorted(
        rng.sample(villages, min(len(villages), max(MINIMUM, round(len(villages) * SHARE)))), key=lambda s: s.path
    )
    orgs = Organization.objects.in_bulk([s.pk for s in chosen])
    soon = today + dt.timedelta(days=7)
    counts = {"rectification_cases": 0, "rectification_problems": 0}
    for index, spec in enumerate(chosen):
        codes = sorted(rng.sample(sorted(PROBLEMS), rng.randint(2, 5)))
        mark = services.mark_create(
            actor=None,
            screening=screening,
            org=orgs[spec.pk],
            classification="weak" if rng.random() < 0.6 else "lagging",
            criteria=[criteria[c] for c in codes[: rng.randint(1, min(3, len(codes)))]],
            note="",
        )
        state = STATES[index % len(STATES)]
        opened = dt.date(year, rng.randint(3, 5), rng.randint(1, 28))
        case = services.case_open(
            actor=None,
            mark=mark,
            opened_on=opened,
            data={
                "lead_official": rng.choice(LEADS),
                "township_sponsor": "镇党委书记",
                "plan": "一支部一方案：" + "；".join(PROBLEMS[c][1] for c in codes) + "。",
            },
        )
        counts["rectification_cases"] += 1
        for i, unit in enumerate(TEAM[: rng.randint(2, 4)]):
            name = rng.choice(names.SURNAMES)[0] + rng.choice(names.GIVEN_MID_MALE)
            services.team_member_add(actor=None, case=case, name=name, role=unit, captain=i == 0)
        if state != "opened":
            services.case_start(actor=None, case=case)
        problems = []
        for i, code in enumerate(codes):
            if state == "in_progress" and i == 0:
                deadline = soon  # a reminder before the deadline
            elif state == "in_progress" and i == 1:
                deadline = today - dt.timedelta(days=rng.randint(5, 40))  # past it, not yet done
            else:
                deadline = opened + dt.timedelta(days=rng.randint(60, 240))
            problems.append(
                services.problem_add(
                    actor=None,
                    case=case,
                    data={
                        "description": PROBLEMS[code][0],
                        "countermeasure": PROBLEMS[code][1],
                        "responsible": rng.choice(RESPONSIBLE),
                        "deadline": deadline,
                    },
                )
            )
        counts["rectification_problems"] += len(problems)
        if state == "opened":
            continue
        last = opened
        for i, problem in enumerate(problems):
            if state == "in_progress" and i < 2:
                continue
            done = min(problem.deadline - dt.timedelta(days=rng.randint(0, 30)), today)
            done = max(done, opened)
            last = max(last, done)
            services.countermeasure_done(actor=None, problem=problem, done_on=done)
        services.progress_add(actor=None, case=case, written_on=min(last, today), text=PROGRESS)
        if state in ("accepted", "closed"):
            accepted = min(last + dt.timedelta(days=rng.randint(5, 30)), today)
            services.case_accept(actor=None, case=case, accepted_on=accepted)
            if state == "closed":
                closed = min(accepted + dt.timedelta(days=rng.randint(10, 40)), today)
                services.case_close(actor=None, case=case, closed_on=closed)
    return counts
