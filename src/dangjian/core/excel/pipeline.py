"""The import and export pipeline shared by every register.

Import, in one pass over the streamed rows, in chunks:

1. read each cell as its column's type (every bad cell becomes an error, none raises);
2. the register *plans* the chunk: batch look-ups of existing records and of organizations,
   permission on every row, create / update / unchanged, validation with the service's own
   validators — nothing is written;
3. on commit, each chunk's planned rows are written through the register's service (the same
   functions as the forms, so the same validation and audit events; a register with a batched
   service such as ``member_create_many`` writes a chunk at once) inside ONE transaction. After
   the first error nothing more is written but every row is still checked, and at the end the
   transaction is rolled back: all or nothing. A successful commit writes one summary
   ``import`` audit event; a refused one writes a ``failure`` event after the rollback.

Export streams a register's scoped queryset into an .xlsx with the import headers and writes an
``export`` audit event with the filter and the row count.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives import hashes
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.dispatch import Signal

from dangjian.core import audit, tree
from dangjian.core.excel import reader, writer
from dangjian.core.excel.declarations import CellError, Row, Template
from dangjian.core.models import organization_model
from dangjian.core.scoping import can_see_full_id
from dangjian.core.services import BatchValidationError

logger = logging.getLogger("dangjian.excel")

CHUNK = 500
SHOWN_CHANGES = 2000

# Sent inside an import's transaction once it has written its rows (``register=``, ``user=``): derived
# figures (points) queue their recompute job here, so that it commits or rolls back with the rows.
import_committed = Signal()


@dataclass(frozen=True)
class RowError:
    """One reason a row (or, without a row number, the file) cannot be imported."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return f"第 {self.row} 行〈{self.column}〉：{self.message}"
        return f"第 {self.row} 行：{self.message}"


@dataclass(frozen=True)
class Change:
    row: int
    action: str
    label: str
    columns: tuple[str, ...] = ()


@dataclass
class Outcome:
    """What an import found (preview) or did (commit)."""

    register: str
    filename: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    committed: bool = False
    file_rejected: bool = False
    digest: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors if e.row is not None})

    def summary(self) -> str:
        verb = "已" if self.committed else "将"
        return (
            f"共 {self.rows} 行：{verb}新增 {self.created} 行，{verb}更新 {self.updated} 行，"
            f"{self.unchanged} 行无变化；错误 {len(self.errors)} 处"
        )


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _parse(template: Template, number: int, raw: dict[str, Any]) -> Row:
    row = Row(number=number, values={})
    for key, value in raw.items():
        column = template.column(key)
        try:
            row.values[key] = column.parse(value)
        except CellError as exc:
            row.errors.append((column.header, str(exc)))
            row.values[key] = None
            row.extra.setdefault("bad", set()).add(key)
    for column in template.import_columns:
        if column.required and column.key in raw and row.values.get(column.key) is None:
            if column.key not in row.extra.get("bad", ()):
                row.errors.append((column.header, "必填"))
    return row


def validation_errors(template: Template, exc: ValidationError) -> list[tuple[str, str]]:
    """A service's ValidationError as ``[(column header, reason)]``."""
    found = []
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            header = "" if name == "__all__" else template.header_of(name)
            for message in messages:
                found.append((header, message))
    else:
        found.extend(("", m) for m in exc.messages)
    return found


def plan_update(
    template: Template, row: Row, instance, changed: dict[str, Any], validate: Callable[..., None], /, *args, **kwargs
) -> None:
    """Plan ``row`` as an update of ``instance`` with ``changed`` ("unchanged" when it is empty) once
    ``validate(*args, **kwargs)`` (the service's own check) passes; its ValidationError becomes the row's errors."""
    row.instance = instance
    if not changed:
        row.action = "unchanged"
        return
    try:
        validate(*args, **kwargs)
    except ValidationError as exc:
        row.errors.extend(validation_errors(template, exc))
        return
    row.action, row.data = "update", changed


def _write(template: Template, rows: list[Row], state) -> None:
    """Write a chunk's planned rows in a savepoint; their errors go onto the rows."""
    try:
        with transaction.atomic():
            template.apply_many(rows, state)
    except BatchValidationError as exc:
        for i, error in exc.errors.items():
            rows[i].errors.extend(validation_errors(template, error))
    except DatabaseError as exc:  # e.g. a unique key taken by a concurrent writer
        logger.warning("import rows %s–%s failed: %s", rows[0].number, rows[-1].number, exc)
        rows[0].errors.append(("", f"第 {rows[0].number}–{rows[-1].number} 行与已有记录冲突，请稍后重试"))


def _process(template: Template, rows: Iterable[tuple[int, dict]], user, outcome: Outcome, *, commit: bool) -> list:
    state = template.begin(user, commit=commit)
    written_orgs = []
    for chunk in _chunks(rows, template.chunk_rows or CHUNK):
        parsed = [_parse(template, number, raw) for number, raw in chunk]
        template.plan(parsed, state)
        # Once any row has an error nothing more is written (the run will roll back), but every
        # row is still checked so that the preview lists all of them.
        writes = [r for r in parsed if r.action in ("create", "update")]
        if commit and writes and not outcome.errors and not any(r.errors for r in parsed):
            _write(template, writes, state)
            if not any(r.errors for r in writes):
                written_orgs.extend(org.path for org in map(template.org_of, writes) if org is not None)
        for row in parsed:
            outcome.rows += 1
            if row.errors:
                outcome.errors.extend(RowError(row.number, column, message) for column, message in row.errors)
                continue
            if row.action == "create":
                outcome.created += 1
            elif row.action == "update":
                outcome.updated += 1
            else:
                outcome.unchanged += 1
            if row.action in ("create", "update") and len(outcome.changes) < SHOWN_CHANGES:
                columns = tuple(template.header_of(k) for k in row.data) if row.action == "update" else ()
                outcome.changes.append(Change(row.number, row.action, row.label, tuple(c for c in columns if c)))
    outcome.warnings.extend(template.notices(state))
    return written_orgs


def _common_org(paths: list[str]):
    """The lowest organization above every written row (for the summary audit event)."""
    if not paths:
        return None
    low, high = min(paths), max(paths)  # the common prefix of the extremes is common to all
    prefix = ""
    for end in range(tree.STEP, min(len(low), len(high)) + 1, tree.STEP):
        if low[:end] != high[:end]:
            break
        prefix = low[:end]
    return organization_model().objects.filter(path=prefix).first() if prefix else None


def _run(
    template: Template,
    open_rows,
    *,
    user,
    commit: bool,
    filename: str = "",
    digest: str = "",
    progress=None,
) -> Outcome:
    outcome = Outcome(register=template.name, filename=filename, digest=digest)
    headers: list[reader.Header] = []
    try:
        with open_rows() as numbered:
            records = reader.records(template, numbered, headers)
            if progress is not None:
                records = _counted(records, progress)
            if commit:
                with transaction.atomic():
                    paths = _process(template, records, user, outcome, commit=True)
                    if not headers or headers[0].errors or outcome.errors:
                        transaction.set_rollback(True)
                    else:
                        outcome.committed = True
                        audit.record(
                            actor=user,
                            action="import",
                            org=_common_org(paths),
                            object_type=template.object_type,
                            object_repr=(filename or template.title)[:200],
                            changes={
                                "register": template.name,
                                "file": filename,
                                "sm3": digest,
                                "rows": outcome.rows,
                                "created": outcome.created,
                                "updated": outcome.updated,
                                "unchanged": outcome.unchanged,
                            },
                        )
                        import_committed.send(sender=Template, register=template.name, user=user)
            else:
                _process(template, records, user, outcome, commit=False)
    except reader.FileRejected as exc:
        outcome.file_rejected = True
        outcome.errors.insert(0, RowError(None, "", str(exc)))
        outcome.created = outcome.updated = outcome.unchanged = 0
        outcome.changes = []
    if headers:
        outcome.warnings.extend(headers[0].warnings)
        if headers[0].errors:
            outcome.file_rejected = True
            outcome.errors[:0] = [RowError(None, "", e) for e in headers[0].errors]
    if commit and not outcome.committed:
        outcome.created = outcome.updated = 0
        audit.record(
            actor=user,
            action="import",
            object_type=template.object_type,
            object_repr=(filename or template.title)[:200],
            outcome="failure",
            changes={"register": template.name, "file": filename, "sm3": digest, "errors": len(outcome.errors)},
        )
    return outcome


def _counted(records: Iterable, progress) -> Iterator:
    """Pass the records through, telling ``progress`` (e.g. a tqdm bar's update) of each one."""
    for record in records:
        progress(1)
        yield record


def file_digest(path: str | os.PathLike) -> str:
    """SM3 of the uploaded file, recorded in the audit event (which file was imported)."""
    digest = hashes.Hash(hashes.SM3())
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.finalize().hex()


def run(
    template: Template, path: str | os.PathLike, *, user, commit: bool, filename: str = "", progress=None
) -> Outcome:
    """Preview (``commit=False``) or commit an .xlsx file for ``user``; ``progress(n)`` hears of each row."""
    digest = file_digest(path) if Path(path).is_file() else ""
    return _run(
        template,
        lambda: reader.open_workbook_rows(path, template),
        user=user,
        commit=commit,
        filename=filename or Path(path).name,
        digest=digest,
        progress=progress,
    )


def preview(template: Template, path, *, user, filename: str = "") -> Outcome:
    return run(template, path, user=user, commit=False, filename=filename)


def commit(template: Template, path, *, user, filename: str = "") -> Outcome:
    return run(template, path, user=user, commit=True, filename=filename)


def run_values(template: Template, rows: Iterable[tuple], *, user, commit: bool = False) -> Outcome:
    """The same pipeline over rows already in memory (header row first): for tests and other sources."""
    numbered = ((i, tuple(values)) for i, values in enumerate(rows, start=1))
    return _run(template, lambda: nullcontext(numbered), user=user, commit=commit, filename="(内存)")


# --- Export ---------------------------------------------------------------------------------


@dataclass
class Export:
    file: IO[bytes]
    rows: int
    filename: str


def export_size(template: Template, *, user, params) -> int:
    """How many rows :func:`export` would write (the view sends a large export to the background); 0 for a
    register whose export is not one queryset (a small catalogue, always written inline)."""
    queryset = template.export_queryset(user, params)[0]
    return queryset.count() if isinstance(queryset, QuerySet) else 0


def export_to(template: Template, fh: IO[bytes], *, user, params, progress=None, audit_now: bool = True):
    """Write the user's filtered records into ``fh`` as .xlsx and audit it; ``progress(n)`` hears of each row.
    Returns the row count, or with ``audit_now=False`` the row count and the audit write to do later."""
    queryset, filters, org = template.export_queryset(user, params)
    records = template.export_records(queryset, user)
    count = writer.write_export(template, _counted(records, progress) if progress else records, fh)

    def audit_it() -> None:
        audit.record(
            actor=user,
            action="export",
            org=org,
            object_type=template.object_type,
            object_repr=template.title,
            changes={
                "register": template.name,
                "filter": filters,
                "rows": count,
                "full_id": can_see_full_id(user),
            },
        )

    if not audit_now:
        return count, audit_it
    audit_it()
    return count


def export(template: Template, *, user, params) -> Export:
    """Write the user's filtered records to a temporary .xlsx (deleted when closed) and audit it."""
    fh = tempfile.TemporaryFile()  # closed by the response that sends it
    try:
        count = export_to(template, fh, user=user, params=params)
    except BaseException:
        fh.close()
        raise
    fh.seek(0)
    return Export(fh, count, f"{template.title}.xlsx")


def blank(template: Template) -> IO[bytes]:
    fh = tempfile.TemporaryFile()  # closed by the response that sends it
    writer.write_blank(template, fh)
    fh.seek(0)
    return fh


__all__ = [
    "Change",
    "Export",
    "Outcome",
    "RowError",
    "blank",
    "commit",
    "export",
    "export_size",
    "export_to",
    "preview",
    "run",
    "run_values",
]
