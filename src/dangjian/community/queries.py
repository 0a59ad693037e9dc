"""Reads of community work: the volunteer figures of a subtree and period, check-in rates by
organization, a member's own service record, and the facts other modules (points) derive from.

Every figure costs a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from dangjian.community.models import ServiceHours, VolunteerActivity


# --- For the points module (through these functions, never the tables) ------------------------------
@dataclass(frozen=True, slots=True)
class ServiceFacts:
    """What a volunteer activity tells other modules: who held it, when, as what, who served how long."""

    id: int
    org_id: int
    held_on: dt.date
    state: str
    kinds: tuple[str, ...]
    hours: dict[int, Decimal]  # member id → hours served

    @property
    def held(self) -> bool:
        return self.state == VolunteerActivity.State.HELD


def activity_service(activity_id: int) -> ServiceFacts | None:
    """One activity's facts (None if there is no such activity, e.g. after a delete): two queries."""
    row = VolunteerActivity.objects.filter(pk=activity_id).values_list("org_id", "held_on", "state", "kind").first()
    if row is None:
        return None
    sheet = dict(ServiceHours.objects.filter(activity_id=activity_id).values_list("member_id", "hours"))
    return ServiceFacts(activity_id, row[0], row[1], row[2], (row[3],), sheet)


def service_between(start: dt.date, end: dt.date, members: range | None = None) -> list[ServiceFacts]:
    """Every activity held between ``start`` and ``end`` with its service hours: two streamed queries.
    With ``members`` (a range of member ids): only their hours, and only the activities where one of
    them served (their rows read first, then those activities by id), so that a county's year can be
    gone through a few thousand members at a time."""
    held = VolunteerActivity.objects.filter(state=VolunteerActivity.State.HELD, held_on__gte=start, held_on__lte=end)
    rows = ServiceHours.objects.filter(held_on__gte=start, held_on__lte=end)
    if members is not None:
        rows = rows.filter(member_id__gte=members.start, member_id__lt=members.stop)
    sheets: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for activity_id, member_id, hours in rows.values_list("activity_id", "member_id", "hours").iterator(
        chunk_size=20000
    ):
        sheets[activity_id][member_id] = hours
    if members is None:
        parts = [held]
    else:
        ids = sorted(sheets)
        parts = [held.filter(pk__in=ids[i : i + 900]) for i in range(0, len(ids), 900)]
    return [
        ServiceFacts(pk, org_id, held_on, VolunteerActivity.State.HELD, (kind,), sheets.get(pk, {}))
        for part in parts
        for pk, org_id, held_on, kind in part.values_list("pk", "org_id", "held_on", "kind").iterator(chunk_size=5000)
    ]
