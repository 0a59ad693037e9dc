"""Reading an uploaded .xlsx safely and streaming its rows.

Before openpyxl sees a file it is checked here: size, magic bytes (an encrypted workbook or an
old .xls is an OLE compound file, not a zip), and the zip directory (entry count, total and
per-entry uncompressed size and ratio, no absolute, ``..`` or symlink entries), then the work
its parts would cost (see :mod:`dangjian.core.excel.budget`: each part's size, the shared strings'
and the sheet's declared counts). openpyxl then parses with defusedxml (it uses it automatically
when installed; see :func:`defused`), in read-only mode, so memory stays flat whatever the row
count, with every byte, shared string, row and cell counted against the same limits.

Headers are matched by name (with aliases), not position; the header row may sit under a
title row or be split over two rows by merged cells.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import stat
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from defusedxml import DefusedXmlException
from openpyxl import DEFUSEDXML
from openpyxl.utils.escape import unescape

from dangjian.core.excel import budget
from dangjian.core.excel.budget import FileRejected, limits
from dangjian.core.excel.declarations import EXAMPLE_MARK, Column, Template, normalize_header

logger = logging.getLogger("dangjian.excel")

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04",)
FORMULA_ESCAPED = ("=", "+", "-", "@", "\t", "\r")
HEADER_SCAN_ROWS = 10
RATIO_MIN_BYTES = 1024 * 1024  # tiny entries may compress very well without being a bomb

__all__ = ["FileRejected", "limits"]


def defused() -> bool:
    """True when openpyxl parses with defusedxml (entity declarations refused)."""
    return bool(DEFUSEDXML)


def check_file(path: str | os.PathLike) -> None:
    """Refuse anything that is not a plain, reasonably sized .xlsx before any XML is parsed."""
    lim = limits()
    path = Path(path)
    size = path.stat().st_size
    if size > lim["max_bytes"]:
        raise FileRejected(f"文件超过 {lim['max_bytes'] // (1024 * 1024)} MB，请拆分后分批导入")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_MAGIC):
        raise FileRejected("文件设置了打开密码（已加密），或是旧版 .xls 格式；请取消密码并另存为 .xlsx 后再导入")
    if not head.startswith(ZIP_MAGIC):
        raise FileRejected("不是 Excel .xlsx 文件；请用 Excel 或 WPS 另存为 .xlsx 后再导入")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise FileRejected("文件已损坏，或不是 Excel .xlsx 文件") from None
    if len(entries) > lim["max_entries"]:
        raise FileRejected("文件结构异常（压缩包内文件过多），已拒绝")
    total = 0
    names = set()
    for entry in entries:
        name = entry.filename
        pure = PurePosixPath(name.replace("\\", "/"))
        if pure.is_absolute() or ".." in pure.parts or (len(name) > 1 and name[1] == ":"):
            raise FileRejected("文件结构异常（含有越界路径），已拒绝")
        if stat.S_ISLNK(entry.external_attr >> 16):
            raise FileRejected("文件结构异常（含有链接），已拒绝")
        total += entry.file_size
        ratio_base = max(entry.compress_size, 1)
        if entry.file_size > RATIO_MIN_BYTES and entry.file_size / ratio_base > lim["max_ratio"]:
            raise FileRejected("文件结构异常（压缩比过高，疑似压缩炸弹），已拒绝")
        names.add(name)
    if total > lim["max_uncompressed"]:
        raise FileRejected("文件解压后过大，请拆分后分批导入")
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise FileRejected("不是 Excel .xlsx 文件；请用 Excel 或 WPS 另存为 .xlsx 后再导入")
    try:
        with zipfile.ZipFile(path) as archive:
            budget.check_parts(archive, lim)
    except FileRejected:
        raise
    except Exception as exc:  # a broken or hostile manifest, or a part that does not inflate
        raise _rejected(exc) from None


def clean_cell(value: Any) -> Any:
    """Trim text, undo the quote that exports put before formula characters, read blanks as None.

    ``_x000D_``-style escapes (how OOXML writes control characters in a string; openpyxl leaves
    them in inline strings) are decoded first.
    """
    if isinstance(value, str):
        if "_x" in value:
            value = unescape(value)
        if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_ESCAPED:
            value = value[1:]
        value = value.strip()
        return value or None
    return value


@contextmanager
def open_workbook_rows(path: str | os.PathLike, template: Template) -> Iterator[Iterator[tuple[int, tuple]]]:
    """Check the file, open it read-only and yield ``(row number, values)`` of the data sheet.

    A large file is parsed in a second process (see :func:`_rows_from_child`): parsing the XML
    is most of an import's work, and the planning and writing then run beside it on the other core.
    """
    check_file(path)
    if Path(path).stat().st_size >= PARALLEL_MIN_BYTES:
        rows = _rows_from_child(str(path), template.title)
        try:
            yield _numbered(rows)
        finally:
            rows.close()
        return
    with _sheet_rows(str(path), template.title, limits()) as rows:
        yield _numbered(rows)


PARALLEL_MIN_BYTES = 256 * 1024  # about 2,000 rows: below this a second process costs more than it saves
CHILD_BATCH = 500  # rows per batch from the parsing process


@contextmanager
def _sheet_rows(path: str, title: str, lim: dict[str, int]) -> Iterator[Iterator[tuple]]:
    """The data sheet's rows as value tuples, parsed by openpyxl in read-only (streaming) mode,
    every part, shared string, row and cell counted against ``lim`` (see budget.load_guarded)."""
    try:
        workbook, spent = budget.load_guarded(path, lim)
    except FileRejected:
        raise
    except Exception as exc:  # any parse failure of a hostile or broken file is the file's fault
        raise _rejected(exc) from None
    try:
        sheet = _data_sheet(workbook, title)
        sheet.reset_dimensions()  # never trust the declared size: it may be wrong or huge
        yield _guarded(sheet.iter_rows(values_only=True), spent)
    finally:
        workbook.close()


def parse_to_stream(path: str, title: str, out: IO[bytes], lim: dict[str, int]) -> None:
    """The parsing process's work (``python -m dangjian.core.excel.reader PATH TITLE LIMITS``): pickle
    the rows to ``out`` in batches, then ``("end", None)`` or ``("rejected", reason)``."""
    try:
        with _sheet_rows(path, title, lim) as rows:
            batch: list[tuple] = []
            for values in rows:
                batch.append(values)
                if len(batch) >= CHILD_BATCH:
                    pickle.dump(("rows", batch), out, protocol=pickle.HIGHEST_PROTOCOL)
                    batch = []
            pickle.dump(("rows", batch), out, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(("end", None), out)
    except FileRejected as exc:
        pickle.dump(("rejected", str(exc)), out)
    out.flush()


def _rows_from_child(path: str, title: str) -> Iterator[tuple]:
    """The rows of the data sheet, parsed by a fresh Python process and received in batches.

    The child runs only openpyxl (no Django, no database) and writes pickled batches to a pipe
    that this process created, so nothing but our own child feeds ``pickle.load``. The pipe holds
    only a few batches: the parser waits while the importer is busy, so memory stays flat.
    Closing the generator early stops the parser.
    """
    command = [sys.executable, "-m", "dangjian.core.excel.reader", path, title, json.dumps(limits())]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603
    try:
        while True:
            try:
                kind, payload = pickle.load(process.stdout)  # noqa: S301 - our own child, see above
            except (EOFError, pickle.UnpicklingError):
                logger.warning("the parsing process ended early: %s", process.stderr.read(2000))
                raise FileRejected("文件已损坏，或不是 Excel .xlsx 文件") from None
            if kind == "rows":
                yield from payload
            elif kind == "rejected":
                raise FileRejected(payload)
            else:
                return
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def _data_sheet(workbook, title: str):
    sheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
    for ws in sheets:
        if ws.title == title:
            return ws
    for ws in sheets:
        if ws.title not in (INSTRUCTIONS_SHEET, OPTIONS_SHEET):
            return ws
    raise FileRejected("文件中没有工作表")


def _guarded(rows: Iterable[tuple], spent: budget.Budget) -> Iterator[tuple]:
    """The rows, each counted against the budget, with any parse failure of a malformed or hostile
    sheet turned into FileRejected."""
    iterator = iter(rows)
    while True:
        try:
            values = next(iterator)
        except StopIteration:
            return
        except FileRejected:
            raise
        except Exception as exc:  # a malformed or hostile sheet surfaces while streaming
            raise _rejected(exc) from None
        spent.row(values)
        yield values


def _numbered(rows: Iterable[tuple]) -> Iterator[tuple[int, tuple]]:
    return enumerate(rows, start=1)


def _rejected(exc: Exception) -> FileRejected:
    cause: BaseException | None = exc
    while cause is not None:  # openpyxl wraps parse errors in its own ValueError
        if isinstance(cause, FileRejected):
            return cause
        if isinstance(cause, DefusedXmlException):
            return FileRejected("文件含有不允许的 XML 实体定义（可能是恶意文件），已拒绝")
        cause = cause.__cause__ or cause.__context__
    logger.info("rejected an upload: %s: %s", type(exc).__name__, exc)
    return FileRejected("文件已损坏，或不是 Excel .xlsx 文件")


INSTRUCTIONS_SHEET = "填写说明"
OPTIONS_SHEET = "选项"


@dataclass
class Header:
    """Where each known column sits in the sheet."""

    positions: dict[str, int]  # column key → 0-based index
    data_starts: int  # first data row number
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _recognise(cells: tuple, aliases: dict[str, Column]) -> list[Column | None]:
    return [aliases.get(normalize_header(v)) if isinstance(v, str | int | float) else None for v in cells]


def find_header(template: Template, first_rows: list[tuple[int, tuple]]) -> Header:
    """Pick the header row among the first rows (the one naming most columns); merge a split header."""
    aliases = template.aliases()
    best, best_hits = None, 0
    for i, (_number, cells) in enumerate(first_rows):
        hits = len({c.key for c in _recognise(cells, aliases) if c is not None})
        if hits > best_hits:
            best, best_hits = i, hits
    if best is None or best_hits < 2:
        wanted = "、".join(c.header for c in template.import_columns if c.required)
        return Header({}, 0, errors=[f"未找到表头：第一行应为列名（如 {wanted}），请使用下载的模板"])
    number, cells = first_rows[best]
    found = _recognise(cells, aliases)
    data_starts = number + 1
    # A header split by merged cells: names missing in this row may sit in the row above or below.
    for offset in (-1, 1):
        j = best + offset
        if not 0 <= j < len(first_rows) or first_rows[j][0] != number + offset:
            continue
        other = _recognise(first_rows[j][1], aliases)
        taken = {c.key for c in found if c is not None}
        for k, column in enumerate(other):
            if column is not None and column.key not in taken and (k >= len(found) or found[k] is None):
                if k >= len(found):
                    found.extend([None] * (k + 1 - len(found)))
                found[k] = column
                taken.add(column.key)
                if offset == 1:
                    data_starts = number + 2
    positions: dict[str, int] = {}
    errors: list[str] = []
    warnings: list[str] = []
    for index, column in enumerate(found):
        if column is None:
            raw = cells[index] if index < len(cells) else None
            if raw not in (None, "") and normalize_header(raw):
                warnings.append(f"未识别的列〈{normalize_header(raw)}〉已忽略")
            continue
        if column.export_only:
            continue
        if column.key in positions:
            errors.append(f"列〈{column.header}〉出现了不止一次")
            continue
        positions[column.key] = index
    for column in template.import_columns:
        if column.required and column.key not in positions:
            errors.append(f"缺少必填列〈{column.header}〉")
    errors.extend(template.check_headers(positions))
    return Header(positions, data_starts, warnings, errors)


def records(
    template: Template, numbered_rows: Iterable[tuple[int, tuple]], header_sink: list[Header]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(row number, {column key: cleaned raw value})`` for each non-empty, non-example data row.

    The header found is appended to ``header_sink`` before the first record is produced; when
    it has errors nothing is produced. More than the row limit raises FileRejected.
    """
    max_rows = limits()["max_rows"]
    iterator = iter(numbered_rows)
    first: list[tuple[int, tuple]] = []
    for item in iterator:
        first.append(item)
        if len(first) >= HEADER_SCAN_ROWS:
            break
    header = find_header(template, first)
    header_sink.append(header)
    if header.errors:
        return
    positions = header.positions
    seq_at = positions.get(next((c.key for c in template.columns if c.kind == "seq"), ""), None)
    count = 0

    def rows():
        yield from first
        yield from iterator

    for number, cells in rows():
        if number < header.data_starts:
            continue
        cleaned = {key: clean_cell(cells[i]) if i < len(cells) else None for key, i in positions.items()}
        if all(v is None for v in cleaned.values()):
            continue  # empty and trailing rows
        marker = cells[seq_at] if seq_at is not None and seq_at < len(cells) else (cells[0] if cells else None)
        if isinstance(marker, str) and marker.strip().startswith(EXAMPLE_MARK):
            continue
        count += 1
        if count > max_rows:
            raise FileRejected(f"数据超过 {max_rows} 行，请拆分后分批导入")
        yield number, cleaned


if __name__ == "__main__":  # the parsing process of _rows_from_child
    parse_to_stream(sys.argv[1], sys.argv[2], sys.stdout.buffer, json.loads(sys.argv[3]))
