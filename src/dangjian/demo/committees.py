"""The demo's branch committees, written after the members.

Every active branch with a committee and at least three leaders gets its committee recorded
(``organizations.CommitteeMember``): the secretary (its first leader, who is also
``Organization.secretary``) and two to four others with their posts, seated from the start of
the term (or from the day they became full members, if later). Some committees keep history:
members of the previous term who were not re-elected, and a seat handed over during the term,
so that the committee of a day differs from today's. (Party groups are written by ``demo.posts``.)
"""

from __future__ import annotations

import datetime as dt
import random

from dangjian.core.bulk import RawInserter
from dangjian.demo.plan import BRANCH, OrgSpec, Plan
from dangjian.members.models import years_before
from dangjian.organizations.models import CommitteeMember, CommitteePost

POSTS = {
    2: [CommitteePost.ORGANIZATION, CommitteePost.PROPAGANDA],
    3: [CommitteePost.ORGANIZATION, CommitteePost.PROPAGANDA, CommitteePost.DISCIPLINE],
    4: [CommitteePost.DEPUTY_SECRETARY, CommitteePost.ORGANIZATION, CommitteePost.PROPAGANDA, CommitteePost.DISCIPLINE],
}
DAY = dt.timedelta(days=1)


def _seatable(person, day: dt.date) -> bool:
    """A current full member by ``day`` (what the service requires of a seat starting then)."""
    return (
        person.left_on is None
        and person.joined_on <= day
        and person.full_member_on is not None
        and (person.full_member_on <= day)
    )


def _committee(spec: OrgSpec, people: list, today: dt.date, rng: random.Random) -> list[tuple]:
    leaders = [p for p in people if p.leader and p.left_on is None][:5]
    if len(leaders) < 3:
        return []
    start = spec.term_starts_on or years_before(today, 2)
    start = max(start, spec.established_on or start)
    seats = []
    posts = [CommitteePost.SECRETARY, *POSTS[len(leaders) - 1]]
    for person, post in zip(leaders, posts, strict=True):
        begins = max(start, (person.full_member_on or start) + DAY, person.joined_on)
        if begins < today:
            seats.append([person, post, begins, None])
    if len(seats) < 3:
        return []
    others = [p for p in people if not p.leader]
    rng.shuffle(others)
    # A seat handed over during the term: the present holder came later, someone else held it before.
    handed_over = seats[-1]
    middle = handed_over[2] + dt.timedelta(days=rng.randint(200, 700))
    if rng.random() < 0.3 and middle < today - dt.timedelta(days=60):
        before = next((p for p in others if _seatable(p, handed_over[2])), None)
        if before is not None:
            others.remove(before)
            seats.append([before, handed_over[1], handed_over[2], middle])
            handed_over[2] = middle
    # The previous term: one or two who were not re-elected.
    previous = years_before(start, 5 if spec.sector in ("rural", "community") else 3)
    if rng.random() < 0.45 and previous >= (spec.established_on or previous):
        for _ in range(rng.randint(1, 2)):
            former = next((p for p in others if _seatable(p, previous)), None)
            if former is None:
                break
            others.remove(former)
            seats.append([former, CommitteePost.MEMBER, previous, start])
    return [tuple(seat) for seat in seats]


def write_committees(plan: Plan, today: dt.date) -> int:
    """Record the committees of the plan's branches; fill ``spec.seats`` for the meetings. One bulk insert."""
    rng = random.Random(f"dangjian-demo:{plan.seed}:committees")
    rows = []
    for spec in plan.orgs:
        if spec.level != BRANCH or spec.dissolved_on or not spec.has_committee:
            continue
        seats = _committee(spec, plan.people.get(spec.index, []), today, rng)
        spec.seats = [(person, started, ended) for person, _post, started, ended in seats]
        rows += [
            {
                "org_id": spec.pk,
                "org_path": spec.path,
                "member_id": person.id,
                "post": str(post),
                "started_on": started,
                "ended_on": ended,
                "note": "换届未连任" if ended and post == CommitteePost.MEMBER else "",
            }
            for person, post, started, ended in seats
        ]
    RawInserter(CommitteeMember, with_pk=False).insert(rows)
    return len(rows)
