from __future__ import annotations

import datetime as dt

import pytest

from dangjian.orglife.periods import Period, month_number, period_containing, period_from_key, periods_of


def test_a_quarter_runs_from_its_first_to_its_last_day():
    q = period_containing("quarter", dt.date(2026, 5, 17))
    assert (q.start, q.end, q.key) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30), "2026-Q2")
    assert q.months == [202604, 202605, 202606]


def test_february_ends_on_the_right_day_in_a_leap_year():
    assert period_containing("month", dt.date(2028, 2, 10)).end == dt.date(2028, 2, 29)
    assert period_containing("month", dt.date(2026, 2, 10)).end == dt.date(2026, 2, 28)


def test_a_year_has_twelve_months_four_quarters_and_one_year():
    assert [len(periods_of(kind, 2026)) for kind in ("month", "quarter", "year")] == [12, 4, 1]
    assert periods_of("year", 2026)[0].months == list(range(202601, 202613))


@pytest.mark.parametrize("key", ["2026-03", "2026-Q4", "2026"])
def test_keys_read_back(key):
    assert period_from_key(key).key == key


@pytest.mark.parametrize("key", ["2026-13", "2026-Q5", "26", "abcd-01", ""])
def test_bad_keys_are_refused(key):
    with pytest.raises(ValueError):
        period_from_key(key)


def test_month_numbers_sort_across_year_ends():
    assert month_number(dt.date(2025, 12, 31)) < month_number(dt.date(2026, 1, 1))
    assert isinstance(period_containing("month", dt.date(2026, 1, 1)), Period)
