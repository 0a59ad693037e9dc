"""The official rounding phrases (reports.phrasing): one formatter, its rules in its docstring."""

from decimal import Decimal

import pytest

from dangjian.reports.phrasing import chinese, phrase


@pytest.mark.parametrize(
    ("value", "how", "said"),
    [
        # the issue's own examples
        (3012, "余", "3000余"),
        (29_600_000, "余", "近3000万"),
        (1079, "", "1079"),
        (5, "", "5"),
        (5, "中文", "五"),
        # below 100 nothing is dropped
        (0, "余", "0"),
        (1, "余", "1"),
        (10, "多", "10"),
        (99, "余", "99"),
        (99, "近", "99"),
        (None, "", "0"),
        # a round figure is said as it is
        (100, "余", "100"),
        (3000, "余", "3000"),
        (10_000, "余", "1万"),
        (100_000_000, "余", "1亿"),
        # 余 / 多 below half a step, 近 above it, half a step stays 余
        (101, "余", "100余"),
        (101, "多", "100多"),
        (150, "余", "150"),
        (155, "余", "150余"),
        (156, "余", "近160"),
        (9_999, "余", "近1万"),
        (12_345, "余", "1.2万余"),
        (12_345, "多", "1.2万多"),
        (12_551, "余", "近1.3万"),
        (123_456_789, "余", "1.2亿余"),
        (100_000_001, "余", "1亿余"),
        # 近 always rounds up, 以上 always down
        (2_960, "近", "近3000"),
        (3_012, "近", "近3100"),
        (12_345, "以上", "1.2万以上"),
        (9_999, "以上", "9900以上"),
        (29_600_000, "以上", "2900万以上"),
        # fractions
        (Decimal("12.46"), "", "12.5"),
        (Decimal("3012.4"), "余", "3000余"),
        (Decimal("12.0"), "", "12"),
    ],
)
def test_phrase(value, how, said):
    assert phrase(value, how) == said


@pytest.mark.parametrize(
    ("number", "numerals"),
    [
        (0, "零"),
        (1, "一"),
        (5, "五"),
        (10, "十"),
        (15, "十五"),
        (20, "二十"),
        (99, "九十九"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (1005, "一千零五"),
        (1079, "一千零七十九"),
        (9999, "九千九百九十九"),
        (10_000, "一万"),
        (10_010, "一万零一十"),
        (20_000, "二万"),
        (100_010, "十万零一十"),
        (1_000_000, "一百万"),
        (100_000_000, "一亿"),
        (100_000_005, "一亿零五"),
    ],
)
def test_chinese_numerals(number, numerals):
    assert chinese(number) == numerals


def test_an_unknown_phrase_is_refused():
    with pytest.raises(ValueError):
        phrase(5, "约")
