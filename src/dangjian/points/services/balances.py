"""Balances: one row per member and year, rewritten from the ledger; and the fast reads of the ledger
and of members' places that the balances and the automatic entries share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q, Sum

from dangjian.core import bulk
from dangjian.members.models import Member
from dangjian.points.models import (
    ZERO,
    PointBalance,
    PointEntry,
)
from dangjian.points.services.book import ONE_PLACE, RuleBook


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _driver_rows(queryset) -> Iterator[tuple]:
    """The rows of a ``values_list`` queryset as the database driver gives them, without the ORM's
    per-value converters (hundreds of thousands of rows here): dates are dates on both databases,
    decimals are numbers on SQLite (see :class:`_Decimals`)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(20000):
            yield from rows


class _Decimals(dict):
    """Points of one decimal place from the driver's values, each distinct value converted once."""

    def __missing__(self, value) -> Decimal:
        found = self[value] = Decimal(str(value)).quantize(ONE_PLACE)
        return found


def _member_places(member_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """``{member id: (org id, org path)}`` of current records, in chunks."""
    ids = sorted(set(member_ids))
    found: dict[int, tuple[int, str]] = {}
    if len(ids) > 5000:
        for pk, org_id, path in Member.objects.values_list("pk", "org_id", "org_path").iterator(chunk_size=10000):
            found[pk] = (org_id, path)
        return found
    for chunk in _chunks(ids, 900):
        for pk, org_id, path in Member.objects.filter(pk__in=chunk).values_list("pk", "org_id", "org_path"):
            found[pk] = (org_id, path)
    return found


RECOMPUTE_PART = 4000  # members a part of recompute_year holds in memory at once


def _member_ranges(size: int) -> list[range]:
    """Ranges of member ids, ``size`` members each, that together cover every member."""
    ids = list(Member.objects.order_by("pk").values_list("pk", flat=True))
    starts = ids[::size]
    return [range(a, b) for a, b in zip(starts, [*starts[1:], ids[-1] + 1], strict=True)] if ids else []


def _in_part(members: range) -> Q:
    return Q(member_id__gte=members.start, member_id__lt=members.stop)


def refresh_balances(pairs: Iterable[tuple[int, int]], book: RuleBook | None = None) -> None:
    """Rewrite the balance rows of these ``(member, year)`` pairs from the ledger."""
    by_year: dict[int, set[int]] = defaultdict(set)
    for member_id, year in pairs:
        by_year[year].add(member_id)
    if not by_year:
        return
    book = book or RuleBook()
    for year, ids in by_year.items():
        for chunk in _chunks(sorted(ids), 900):
            PointBalance.objects.filter(year=year, member_id__in=chunk).delete()
            _write_balances(year, Q(member_id__in=chunk), book)


def rebuild_year_balances(
    year: int, book: RuleBook | None = None, members: range | None = None, places: dict | None = None
) -> int:
    """Rewrite the balance rows of ``year`` from the ledger: those of the members whose ids are in
    ``members`` (whose ``places`` may be known already), or everyone's, a part at a time."""
    book = book or RuleBook()
    if members is None:
        return sum(rebuild_year_balances(year, book, part) for part in _member_ranges(RECOMPUTE_PART))
    part = _in_part(members)
    PointBalance.objects.filter(part, year=year).delete()
    return _write_balances(year, part, book, places)


def _write_balances(year: int, query: Q, book: RuleBook, places: dict | None = None) -> int:
    sums = (
        PointEntry.objects.filter(query, year=year, status=PointEntry.Status.APPROVED)
        .values_list("member_id", "rule_id")
        .annotate(total=Sum("points"), n=Count("id"))
        .order_by()
    )
    found: dict[int, dict[str, Any]] = {}
    decimal = _Decimals()
    for member_id, rule_id, total, n in _driver_rows(sums):
        row = found.setdefault(member_id, {"total": ZERO, "awarded": ZERO, "deducted": ZERO, "cats": {}, "n": 0})
        total = decimal[total]
        category = book.rules[rule_id].category
        row["total"] += total
        row["n"] += n
        if total < 0:
            row["deducted"] -= total
        else:
            row["awarded"] += total
        row["cats"][category] = row["cats"].get(category, ZERO) + total
    if not found:
        return 0
    orgs = places if places is not None else _member_places(found)
    rows = [
        (
            org[0],
            org[1],
            member_id,
            year,
            v["total"],
            v["awarded"],
            v["deducted"],
            {c: str(p) for c, p in sorted(v["cats"].items())},
            v["n"],
        )
        for member_id, v in found.items()
        if (org := orgs.get(member_id)) is not None
    ]
    bulk.insert(
        PointBalance,
        ["org_id", "org_path", "member_id", "year", "total", "awarded", "deducted", "by_category", "entries"],
        rows,
    )
    return len(rows)
