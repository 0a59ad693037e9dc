"""What is due in organizational life: the periods a secretary must still fill, the reminders the
daily job sends, a subtree's overdue obligations by kind, and a member's own meetings and records.

One source for every page that says "what to do next": the home pages (``dashboard``) and the
reminders (``services.reminders``) both call :func:`reminder_cells`, so they never disagree. Every
function reuses the compliance engine (:func:`compute_cells`, :func:`compute_tallies`); nothing here
recomputes a status.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from dangjian.core import tree
from dangjian.orglife.models import Appraisal, AppraisalEntry, Meeting, RequirementKind
from dangjian.orglife.queries.compliance import (
    Cell,
    Status,
    Tally,
    compute_cells,
    compute_tallies,
    org_infos,
    subtree_orgs,
)

#: The statuses a running or ended period is "due" in: not met yet.
DUE_STATUSES = (Status.DUE_SOON, Status.OVERDUE, Status.OPEN)


def reminder_cells(orgs, on: dt.date, *, paths: list[str]) -> list[Cell]:
    """The cells a reminder is sent for on ``on``: due soon (within ``orglife.reminder_lead_days``) in a
    period running that day and not met. ``orgs`` are :class:`OrgInfo` rows; four queries at most."""
    return [c for c in compute_cells(orgs, on.year, on, paths=paths) if is_reminded(c, on)]


def is_reminded(cell: Cell, on: dt.date) -> bool:
    """Whether the daily job reminds of ``cell`` on ``on`` (the one rule; see :func:`reminder_cells`)."""
    return cell.status == Status.DUE_SOON and cell.period.contains(on)


@dataclass(frozen=True)
class DueCell:
    """One obligation not met, with the organization it belongs to."""

    cell: Cell
    org_id: int
    org_name: str

    @property
    def overdue(self) -> bool:
        return self.cell.status == Status.OVERDUE

    @property
    def reminded(self) -> bool:
        return self.cell.status == Status.DUE_SOON


def due_cells(visible_orgs, root, on: dt.date) -> list[DueCell]:
    """The obligations of ``root`` and its subtree not met on ``on`` in its year: overdue periods that have
    ended, and the periods running that day (due soon first, then the others); at most four queries
    plus one for the organizations. For a branch's secretary: what to hold next."""
    orgs = org_infos(subtree_orgs(visible_orgs, root, on.year))
    names = {o.id: o.name for o in orgs}
    found = [
        DueCell(c, c.org_id, names[c.org_id])
        for c in compute_cells(orgs, on.year, on, paths=[root.path])
        if c.status in (Status.OVERDUE, Status.DUE_SOON) or (c.status == Status.OPEN and c.period.contains(on))
    ]
    order = {Status.OVERDUE: 0, Status.DUE_SOON: 1, Status.OPEN: 2}
    return sorted(found, key=lambda d: (order[d.cell.status], d.cell.period.end, d.org_name, d.cell.kind))


@dataclass
class KindCount:
    kind: str
    label: str
    overdue: int
    due_soon: int


@dataclass
class SubtreeDue:
    """A subtree's year so far: the rate, and per kind the periods overdue and due soon."""

    total: Tally
    kinds: list[KindCount]
    organizations: int

    @property
    def overdue(self) -> int:
        return sum(k.overdue for k in self.kinds)

    @property
    def due_soon(self) -> int:
        return sum(k.due_soon for k in self.kinds)


def subtree_due(visible_orgs, root, on: dt.date) -> SubtreeDue:
    """Counts for a township's or the department's home: the tallies of the compliance table (the same
    engine and rules), summed per kind. Five queries whatever the subtree's size."""
    orgs = org_infos(subtree_orgs(visible_orgs, root, on.year))
    tallies, _lead = compute_tallies(orgs, on.year, on, paths=[root.path])
    total = Tally()
    by_kind: dict[str, Tally] = defaultdict(Tally)
    for (_org_id, kind), tally in tallies.items():
        total.merge(tally)
        by_kind[kind].merge(tally)
    kinds = [
        KindCount(code, str(label), by_kind[code].overdue, by_kind[code].due_soon)
        for code, label in RequirementKind.choices
        if code in by_kind and (by_kind[code].overdue or by_kind[code].due_soon)
    ]
    return SubtreeDue(total, kinds, len(orgs))


# --- A member's own organizational life ----------------------------------------------------------------
def member_org_ids(member, on: dt.date) -> list[int]:
    """The organization the member belongs to and the party group they are in on ``on`` (the group
    membership is read through the member's reverse relation: no import of the posts module)."""
    groups = (
        member.group_memberships.filter(started_on__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
        .values_list("org_id", flat=True)
    )
    return [member.org_id, *groups]


def upcoming_meetings(on: dt.date, *, org_ids=None, path: str | None = None, limit: int = 10) -> list[Meeting]:
    """Planned meetings from ``on`` on, soonest first, of the organizations ``org_ids`` or of the subtree
    under ``path``: one query."""
    qs = Meeting.objects.filter(state=Meeting.State.PLANNED, held_on__gte=on)
    if org_ids is not None:
        qs = qs.filter(org_id__in=list(org_ids))
    if path is not None:
        qs = qs.filter(tree.subtree_q("org_path", path))
    return list(qs.select_related("org").order_by("held_on", "starts_at", "id")[:limit])


def member_appraisals(member):
    """The member's own appraisal entries whose appraisal was decided (民主评议 results), newest first."""
    return (
        AppraisalEntry.objects.filter(member=member, appraisal__state=Appraisal.State.DECIDED)
        .select_related("appraisal", "appraisal__org")
        .order_by("-appraisal__year", "-id")
    )
