"""A year of points for the demo district: the automatic entries derived from the demo's meetings
(and the year's base points) through the same recomputation as ``dangjian points recompute``, then
a few claims in every state for the demo branch, through the services (so they are audited and
the demo secretary's inbox has something waiting)."""

from __future__ import annotations

import datetime as dt
import random

from django.core.exceptions import ValidationError

from dangjian.core.models import User
from dangjian.demo.plan import Plan
from dangjian.members.models import Member
from dangjian.points import services

GOOD_DEEDS = ("帮助独居老人打扫卫生", "参加村道清扫义务劳动", "劝导村民文明祭扫", "参与防汛巡堤", "调解邻里纠纷")
TASKS = ("政策宣传入户", "人居环境整治监督", "矛盾纠纷排查", "疫苗接种动员", "秸秆禁烧巡查")


def write(plan: Plan, first_day: dt.date) -> dict[str, int]:
    """Recompute every year the demo's history touches, then add the demo branch's claims."""
    counts = {"point_entries": 0}
    for year in range(first_day.year, plan.today.year + 1):
        result = services.recompute_year(year=year)
        counts["point_entries"] += result["added"]
    counts["point_claims"] = _claims(plan)
    return counts


def _claims(plan: Plan) -> int:
    rng = random.Random(f"dangjian-demo:{plan.seed}:points")
    users = {u.username: u for u in User.objects.filter(username__in=["secretary", "member", "town"])}
    secretary, member_user = users.get("secretary"), users.get("member")
    if secretary is None or member_user is None:
        return 0
    members = list(Member.objects.filter(org_id=plan.branch.pk, left_on__isnull=True).order_by("name_pinyin")[:12])
    own = Member.objects.filter(user=member_user).first()
    day = plan.today - dt.timedelta(days=1)
    written = 0

    def rule(member, code, on):
        return next((r for r in services.rules_for(member, on) if r.code == code), None)

    def propose(actor, member, code, on, event, evidence="村党支部书记可证明"):
        nonlocal written
        chosen = rule(member, code, on)
        if chosen is None:
            return None
        try:
            entry = services.claim_propose(
                actor=actor, member=member, rule=chosen, occurred_on=on, event=event, evidence=evidence
            )
        except ValidationError:  # a cap reached or a duplicate: the demo skips it, as a person would
            return None
        written += 1
        return entry

    # The secretary's tasks done by the members, approved at once (the secretary is the chain).
    for n, member in enumerate(members[:6]):
        propose(secretary, member, "task", day - dt.timedelta(days=30 + 7 * n), rng.choice(TASKS))
    if own is not None:
        # The demo member's own claims: one approved, one rejected, one waiting for the secretary.
        done = propose(member_user, own, "good-deed", day - dt.timedelta(days=40), GOOD_DEEDS[0])
        if done is not None:
            services.entry_approve(actor=secretary, entry=done)
        refused = propose(member_user, own, "good-deed", day - dt.timedelta(days=25), GOOD_DEEDS[1])
        if refused is not None:
            services.entry_reject(actor=secretary, entry=refused, reason="当天未参加该活动，请核实后重新申报")
        propose(member_user, own, "good-deed", day - dt.timedelta(days=3), GOOD_DEEDS[2])
    # Higher honours wait for the township after the secretary.
    for member in members[6:8]:
        propose(secretary, member, "honour", day - dt.timedelta(days=10), "获评镇优秀共产党员", "镇党委表彰文件")
    # Other members' claims waiting in the secretary's inbox.
    for member in members[8:12]:
        if member.user_id is None:
            continue
        propose(member.user, member, "good-deed", day - dt.timedelta(days=5), rng.choice(GOOD_DEEDS))
    return written
