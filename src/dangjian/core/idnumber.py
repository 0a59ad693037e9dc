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


def mask(number: str | None) -> str:
    """``410102199001011234`` → ``4101**********1234``."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str | None) -> str:
    """``13812345678`` → ``138****5678``."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
