"""Chinese resident ID numbers (GB 11643-1999): validation, parsing and masking."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from operator import mul

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangjian.core.dates import is_future

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
PATTERN = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: dt.date
    gender: str  # "male" / "female"


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(map(mul, map(int, first17), WEIGHTS)) % 11]


def normalize(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def parse(value: str) -> IdInfo:
    """Validate an 18-digit ID number and return what it encodes, or raise ValidationError."""
    return _parse(normalize(value))


# An import parses each number three times (the cell, the preview's check, the service's check).
# Only valid numbers are kept (a raise is never cached), and a number valid once stays valid: the
# only check that depends on the day, a birth date in the future, can only turn false as time passes.
@lru_cache(maxsize=4096)
def _parse(number: str) -> IdInfo:
    if not PATTERN.match(number):
        raise ValidationError(_("An ID number has 17 digits followed by a digit or X."), code="format")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError(_("The birth date inside the ID number is not a real date."), code="birth") from exc
    if birth.year < 1900 or is_future(birth):
        raise ValidationError(_("The birth date inside the ID number is out of range."), code="birth")
    if check_char(number[:17]) != number[17]:
        raise ValidationError(_("The check digit of the ID number is wrong."), code="checksum")
    gender = "male" if int(number[16]) % 2 else "female"
    return IdInfo(number=number, birth_date=birth, gender=gender)


def make(prefix6: str, birth: dt.date, seq: int, gender: str) -> str:
    """Build a valid ID number (for demo data and tests)."""
    seq = seq % 500
    body = f"{prefix6}{birth:%Y%m%d}{seq // 5:02d}"
    odd_even = (seq % 5) * 2 + (1 if gender == "male" else 0)
    first17 = body + str(odd_even)
    return first17 + check_char(first17)


# What a masked ID number keeps: the first two characters (the province, public knowledge for any
# record of the district) and the last two (the gender digit and the check character). The area
# code (characters 1-6) and the birth date (7-14) are never both derivable: the county digits, the
# birth date and two sequence digits are hidden, so even with the county and the birth year known
# (what a branch secretary sees) about 365 × 100 ÷ 11 ≈ 3,300 numbers fit per county. The old
# ``4101**********1234`` with the birth date in clear left one. Roles that may not see the full
# number see the birth date as a year only (:func:`birth_year`). See SECURITY.md (个人信息保护).
HEAD, TAIL = 2, 2
MASK = "*"


def mask(number: str | None) -> str:
    """``410102199001011234`` → ``41**************34``: the province and the last two characters."""
    if not number:
        return ""
    if len(number) <= 8:
        return MASK * len(number)
    return number[:HEAD] + MASK * (len(number) - HEAD - TAIL) + number[-TAIL:]


def legacy_mask(number: str | None) -> str:
    """The masking of exports before the rule above (``4101**********1234``): such a file still imports."""
    if not number or len(number) <= 8:
        return MASK * len(number or "")
    return number[:4] + MASK * (len(number) - 8) + number[-4:]


def mask_matches(text: str, number: str | None) -> bool:
    """Whether ``text`` (a masked cell of an export) stands for ``number``: the current or the old masking."""
    return bool(number) and text in (mask(number), legacy_mask(number))


# An ID number in free text (an audit event's value): full, or masked by the current or the old rule.
IN_TEXT = re.compile(r"(?<![0-9A-Za-z*])[0-9*]{14}[0-9*]{3}[0-9Xx*](?![0-9A-Za-z*])")


def mask_in_text(text: str) -> str:
    """``text`` with every 18-character ID number in it (full or masked) masked by :func:`mask`."""
    return IN_TEXT.sub(lambda found: mask(found.group(0).upper()), text)


def birth_year(value: dt.date | str | None) -> str:
    """A birth date as its year only (``1990``): what a role that may not see the full number sees."""
    if not value:
        return ""
    if isinstance(value, dt.date):
        return f"{value.year:04d}"
    text = str(value)
    return text[:4] if re.match(r"^\d{4}-\d{2}-\d{2}", text) else MASK * len(text)


def mask_phone(phone: str | None) -> str:
    """``13812345678`` → ``138****5678``."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
