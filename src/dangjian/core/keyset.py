"""Keyset pagination for the long lists (issue 15: page 4,000 of the member list sorted 200,000 rows to
skip them). A page after or before a row is found through the list's own order: the rows whose sort key
comes after (before) that row's, read from the index, whatever the depth.

A cursor is a row's id (``?after=`` / ``?before=``); the sort values are read from that row, so a cursor
names no value and a row that has since left the list still places the page. ``?page=`` numbers keep
working (a counted page); the list's total is counted on the first page only, never on a cursor page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from dangjian.core.pages import page_of

CURSOR_PARAMS = ("after", "before", "n", "page")


@dataclass
class KeysetPage:
    """One page of rows; ``count`` and ``num_pages`` are None on a cursor page (not counted)."""

    rows: list
    number: int
    has_previous: bool
    has_next: bool
    count: int | None = None
    num_pages: int | None = None
    keyset = True  # the list template includes the cursor pager

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def paginator(self):  # what list templates read of a counted page: ``page_obj.paginator.count``
        return self

    @property
    def previous_cursor(self):
        return self.rows[0].pk if self.rows else None

    @property
    def next_cursor(self):
        return self.rows[-1].pk if self.rows else None


def _order(qs) -> list[tuple[str, bool]]:
    """``[(field, descending)]`` of ``qs``'s order, which must end with the primary key (a total order)."""
    fields = [(f.lstrip("-"), f.startswith("-")) for f in qs.query.order_by]
    if not fields or fields[-1][0] not in ("id", "pk"):
        raise ValueError("a keyset page needs an order ending with the id")
    return fields


def _beyond(fields: list[tuple[str, bool]], anchor: dict, forward: bool) -> Q:
    """The rows whose key comes after ``anchor`` (``forward``) or before it, under ``fields``. The first
    field's inclusive bound comes first so that the database starts its index range there."""
    first, desc = fields[0]
    query = Q()
    equal = Q()
    for name, descending in fields:
        up = descending != forward  # ascending and forward, or descending and backward: greater
        query |= equal & Q(**{f"{name}__{'gt' if up else 'lt'}": anchor[name]})
        equal &= Q(**{name: anchor[name]})
    bound = "lte" if desc == forward else "gte"
    return Q(**{f"{first}__{bound}": anchor[first]}) & query


def _reversed(fields: list[tuple[str, bool]]) -> list[str]:
    return [name if descending else f"-{name}" for name, descending in fields]


def _number(request) -> int:
    try:
        return max(int(request.GET.get("n") or 1), 1)
    except ValueError:
        return 1


def keyset_page(request, qs):
    """The page ``request`` asks for of ``qs`` (ordered, the order ending with the id): after or before a
    cursor (no count, no offset), a numbered ``?page=`` (a counted page, as before), or the first page."""
    size = settings.PAGE_SIZE
    if request.GET.get("page") and not (request.GET.get("after") or request.GET.get("before")):
        return page_of(request, qs)
    fields = _order(qs)
    names = [name for name, _d in fields]
    for param, forward in (("after", True), ("before", False)):
        cursor = request.GET.get(param, "")
        if not cursor.isdigit():
            continue
        anchor = qs.model._default_manager.filter(pk=int(cursor)).values(*names).first()
        if anchor is None:
            break
        if forward:
            rows = list(qs.filter(_beyond(fields, anchor, True))[: size + 1])
            return KeysetPage(rows[:size], _number(request), True, len(rows) > size)
        rows = list(qs.filter(_beyond(fields, anchor, False)).order_by(*_reversed(fields))[: size + 1])
        if len(rows) > size:
            return KeysetPage(rows[:size][::-1], max(_number(request), 2), True, True)
        break  # the beginning is reached: the first page
    count = qs.count()
    rows = list(qs[:size])
    return KeysetPage(rows, 1, False, count > size, count=count, num_pages=max((count + size - 1) // size, 1))
