"""Reporting periods (core.spans): one vocabulary for every figure, table, chart and summary."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import translation

from dangjian.core.spans import Span, span_choices, span_param

D = dt.date


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        ("2026", D(2026, 1, 1), D(2026, 12, 31)),
        ("2026-H1", D(2026, 1, 1), D(2026, 6, 30)),
        ("2026-H2", D(2026, 7, 1), D(2026, 12, 31)),
        ("2024-Q1", D(2024, 1, 1), D(2024, 3, 31)),
        ("2026-Q4", D(2026, 10, 1), D(2026, 12, 31)),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),
    ],
)
def test_keys_name_their_days(key, start, end):
    span = Span.parse(key)
    assert (span.start, span.end, span.key) == (start, end, key)
    assert Span.parse(key) == span and span.query() == f"period={key}"


@pytest.mark.parametrize("key", ["", "26", "2026-H3", "2026-Q5", "2026-13", "2026-00", "1999", "2026-q1", "x"])
def test_not_a_period(key):
    assert Span.parse(key) is None


def test_labels_are_chinese():
    with translation.override("zh-hans"):
        labels = [Span.parse(k).label for k in ("2026", "2026-H1", "2026-H2", "2026-Q3", "2026-05")]
        custom = Span(D(2026, 1, 1), D(2026, 3, 15)).label
    assert labels == ["2026年", "2026年上半年", "2026年下半年", "2026年第3季度", "2026年5月"]
    assert custom == "2026-01-01至2026-03-15"


def get(query: str):
    return RequestFactory().get("/x/?" + query)


def test_the_query_string_gives_the_period_and_anything_unreadable_the_default():
    default = Span.year(2026)
    assert span_param(get("period=2026-H1"), default) == Span.parse("2026-H1")
    assert span_param(get("from=2026-02-01&to=2026-02-10"), default) == Span(D(2026, 2, 1), D(2026, 2, 10))
    assert span_param(get("year=2025"), default) == Span.year(2025)
    for bad in (
        "period=2026-H9",
        "from=2026-02-10&to=2026-02-01",
        "from=2026-02-01",
        "from=x&to=y",
        "from=1990-01-01&to=1990-02-01",
        "from=2000-01-01&to=2030-01-01",
        "",
    ):
        assert span_param(get(bad), default) == default, bad


def test_running_period_counts_to_today_and_the_selector_offers_only_started_periods():
    span = Span.year(2026)
    assert span.to_date(D(2026, 3, 1)) == D(2026, 3, 1) and span.to_date(D(2027, 1, 5)) == D(2026, 12, 31)
    keys = [s.key for s in span_choices(D(2026, 5, 1), years=2)]
    assert keys[:4] == ["2026", "2026-H1", "2026-Q1", "2026-Q2"] and "2026-H2" not in keys and "2025-Q4" in keys
