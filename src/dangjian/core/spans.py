"""Reporting periods (统计期间): the stretch of days a figure, a table, a chart or a work summary covers.

One value, ``Span(start, end)`` inclusive, read from one query-string vocabulary everywhere:

- ``?period=2026`` a year, ``2026-H1``/``2026-H2`` a half (上半年/下半年), ``2026-Q3`` a quarter, ``2026-05``
  a month;
- ``?from=2026-01-01&to=2026-06-30`` any stretch of days (both needed, ``from`` not after ``to``, at most
  ``MAX_DAYS``).

Anything unreadable falls back to the default (this year so far's year), never to an error page: a
period is a view of figures, not a record. (Meeting requirements have their own calendar periods in
``orglife.periods``; this is the reader's choice of what to count.)
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext

MAX_DAYS = 366 * 10  # a custom stretch of at most ten years
KEY = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]|\d{2}))?$")


@dataclass(frozen=True, order=True)
class Span:
    start: dt.date
    end: dt.date
    key: str = ""  # ``2026``, ``2026-H1``, ``2026-Q3``, ``2026-05``; empty for a custom stretch

    @classmethod
    def year(cls, year: int) -> Span:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}")

    @classmethod
    def parse(cls, key: str) -> Span | None:
        """The period of a key, or ``None`` when ``key`` is not one."""
        match = KEY.match(key or "")
        if not match:
            return None
        year, part = int(match.group(1)), match.group(2)
        if not 2000 <= year <= 2100:
            return None
        if part is None:
            return cls.year(year)
        if part[0] == "H":
            first = 1 if part == "H1" else 7
            return cls._months(year, first, 6, key)
        if part[0] == "Q":
            return cls._months(year, (int(part[1]) - 1) * 3 + 1, 3, key)
        month = int(part)
        return cls._months(year, month, 1, key) if 1 <= month <= 12 else None

    @classmethod
    def _months(cls, year: int, first: int, count: int, key: str) -> Span:
        last = first + count - 1
        return cls(dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1]), key)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def to_date(self, today: dt.date | None = None) -> dt.date:
        """The last day counted so far: the end, or today while the period is running."""
        today = today or timezone.localdate()
        return min(self.end, max(today, self.start))

    @property
    def label(self) -> str:
        """In words: 2026年, 2026年上半年, 2026年第三季度, 2026年5月, 2026-01-01至2026-03-15."""
        year = self.start.year
        if not self.key:
            return gettext("%(start)s to %(end)s") % {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if "-" not in self.key:
            return gettext("year %(year)d") % {"year": year}
        part = self.key.split("-")[1]
        if part == "H1":
            return gettext("first half of %(year)d") % {"year": year}
        if part == "H2":
            return gettext("second half of %(year)d") % {"year": year}
        if part[0] == "Q":
            return gettext("quarter %(quarter)s of %(year)d") % {"quarter": part[1], "year": year}
        return gettext("%(year)d month %(month)d") % {"year": year, "month": self.start.month}

    def query(self) -> str:
        """The query string that gives this period back (``period=2026-H1`` or ``from=…&to=…``)."""
        if self.key:
            return f"period={self.key}"
        return f"from={self.start.isoformat()}&to={self.end.isoformat()}"


def span_param(request, default: Span | None = None) -> Span:
    """The period of ``?period=`` or ``?from=&to=``; ``default`` (this year) when missing or unreadable."""
    today = timezone.localdate()
    fallback = default or Span.year(today.year)
    get = request.GET
    if get.get("period"):
        return Span.parse(get["period"]) or fallback
    if get.get("from") or get.get("to"):
        try:
            start, end = dt.date.fromisoformat(get.get("from", "")), dt.date.fromisoformat(get.get("to", ""))
        except ValueError:
            return fallback
        if start <= end and (end - start).days < MAX_DAYS and start.year >= 2000:
            return Span(start, end)
        return fallback
    if get.get("year", "").isdigit():  # the older ``?year=`` of the figures pages
        return Span.parse(get["year"]) or fallback
    return fallback


def span_choices(today: dt.date | None = None, years: int = 3) -> list[Span]:
    """The periods a selector offers: for this year and the ``years - 1`` before it, the year, its halves
    and quarters (months are typed as ``YYYY-MM`` or chosen as a stretch of days)."""
    today = today or timezone.localdate()
    spans = []
    for year in range(today.year, today.year - years, -1):
        keys = [f"{year}", f"{year}-H1", f"{year}-H2", *(f"{year}-Q{q}" for q in range(1, 5))]
        spans += [span for key in keys if (span := Span.parse(key)) and span.start <= today]
    return spans
