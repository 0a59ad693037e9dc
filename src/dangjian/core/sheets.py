"""Records with their per-member sheets, streamed for recomputations over a year.

Meetings and their attendance, training sessions and theirs, volunteer activities and their hours
have the same shape: a record table and a sheet table of ``(record, member, value)`` rows carrying
the record's day. Modules that derive something from a year of them (points) read them a few
thousand members at a time; this is the one way to do it. What is derived names its record with
:func:`reference`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from dangjian.core.gatherings import Held

IDS_PER_QUERY = 900  # under SQLite's variable limit


def with_sheets(
    records: QuerySet,
    rows: QuerySet,
    *,
    record: str,
    value: str,
    fields: Sequence[str],
    members: range | None = None,
) -> Iterator[tuple[tuple, dict[int, Any]]]:
    """Each record of ``records`` (the values of ``fields``, the first being its id) with its sheet
    ``{member id: value}`` read from ``rows`` (``record`` names the sheet's foreign key): two streamed
    queries. With ``members`` (a range of member ids): only their rows, and only the records where one
    of them is on the sheet (the rows read first, then those records by id)."""
    if members is not None:
        rows = rows.filter(member_id__gte=members.start, member_id__lt=members.stop)
    sheets: dict[int, dict[int, Any]] = defaultdict(dict)
    for record_id, member_id, found in rows.values_list(record, "member_id", value).iterator(chunk_size=20000):
        sheets[record_id][member_id] = found
    if members is None:
        parts = [records]
    else:
        ids = sorted(sheets)
        parts = [records.filter(pk__in=ids[i : i + IDS_PER_QUERY]) for i in range(0, len(ids), IDS_PER_QUERY)]
    for part in parts:
        for row in part.values_list(*fields).iterator(chunk_size=5000):
            yield row, sheets.get(row[0], {})


@dataclass(frozen=True, slots=True)
class Facts:
    """What a record with a sheet tells other modules: who held it, when, in which state, as what
    (its kinds). Each module adds its sheet (attendance, hours served) in a subclass."""

    id: int
    org_id: int
    held_on: dt.date
    state: str
    kinds: tuple[str, ...]

    @property
    def held(self) -> bool:
        return self.state == Held.State.HELD


@dataclass(frozen=True, slots=True)
class RecordRef:
    """How a record derived from another names it: a label, and a link when the user may open it."""

    label: str
    url: str = ""


def reference(records: QuerySet, user, pk: int, *, label: Callable[[Any], str], url_name: str) -> RecordRef | None:
    """The record ``pk`` of ``records`` as a :class:`RecordRef` for ``user`` (None once it is gone):
    linked when it lies in the user's subtrees, named without a link otherwise (a member's own entry
    from the district's lecture names the lecture). At most two queries."""
    found = records.visible_to(user).filter(pk=pk).first()
    if found is not None:
        return RecordRef(label(found), reverse(url_name, args=[pk]))
    found = records.filter(pk=pk).first()
    return None if found is None else RecordRef(label(found))
