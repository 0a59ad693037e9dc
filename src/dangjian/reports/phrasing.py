"""The official rounding phrases of a work summary (余 / 多 / 近 / 以上; 万 and 亿; Chinese numerals): one
formatter, :func:`phrase`, so that every summary says a number the same way.

The rules, as the department writes them:

- **Exact** (no phrase, ``{figure}``): the number's digits without grouping (``1079``); a fraction keeps one
  decimal (``12.5``), a whole number none.
- **Significant digits.** An approximate phrase keeps the first TWO significant digits of the number and
  drops the rest: the *step* is ``10 ** (digits - 2)`` (3,012 has 4 digits: step 100; 29,600,000 has 8: step
  1,000,000). Numbers below 100 have nothing to drop and are always said exactly (``99``, ``10``, ``0``), and
  so is a number that is already a multiple of its step (``3000``, ``10000`` → ``1万``).
- **余 / 多** (``{figure|余}``, ``{figure|多}``): the number rounded down to its step, followed by 余 (or 多):
  3,012 → ``3000余``, 101 → ``100余``. When what was dropped is MORE than half a step, the number is nearer
  the next round figure and is said with 近 instead: 29,600,000 → ``近3000万``, 9,999 → ``近1万``. Exactly half
  a step stays 余 (never claim more than the records hold).
- **近** (``{figure|近}``): always the round figure above (the number rounded UP to its step): 2,960 → ``近3000``.
- **以上** (``{figure|以上}``): the round figure below and 以上, never 近 (以上 states a floor): 12,345 → ``1.2万以上``.
- **万 and 亿**: an approximate figure of 10,000 or more is said in 万 (``1.2万``), of 100,000,000 or more in 亿
  (``1.2亿``), with the decimals it needs (at most the significant digits kept). Exact figures keep their
  digits: a count of people is written out (``12345``).
- **Chinese numerals** (``{figure|中文}``): the exact whole number in Chinese numerals (5 → ``五``,
  10 → ``十``, 1,079 → ``一千零七十九``), as a template asks for ordinal counts (``五期``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

APPROXIMATE = ("余", "多", "近", "以上")
NUMERALS = "中文"
PHRASES = ("", *APPROXIMATE, NUMERALS)

DIGITS = "零一二三四五六七八九"
SMALL_UNITS = ("", "十", "百", "千")
BIG_UNITS = ("", "万", "亿")
WAN, YI = 10**4, 10**8


def phrase(value, how: str = "") -> str:
    """``value`` (an int, a Decimal or a float) said the way ``how`` (one of :data:`PHRASES`) asks."""
    if how not in PHRASES:
        raise ValueError(how)
    number = Decimal(str(value or 0))
    if how == NUMERALS:
        return chinese(int(number.to_integral_value(ROUND_HALF_UP)))
    if not how or number < 100:
        return _exact(number)
    whole = int(number.to_integral_value(ROUND_HALF_UP))
    step = 10 ** (len(str(whole)) - 2)
    floor, dropped = whole - whole % step, whole % step
    if dropped == 0 and number == whole:
        return _scaled(whole)
    if how == "近" or (how in ("余", "多") and dropped * 2 > step):
        return f"近{_scaled(floor + step)}"
    return f"{_scaled(floor)}{how}"


def _exact(number: Decimal) -> str:
    if number == number.to_integral_value():
        return str(int(number))
    return str(number.quantize(Decimal("0.1"), ROUND_HALF_UP))


def _scaled(whole: int) -> str:
    """A round figure in 亿 or 万 from 10,000 up (``1.2万``, ``3000万``, ``1亿``), else its digits."""
    for size, unit in ((YI, "亿"), (WAN, "万")):
        if whole >= size:
            text = f"{Decimal(whole) / size:f}"
            return (text.rstrip("0").rstrip(".") if "." in text else text) + unit
    return str(whole)


def chinese(number: int) -> str:
    """A whole number from 0 to 10**12 - 1 in Chinese numerals: 0 → 零, 10 → 十, 15 → 十五, 101 → 一百零一,
    1079 → 一千零七十九, 20000 → 二万, 100010 → 十万零一十."""
    if number < 0:
        return "负" + chinese(-number)
    if number == 0:
        return DIGITS[0]
    groups = []
    while number:
        groups.append(number % WAN)
        number //= WAN
    out, zero = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero = bool(out)
            continue
        if out and (zero or group < 1000):
            out += DIGITS[0]
        out += _group(group) + BIG_UNITS[index]
        zero = False
    if out.startswith("一十"):  # 十五, 十万 (not 一十五); inside a number 一十 stays (一百一十)
        out = out[1:]
    return out


def _group(group: int) -> str:
    """0 < group < 10000 in numerals, zeros inside said once (1005 → 一千零五)."""
    text, zero = "", False
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += DIGITS[0]
            zero = False
        text += DIGITS[digit] + SMALL_UNITS[position]
    return text
