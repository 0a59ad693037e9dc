"""Calendar periods of the meeting requirements: months, quarters and years.

A period runs from ``start`` to ``end`` inclusive. Months are also kept as integers
``YYYYMM`` (``Meeting.month``), which is what the compliance aggregate groups by; a quarter or
a year is the sum of its months.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


MONTHS_IN = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}
QUARTER_NAMES = {1: _("first quarter"), 2: _("second quarter"), 3: _("third quarter"), 4: _("fourth quarter")}


def month_number(day: dt.date) -> int:
    """``2026-03-15`` → ``202603``."""
    return day.year * 100 + day.month


def month_of(number: int) -> tuple[int, int]:
    return divmod(number, 100)


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date
    kind: str

    @property
    def key(self) -> str:
        """``2026-03``, ``2026-Q1`` or ``2026``: stable, sortable, used in URLs and reminders."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}"

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return gettext("%(year)d-%(month)02d") % {"year": self.start.year, "month": self.start.month}
        if self.kind == PeriodKind.QUARTER:
            quarter = (self.start.month - 1) // 3 + 1
            return gettext("%(year)d %(quarter)s") % {"year": self.start.year, "quarter": QUARTER_NAMES[quarter]}
        return gettext("%(year)d") % {"year": self.start.year}

    @property
    def months(self) -> list[int]:
        first = month_number(self.start)
        return [first + i for i in range(MONTHS_IN[self.kind])]

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def period_containing(kind: str, day: dt.date) -> Period:
    if kind == PeriodKind.MONTH:
        return Period(day.replace(day=1), _last_day(day.year, day.month), kind)
    if kind == PeriodKind.QUARTER:
        first = (day.month - 1) // 3 * 3 + 1
        return Period(dt.date(day.year, first, 1), _last_day(day.year, first + 2), kind)
    if kind == PeriodKind.YEAR:
        return Period(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), kind)
    raise ValueError(kind)


def periods_of(kind: str, year: int) -> list[Period]:
    """Every period of ``kind`` in a calendar year, in order."""
    step = MONTHS_IN[kind]
    return [period_containing(kind, dt.date(year, month, 1)) for month in range(1, 13, step)]


def period_from_key(key: str) -> Period:
    """The inverse of :attr:`Period.key`; ValueError for anything else."""
    if len(key) == 4 and key.isdigit():
        return period_containing(PeriodKind.YEAR, dt.date(int(key), 1, 1))
    year, _sep, rest = key.partition("-")
    if not year.isdigit() or len(year) != 4:
        raise ValueError(key)
    if rest.startswith("Q") and rest[1:] in {"1", "2", "3", "4"}:
        return period_containing(PeriodKind.QUARTER, dt.date(int(year), (int(rest[1:]) - 1) * 3 + 1, 1))
    if rest.isdigit() and 1 <= int(rest) <= 12:
        return period_containing(PeriodKind.MONTH, dt.date(int(year), int(rest), 1))
    raise ValueError(key)
