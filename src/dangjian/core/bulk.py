"""Fast inserts for large batches: the demo's tables and the batched write services (imports).

``bulk_create`` spends most of its time compiling SQL value by value (two thirds of a county
demo build on SQLite, more on PostgreSQL, where Django binds parameters client-side; 0.2 s per
1,000 members measured here). :class:`RawInserter` chooses one adapter per column, once, and
sends ``COPY`` on PostgreSQL or multi-row ``INSERT`` on SQLite. :func:`insert_objects` adds what
a service needs: it allocates the primary keys first (from the table's sequence on PostgreSQL;
after the largest id ever used on SQLite, whose transactions here take the write lock when they
begin) so that the new objects have their ids without reading them back. Every value is a query
parameter; table and column names come from the model's ``_meta``.

:func:`insert` serves derived rows computed in bulk (a year of a county's automatic points is some
600,000 entries): tuples of values ready for the database, written the same way, and
:func:`without_cycle_collection` the computations that make such rows.
"""

from __future__ import annotations

import gc
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

IDENTITY_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


class RawInserter:
    """Insert rows (dicts by attribute name) into one model's table, fast.

    Columns a row does not mention take the model field's default (``auto_now``/``auto_now_add``:
    now), so fields added to the model later keep working as long as they have a default.
    ``fields`` (attribute names) limits the columns written to those; the others take the
    database's default (NULL) — for :func:`insert`.
    """

    ROWS = 500  # rows per INSERT statement on SQLite

    def __init__(self, model: type[models.Model], *, with_pk: bool, fields: Sequence[str] | None = None):
        if fields is None:
            self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        else:
            named = {f.name: f for f in model._meta.concrete_fields}
            named |= {f.attname: f for f in model._meta.concrete_fields}
            self.fields = [named[name] for name in fields]
        now = timezone.now()
        self.defaults = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            else:
                self.defaults[f.attname] = f.get_default()  # what a new model instance would hold
        ops = connection.ops
        self.adapters = []
        for f in self.fields:
            kind = f.get_internal_type()
            if kind == "DateField":
                self.adapters.append(ops.adapt_datefield_value)
            elif kind == "DateTimeField":
                self.adapters.append(ops.adapt_datetimefield_value)
            elif kind in IDENTITY_TYPES:
                self.adapters.append(None)
            else:
                self.adapters.append(lambda value, f=f: f.get_db_prep_save(value, connection))
        quote = ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        self.copy_sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        self.head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608
        self.row_sql = "(" + ", ".join(["?"] * len(self.fields)) + ")"  # SQLite's own placeholders

    def values(self, rows: list[dict[str, Any]]) -> list[tuple]:
        pairs = [(f.attname, adapt) for f, adapt in zip(self.fields, self.adapters, strict=True)]
        defaults = self.defaults
        out = []
        for row in rows:
            values = []
            for name, adapt in pairs:
                value = row[name] if name in row else defaults[name]
                values.append(adapt(value) if adapt is not None and value is not None else value)
            out.append(tuple(values))
        return out

    def insert(self, rows: list[dict[str, Any]]) -> None:
        self.write(self.values(rows))

    def write(self, values: Sequence[tuple]) -> None:
        """Write rows already in the order of the columns and ready for the database."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in values:
                        copy.write_row(row)
                return
            # The driver-level cursor: with DEBUG on, Django's debug wrapper would format every one of
            # these thousands of parameters into its query log. Its execute() is the driver's own,
            # given SQLite's placeholders: Django's cursor would rewrite each "%s" of every statement
            # with a regular expression: a third of the time of a large insert, measured.
            raw = cursor.cursor
            execute = sqlite3.Cursor.execute
            for start in range(0, len(values), self.ROWS):
                chunk = values[start : start + self.ROWS]
                params = [value for row in chunk for value in row]
                execute(raw, self.head + ", ".join([self.row_sql] * len(chunk)), params)


def insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert ``rows`` (tuples in the order of ``fields``, attribute names) into ``model``'s table.

    No default is filled in and no value is adapted but JSON (given as Python objects): the values
    go to the driver as they are (numbers, text, Decimals and dates, or their text, which both
    databases store as the column's type). The fastest way in for rows computed in bulk; the columns
    not named take the database's default (NULL)."""
    inserter = RawInserter(model, with_pk=False, fields=fields)
    json_at = [i for i, f in enumerate(inserter.fields) if f.get_internal_type() == "JSONField"]
    if json_at:
        rows = [_dump_json(row, json_at) for row in rows]
    elif not isinstance(rows, Sequence):
        rows = list(rows)
    if rows:
        inserter.write(rows)


def _dump_json(row: tuple, json_at: list[int]) -> tuple:
    values = list(row)
    for i in json_at:
        if values[i] is not None:
            values[i] = json.dumps(values[i], ensure_ascii=False)
    return tuple(values)


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """For work that allocates some hundred thousand short-lived tuples and objects and no
    reference cycles (counting a district's meetings, deriving a year of points): letting the
    cyclic collector walk the whole process heap meanwhile costs a tenth to a third of the time.
    Reference counting still frees everything; the collector runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys for ``model``, never used before; call inside the writing transaction."""
    if count <= 0:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("allocate_ids must run inside the transaction that inserts the rows")
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor != "sqlite":
            raise NotImplementedError(connection.vendor)
        # SQLite: the transaction took the write lock when it began (transaction_mode IMMEDIATE), so
        # nobody else can insert until it ends. AUTOINCREMENT never reuses an id: start after both
        # the largest id in the table and the largest ever handed out (sqlite_sequence).
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT max({quote(column)}) FROM {quote(table)}")  # noqa: S608 - names from _meta
        largest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(largest, row[0] if row else 0) + 1
    return list(range(start, start + count))


def insert_objects(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert new, unsaved ``objs`` of ``model``, giving each its primary key. No signals, no ``save()``:
    the caller fills every derived field (as ``save`` would) before calling."""
    if not objs:
        return
    fields = model._meta.concrete_fields
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    now = timezone.now()
    for obj, pk in zip(objs, allocate_ids(model, len(objs)), strict=True):
        obj.pk = pk
        for f in stamped:
            if getattr(obj, f.attname) is None or f.auto_now:
                setattr(obj, f.attname, now)
    RawInserter(model, with_pk=True).insert([{f.attname: getattr(obj, f.attname) for f in fields} for obj in objs])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def reset_sequences(*models) -> None:
    """After inserting explicit ids, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
