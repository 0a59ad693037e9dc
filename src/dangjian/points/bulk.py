"""Fast inserts for derived rows (automatic entries, balances): a year of a county is some 600,000
entries, which ``bulk_create`` writes at about 12,000 rows a second. Multi-row INSERTs through the
driver's cursor on SQLite and COPY on PostgreSQL write the same rows several times faster.
Small batches go through ``bulk_create``. (The demo's ``RawInserter`` does the same for its load;
both could move to core.)
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.db import connection

SMALL = 2000
ROWS_PER_INSERT = 400


def insert(model, fields: list[str], rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples in the order of ``fields``, attribute names) into ``model``'s table.
    Decimals and dates are given as text (``"2.0"``, ``"2026-03-10"``; see :func:`text`), which both
    drivers store as the column's type."""
    if not rows:
        return
    if len(rows) <= SMALL:
        model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=500)
        return
    opts = model._meta
    model_fields = [_field(opts, name) for name in fields]
    columns = [f.column for f in model_fields]
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    names = ", ".join(quote(c) for c in columns)
    json_at = {i for i, f in enumerate(model_fields) if f.get_internal_type() == "JSONField"}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    if json_at:
                        row = tuple(json.dumps(v) if i in json_at else v for i, v in enumerate(row))
                    copy.write_row(row)
            return
        raw = cursor.cursor  # the driver's cursor: no per-parameter query logging with DEBUG on
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        head = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608 - names from _meta, values are parameters
        for start in range(0, len(rows), ROWS_PER_INSERT):
            chunk = rows[start : start + ROWS_PER_INSERT]
            if json_at:
                chunk = [tuple(_sqlite(v, i in json_at) for i, v in enumerate(row)) for row in chunk]
            params = [v for row in chunk for v in row]
            raw.execute(head + ", ".join([one] * len(chunk)), params)


def _sqlite(value, is_json: bool):
    if is_json:
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _field(opts, name: str):
    from django.core.exceptions import FieldDoesNotExist

    try:
        return opts.get_field(name)
    except FieldDoesNotExist:
        return opts.get_field(name.removesuffix("_id"))


def text(value):
    """A Decimal or a date as the text both drivers store as the column's type."""
    return None if value is None else (value.isoformat() if isinstance(value, dt.date) else str(value))
