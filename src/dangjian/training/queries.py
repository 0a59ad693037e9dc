"""Reads of training: person-times (人次) of a subtree, a member's training record, and the facts
other modules (points) read instead of the tables.

Person-times count the ``present`` attendance rows of held sessions — once per person per
session — placed in the tree by the MEMBER's organization: a township's person-times include its
members at the district's lectures. Every function runs a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from dangjian.training.models import Programme, Session, SessionAttendance


# --- For the points module (through these functions, never the tables) ------------------------------
@dataclass(frozen=True, slots=True)
class SessionFacts:
    """What a session tells other modules: who organized it, when, of which kind, who attended how."""

    id: int
    org_id: int
    held_on: dt.date
    state: str
    kinds: tuple[str, ...]  # (programme.kind,)
    attendance: dict[int, str]  # member id → present / on_leave / absent
    hours: Decimal

    @property
    def held(self) -> bool:
        return self.state == Session.State.HELD


def session_attendance(session_id: int) -> SessionFacts | None:
    """One session's facts (None if there is no such session, e.g. once deleted): two queries."""
    row = (
        Session.objects.filter(pk=session_id)
        .values_list("org_id", "held_on", "state", "programme__kind", "hours")
        .first()
    )
    if row is None:
        return None
    sheet = dict(SessionAttendance.objects.filter(session_id=session_id).values_list("member_id", "status"))
    org_id, held_on, state, kind, hours = row
    return SessionFacts(session_id, org_id, held_on, state, (kind,), sheet, hours)


def held_sessions_between(start: dt.date, end: dt.date, members: range | None = None) -> list[SessionFacts]:
    """Every session held between ``start`` and ``end`` with its attendance: two streamed queries.
    With ``members`` (a range of member ids): only their attendance, and only the sessions where one
    of them is on the sheet (their sheets read first, then those sessions by id), so that a county's
    year can be gone through a few thousand members at a time."""
    held = Session.objects.filter(state=Session.State.HELD, held_on__gte=start, held_on__lte=end)
    rows = SessionAttendance.objects.filter(held_on__gte=start, held_on__lte=end)
    if members is not None:
        rows = rows.filter(member_id__gte=members.start, member_id__lt=members.stop)
    sheets: dict[int, dict[int, str]] = defaultdict(dict)
    for session_id, member_id, status in rows.values_list("session_id", "member_id", "status").iterator(
        chunk_size=20000
    ):
        sheets[session_id][member_id] = status
    if members is None:
        parts = [held]
    else:
        ids = sorted(sheets)
        parts = [held.filter(pk__in=ids[i : i + 900]) for i in range(0, len(ids), 900)]
    return [
        SessionFacts(pk, org_id, held_on, Session.State.HELD, (kind,), sheets.get(pk, {}), hours)
        for part in parts
        for pk, org_id, held_on, kind, hours in part.values_list(
            "pk", "org_id", "held_on", "programme__kind", "hours"
        ).iterator(chunk_size=5000)
    ]


__all__ = ["Programme", "SessionFacts", "held_sessions_between", "session_attendance"]
