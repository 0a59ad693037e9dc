"""Demo data of 一编三定: party groups in the larger branches, their members and leaders, and post
assignments for a share of the members without a post, in every stage. Deterministic (the seed),
inserted in bulk with the values the services would write.

The demo tree has no party groups of its own, so the larger village and community branches get
them here (two to four, about a dozen members each), as children of the branch in the tree.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db.models import Max

from dangjian.core import pinyin, tree
from dangjian.core.bulk import RawInserter, reset_sequences
from dangjian.demo.plan import OrgSpec
from dangjian.members.models import Member
from dangjian.organizations.models import Level, Organization, OrganizationChange
from dangjian.posts.models import GroupMembership, Post, PostAssignment, PostEvaluation

MIN_MEMBERS = 30  # branches with at least this many current members get groups (two to four)
PER_GROUP = 12
SHARE = 0.45  # of the members without a post, this share has an assignment
# (state, weight): most are on duty; a few in each earlier stage; some ended.
STATES = (("on_duty", 60), ("publicised", 8), ("approved", 6), ("declared", 8), ("ended", 18))
RATINGS = (("excellent", 25), ("competent", 60), ("basically_competent", 12), ("incompetent", 3))
NUMBERS = "一二三四五六七八九十"


def _pick(rng: random.Random, table) -> str:
    return rng.choices([v for v, _w in table], weights=[w for _v, w in table])[0]


def write_groups(plan, today: dt.date) -> dict[str, int]:
    """Party groups in the larger village and community branches and their members (leader first).

    Written before the meetings: each group joins ``plan.groups`` with its members in ``plan.people``
    under its own index, so that ``demo.orglife`` records its group meetings.
    """
    rng = random.Random(f"dangjian-demo:{plan.seed}:groups")
    branches = [
        s
        for s in plan.orgs
        if s.level == Level.BRANCH and not s.dissolve and any(u.kind in ("village", "community") for u in s.units)
    ]
    ids = [s.pk for s in branches]
    holds = dict(
        Member.objects.filter(org_id__in=ids, left_on__isnull=True, holds_post=True).values_list("id", "holds_post")
    )
    taken = set(Organization.objects.filter(parent_id__in=ids).values_list("path", flat=True))
    start = dt.date(today.year - 2, 3, 1)
    planned: list[tuple[Any, list[Organization], list[list]]] = []
    groups_out: list[Organization] = []
    next_index = max(s.index for s in plan.orgs) + 1
    for spec in branches:
        people = [p for p in plan.people.get(spec.index, []) if p.left_on is None]
        if len(people) < MIN_MEMBERS:
            continue
        count = min(4, max(2, len(people) // PER_GROUP))
        made, n = [], 0
        for i in range(count):
            n += 1
            while spec.path + tree.step(n) in taken:
                n += 1
            path = spec.path + tree.step(n)
            made.append(
                Organization(
                    code=f"{spec.code}-G{i + 1}",
                    name=f"{spec.name.removesuffix('党支部')}第{NUMBERS[i]}党小组",
                    level=Level.PARTY_GROUP,
                    sector=spec.sector,
                    parent_id=spec.pk,
                    path=path,
                    depth=tree.depth(path),
                    established_on=start,
                    name_pinyin=pinyin.full(f"{spec.name.removesuffix('党支部')}第{NUMBERS[i]}党小组"),
                    name_initials=pinyin.initials(f"{spec.name.removesuffix('党支部')}第{NUMBERS[i]}党小组"),
                )
            )
        shuffled = people[:]
        rng.shuffle(shuffled)
        planned.append((spec, made, [shuffled[i::count] for i in range(count)]))
        groups_out += made
    Organization.objects.bulk_create(groups_out, batch_size=500)
    if any(g.pk is None for g in groups_out):  # a backend that does not return ids
        by_code = dict(Organization.objects.filter(code__in=[g.code for g in groups_out]).values_list("code", "pk"))
        for g in groups_out:
            g.pk = g.id = by_code[g.code]
    OrganizationChange.objects.bulk_create(
        [
            OrganizationChange(
                org_id=g.pk, kind=OrganizationChange.Kind.CREATE, on=start, new_parent_id=g.parent_id, note="演示数据"
            )
            for g in groups_out
        ],
        batch_size=1000,
    )
    rows: list[dict[str, Any]] = []
    plan.post_candidates = []
    for spec, made, parts in planned:
        for group, members in zip(made, parts, strict=True):
            group_spec = OrgSpec(
                code=group.code,
                name=group.name,
                level=Level.PARTY_GROUP,
                sector=group.sector,
                path=group.path,
                parent=spec,
                region=spec.region,
                established_on=start,
            )
            group_spec.pk, group_spec.index = group.pk, next_index
            next_index += 1
            plan.groups.append(group_spec)
            plan.people[group_spec.index] = members
            for j, person in enumerate(members):
                rows.append(
                    {
                        "org_id": group.pk,
                        "org_path": group.path,
                        "member_id": person.id,
                        "is_leader": j == 0,
                        "started_on": start,
                    }
                )
                if person.id not in holds:
                    plan.post_candidates.append((spec, group, person.id))
    RawInserter(GroupMembership, with_pk=False).insert(rows)
    return {"party_groups": len(groups_out), "group_memberships": len(rows)}


def write(plan, today: dt.date) -> dict[str, int]:
    """Post assignments for a share of the grouped members without a post, in every stage, with
    evaluations of past years for those on duty then."""
    rng = random.Random(f"dangjian-demo:{plan.seed}:posts")
    posts = list(Post.objects.filter(org__isnull=True, is_active=True).order_by("order"))
    next_id = (PostAssignment.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    assignments, evaluations = [], []
    for spec, group, member_id in getattr(plan, "post_candidates", []):
        if rng.random() > SHARE:
            continue
        a = _assignment(rng, spec, group, member_id, posts, today)
        a["id"], next_id = next_id, next_id + 1
        evaluation = a.pop("evaluation")
        a["group_id"] = a.pop("group").pk
        assignments.append(a)
        if evaluation is not None:
            year, rating = evaluation
            evaluations.append(
                {"assignment_id": a["id"], "year": year, "rating": rating, "evaluated_on": dt.date(year, 12, 20)}
            )
    RawInserter(PostAssignment, with_pk=True).insert(assignments)
    reset_sequences(PostAssignment)
    RawInserter(PostEvaluation, with_pk=False).insert(evaluations)
    return {"post_assignments": len(assignments), "post_evaluations": len(evaluations)}


def _assignment(rng, spec, group, member_id, posts, today) -> dict[str, Any]:
    state = _pick(rng, STATES)
    post = rng.choice(posts)
    declared = (
        today - dt.timedelta(days=rng.randint(20, 700))
        if state in ("on_duty", "ended")
        else today - dt.timedelta(days=rng.randint(1, 30))
    )
    a: dict[str, Any] = {
        "org_id": spec.pk,
        "org_path": spec.path,
        "member_id": member_id,
        "post_id": post.pk,
        "group": group,
        "duties": post.duties,
        "origin": "self_declared" if rng.random() < 0.6 else "recommended",
        "state": state,
        "declared_on": declared,
        "evaluation": None,
    }
    if a["origin"] == "recommended":
        a["recommended_by"] = group.name
    if state == "declared":
        return a
    a["approved_on"] = min(today, declared + dt.timedelta(days=rng.randint(1, 7)))
    if state == "approved":
        return a
    a["notice_starts_on"] = min(today, a["approved_on"] + dt.timedelta(days=1))
    a["notice_ends_on"] = a["notice_starts_on"] + dt.timedelta(days=6)
    if state == "publicised":
        if rng.random() < 0.1:
            a["objections"] = "有群众反映该同志平时参加集体活动较少。"
        return a
    a["on_duty_from"] = a["notice_ends_on"] + dt.timedelta(days=1)
    if state == "ended":
        a["ended_on"] = min(today, a["on_duty_from"] + dt.timedelta(days=rng.randint(30, 300)))
        a["end_reason"] = rng.choice(["外出务工", "调整岗位", "身体原因", "当选村两委成员"])
    year = a["on_duty_from"].year
    if year < today.year and (a.get("ended_on") is None or a["ended_on"].year > year):
        a["evaluation"] = (year, _pick(rng, RATINGS))
    return a
