"""The types API bodies and queries are declared with: checked text, dates and ids, bodies that refuse
unknown fields, and the page parameters of every list.

Every API module declares its schemas with these; ``dangjian.core.api`` names them too.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Path, Schema
from pydantic import AfterValidator, ConfigDict

MAX_ID = 2**63 - 1  # the largest value of a bigint primary key
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)


def _clean_text(value: str) -> str:
    """Refuse what no database column can store: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise ValueError(_("Null (0x00) characters are not allowed."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(_("Enter a valid value.")) from exc
    return value


def _date_in_range(value: dt.date) -> dt.date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(
            _("Enter a date between %(start)s and %(end)s.")
            % {"start": MIN_DATE.isoformat(), "end": MAX_DATE.isoformat()}
        )
    return value


def _required(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(_("This field is required."))
    return value


Text = Annotated[str, AfterValidator(_clean_text)]
RequiredText = Annotated[str, AfterValidator(_clean_text), AfterValidator(_required)]
ApiDate = Annotated[dt.date, AfterValidator(_date_in_range)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# An id in the URL: any positive number (one that matches no row is simply not found).
PathId = Annotated[int, Path(ge=1, description="The record's id.")]
# A calendar year of the records (a filter, a table's year).
Year = Annotated[int, Field(ge=2000, le=2100)]
# Hours of a day, one decimal at most (a training session's class hours, a member's volunteer service).
Hours = Annotated[Decimal, Field(gt=0, le=24, max_digits=3, decimal_places=1)]


class InputSchema(Schema):
    """A request body: unknown or read-only fields are refused (no mass assignment)."""

    model_config = ConfigDict(extra="forbid")


class PageParams(Schema):
    page: int = Field(1, ge=1, le=1_000_000, description="Page number, from 1.")
    page_size: int = Field(settings.PAGE_SIZE, ge=1, le=200, description="Items per page (at most 200).")
