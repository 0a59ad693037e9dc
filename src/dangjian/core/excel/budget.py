"""The work an uploaded .xlsx may cost: refused before parsing, and counted while parsing.

openpyxl reads the whole shared-strings table before the first row, and parses every other part
it needs (the manifest, the workbook, the styles) whole. A small upload can therefore hold a
table that takes minutes to parse: 2.3 MB whose shared strings are 20 MB passes any ratio check.
So, before any XML is parsed (:func:`check_parts`, from the zip directory and the first bytes of
a part only):

* each part's uncompressed size against its kind's limit (worksheet, shared strings, any other);
* the shared strings' declared ``uniqueCount``/``count`` against the limits, and against the
  cells the worksheets could hold (every string is used by a cell, and a cell that refers to a
  shared string takes at least ``MIN_CELL_BYTES`` of a worksheet);
* each worksheet's declared ``<dimension>`` against the rows and columns allowed.

The directory and the attributes can lie, so while parsing (:class:`Budget`, :class:`GuardedZip`,
:func:`read_string_table`) the same limits are counted: the bytes each part yields, the shared
strings and XML elements read, the rows and cells the data sheet yields, and a parse budget of
work units (an element of the shared strings or a cell of the sheet) shared by all of them.

The limits are settings (``IMPORT_*``) whose defaults follow ``IMPORT_MAX_ROWS``, measured on the
county demo's register of 40,000 members saved by Excel's rules (shared strings): 610 bytes of
worksheet, 2.6 shared strings of 29 bytes, and 24 work units per row.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import IO, Any

from django.conf import settings
from openpyxl.cell.text import Text
from openpyxl.packaging.manifest import Manifest
from openpyxl.reader.excel import ExcelReader
from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS, SHEET_MAIN_NS, WORKSHEET_TYPE
from openpyxl.xml.functions import fromstring, iterparse

MB = 1024 * 1024
MIN_CELL_BYTES = 19  # <c t="s"><v>0</v></c>: the least worksheet XML of a cell that uses a shared string
STRINGS_SLACK = 1000  # shared strings always allowed, whatever the worksheets' size
HEAD_BYTES = 4096  # what is read of a part to find its declared counts or dimension
MAX_ELEMENTS_PER_STRING = 5000  # rich text runs and phonetic hints of one shared string
BINARY_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".bin", ".svg")


class FileRejected(Exception):
    """The file as a whole cannot be imported. The message says why, in Chinese."""


def limits() -> dict[str, int]:
    """The limits in force. Each is a setting; the defaults follow the row limit."""
    rows = getattr(settings, "IMPORT_MAX_ROWS", 200_000)

    def setting(name: str, default: int) -> int:
        value = getattr(settings, name, None)
        return default if value is None else int(value)

    return {
        "max_bytes": setting("IMPORT_MAX_BYTES", 20 * MB),
        "max_rows": rows,
        "max_entries": setting("IMPORT_MAX_ZIP_ENTRIES", 1000),
        "max_uncompressed": setting("IMPORT_MAX_UNCOMPRESSED", 200 * MB),
        "max_ratio": setting("IMPORT_MAX_RATIO", 100),
        # One worksheet's XML: 1,000 bytes a row (the register: 610 with shared strings, 975 inline).
        "max_sheet_bytes": setting("IMPORT_MAX_SHEET_BYTES", max(rows * 1000, 4 * MB)),
        # Any other XML part (workbook, styles, theme, properties): parsed whole by openpyxl.
        "max_part_bytes": setting("IMPORT_MAX_PART_BYTES", 8 * MB),
        # The shared-strings table: 4 strings and 100 bytes a row (the register: 2.6 and 76).
        "max_strings": setting("IMPORT_MAX_SHARED_STRINGS", max(rows * 4, 10_000)),
        "max_strings_bytes": setting("IMPORT_MAX_SHARED_STRINGS_BYTES", max(rows * 100, MB)),
        # Rows the data sheet may yield, blank ones included, and its width.
        "max_sheet_rows": setting("IMPORT_MAX_SHEET_ROWS", rows * 2 + 1000),
        "max_columns": setting("IMPORT_MAX_COLUMNS", 256),
        # Worksheet XML read between two rows (a row of the register: about 1 KB; one full cell: 100 KB).
        "max_row_bytes": setting("IMPORT_MAX_ROW_BYTES", 2 * MB),
        # Work units: shared-string elements plus sheet cells (the register: 24 a row).
        "parse_budget": setting("IMPORT_PARSE_BUDGET", max(rows * 60, 1_000_000)),
    }


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


# --- Before parsing -------------------------------------------------------------------------------

WORKSHEET_NAME = re.compile(r"xl/worksheets/[^/]+\.xml")
_SST_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst\b([^>]*)>")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")


def _attribute(tag: bytes, name: bytes) -> int | None:
    found = re.search(rb"\s" + name + rb"\s*=\s*[\"']\s*(\d{1,15})\s*[\"']", tag)
    return int(found.group(1)) if found else None


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def declared_size(head: bytes) -> tuple[int, int] | None:
    """(rows, columns) of a worksheet's ``<dimension ref="A1:S39837"/>``, or None when absent."""
    found = _DIMENSION.search(head)
    if not found:
        return None
    corners = [_CELL.fullmatch(part.strip()) for part in found.group(1).decode("ascii", "replace").split(":")]
    if not corners or any(c is None for c in corners):
        return None
    rows = [int(c.group(2)) for c in corners]
    cols = [_column_number(c.group(1)) for c in corners]
    return max(rows) - min(rows) + 1, max(cols) - min(cols) + 1


def _head(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as fh:
        return fh.read(HEAD_BYTES)


class Parts:
    """The parts of a package that openpyxl parses, by kind (from the package's content types)."""

    def __init__(self, archive: zipfile.ZipFile, lim: dict[str, int]):
        info = archive.getinfo(ARC_CONTENT_TYPES)
        if info.file_size > lim["max_part_bytes"]:
            raise FileRejected(_too_big_part(ARC_CONTENT_TYPES, info.file_size, lim["max_part_bytes"]))
        manifest = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))
        strings = manifest.find(SHARED_STRINGS)
        self.strings = strings.PartName.lstrip("/") if strings is not None else None
        self.sheets = {t.PartName.lstrip("/") for t in manifest.findall(WORKSHEET_TYPE)}
        self.sheets |= {n for n in archive.namelist() if WORKSHEET_NAME.fullmatch(n)}  # typed by extension

    def limit(self, name: str, lim: dict[str, int]) -> int:
        if name == self.strings:
            return lim["max_strings_bytes"]
        if name in self.sheets:
            return lim["max_sheet_bytes"]
        return lim["max_part_bytes"]


def _too_big_part(name: str, size: int, limit: int) -> str:
    return f"文件中的部件 {name} 解压后过大（{_mb(size)}，上限 {_mb(limit)}），已拒绝"


def strings_allowed(sheet_bytes: int, lim: dict[str, int]) -> int:
    """Shared strings a package may hold: the limit, and no more than its worksheets' cells."""
    return min(lim["max_strings"], STRINGS_SLACK + sheet_bytes // MIN_CELL_BYTES)


def check_parts(archive: zipfile.ZipFile, lim: dict[str, int]) -> None:
    """Refuse a package whose parts would cost more than the limits to parse (reads no more than
    ``HEAD_BYTES`` of any part but the manifest)."""
    parts = Parts(archive, lim)
    sizes = {info.filename: info.file_size for info in archive.infolist()}
    for name, size in sizes.items():
        if name.lower().endswith(BINARY_SUFFIXES) and name != parts.strings and name not in parts.sheets:
            continue  # pictures are never parsed (and count towards the total size)
        limit = parts.limit(name, lim)
        if size <= limit:
            continue
        if name == parts.strings:
            raise FileRejected(f"文件中的共享字符串表解压后过大（{_mb(size)}，上限 {_mb(limit)}），请拆分后分批导入")
        if name in parts.sheets:
            raise FileRejected(f"工作表 {name} 解压后过大（{_mb(size)}，上限 {_mb(limit)}），请拆分后分批导入")
        raise FileRejected(_too_big_part(name, size, limit))
    sheet_bytes = 0
    for name in sorted(parts.sheets & sizes.keys()):
        sheet_bytes += sizes[name]
        declared = declared_size(_head(archive, name))
        if declared and (declared[0] > lim["max_sheet_rows"] or declared[1] > lim["max_columns"]):
            raise FileRejected(
                f"工作表声明的范围过大（{declared[0]} 行 × {declared[1]} 列，上限 {lim['max_sheet_rows']} 行、"
                f"{lim['max_columns']} 列），请删除多余的行列或拆分后分批导入"
            )
    if parts.strings in sizes:
        tag = _SST_TAG.search(_head(archive, parts.strings))
        unique = _attribute(tag.group(1), b"uniqueCount") if tag else None
        uses = _attribute(tag.group(1), b"count") if tag else None
        _check_string_count(unique or 0, strings_allowed(sheet_bytes, lim), lim)
        if uses is not None and uses > lim["parse_budget"]:
            raise FileRejected(
                f"文件中引用共享字符串的单元格过多（{uses} 个，上限 {lim['parse_budget']} 个），请拆分后分批导入"
            )


def _check_string_count(count: int, allowed: int, lim: dict[str, int]) -> None:
    if count <= allowed:
        return
    if allowed < lim["max_strings"]:
        raise FileRejected(f"文件中的共享字符串（{count} 个以上）多于工作表中的单元格，文件结构异常，已拒绝")
    raise FileRejected(f"文件中的共享字符串过多（{count} 个以上，上限 {allowed} 个），请拆分后分批导入")


# --- While parsing --------------------------------------------------------------------------------


class Budget:
    """What the parse has read so far; each ``spend`` or ``row`` past a limit raises FileRejected."""

    def __init__(self, lim: dict[str, Any]):
        self.lim = lim
        self.work = 0  # shared-string elements plus sheet cells
        self.bytes = 0  # XML bytes of every part
        self.rows = 0  # rows the data sheet yielded, blank ones included
        self.sheet_read = 0  # worksheet bytes read so far, and when the last row came
        self.sheet_read_at_row = 0
        self.strings_allowed = lim["max_strings"]

    def spend(self, units: int) -> None:
        self.work += units
        if self.work > self.lim["parse_budget"]:
            limit = self.lim["parse_budget"]
            raise FileRejected(f"文件内容过多（解析工作量超过上限 {limit} 个单元），请拆分后分批导入")

    def row(self, values: tuple) -> None:
        self.rows += 1
        if self.rows > self.lim["max_sheet_rows"]:
            raise FileRejected(f"工作表超过 {self.lim['max_sheet_rows']} 行（含空行），请删除多余的行或拆分后分批导入")
        if len(values) > self.lim["max_columns"]:
            raise FileRejected(f"工作表第 {self.rows} 行超过 {self.lim['max_columns']} 列，请删除多余的列")
        self.spend(len(values))
        self.sheet_read_at_row = self.sheet_read

    def read(self, stream: GuardedPart, count: int) -> None:
        self.bytes += count
        if self.bytes > self.lim["max_uncompressed"]:
            raise FileRejected("文件解压后过大，请拆分后分批导入")
        if stream.read_bytes > stream.limit:
            raise FileRejected(
                f"文件中的部件 {stream.name} 解压后超过上限 {_mb(stream.limit)}（压缩包目录与内容不符），已拒绝"
            )
        if stream.is_sheet:
            self.sheet_read = stream.read_bytes
            if self.sheet_read - self.sheet_read_at_row > self.lim["max_row_bytes"]:
                raise FileRejected("工作表中有过大的行或单元格，已拒绝")


class GuardedPart(io.RawIOBase):
    """A part of the package as openpyxl reads it: every chunk is counted against the budget."""

    def __init__(self, raw: IO[bytes], name: str, limit: int, budget: Budget, is_sheet: bool):
        super().__init__()
        self.raw, self.name, self.limit, self.budget, self.is_sheet = raw, name, limit, budget, is_sheet
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(min(len(buffer), 64 * 1024))
        count = len(data)
        buffer[:count] = data
        self.read_bytes += count
        self.budget.read(self, count)
        return count

    def close(self) -> None:
        self.raw.close()
        super().close()


class GuardedZip(zipfile.ZipFile):
    """The package, handing out :class:`GuardedPart` streams limited by the kind of part."""

    def __init__(self, path: str, budget: Budget, parts: Parts):
        super().__init__(path)
        self.budget, self.parts = budget, parts

    def open(self, name, mode="r", pwd=None, **kwargs):
        raw = super().open(name, mode, pwd, **kwargs)
        if mode != "r":
            return raw
        name = name.filename if isinstance(name, zipfile.ZipInfo) else name
        limit = self.parts.limit(name, self.budget.lim)
        return io.BufferedReader(GuardedPart(raw, name, limit, self.budget, name in self.parts.sheets))


def read_string_table(source, budget: Budget) -> list[str]:
    """openpyxl's ``read_string_table``, counting strings and elements as it goes."""
    strings: list[str] = []
    tag = f"{{{SHEET_MAIN_NS}}}si"
    since_last = 0
    for _event, node in iterparse(source):
        budget.spend(1)
        since_last += 1
        if since_last > MAX_ELEMENTS_PER_STRING:
            raise FileRejected("共享字符串表中有结构异常的字符串（元素过多），已拒绝")
        if node.tag == tag:
            text = Text.from_tree(node).content.replace("x005F_", "")
            node.clear()
            strings.append(text)
            since_last = 0
            if len(strings) > budget.strings_allowed:
                _check_string_count(len(strings), budget.strings_allowed, budget.lim)
    return strings


class GuardedExcelReader(ExcelReader):
    """openpyxl's reader (read-only, values only, no external links) over a :class:`GuardedZip`."""

    def __init__(self, path: str, budget: Budget):
        super().__init__(path, read_only=True, data_only=True, keep_links=False)
        self.archive.close()
        self.budget = budget
        with zipfile.ZipFile(path) as plain:
            parts = Parts(plain, budget.lim)
        archive = GuardedZip(path, budget, parts)
        sheet_bytes = sum(i.file_size for i in archive.infolist() if i.filename in archive.parts.sheets)
        budget.strings_allowed = strings_allowed(sheet_bytes, budget.lim)
        self.archive = archive

    def read_strings(self) -> None:
        name = self.archive.parts.strings
        if name is not None:
            with self.archive.open(name) as src:
                self.shared_strings = read_string_table(src, self.budget)


def load_guarded(path: str, lim: dict[str, Any]):
    """The workbook, read-only, with every part counted against ``lim``; and the budget."""
    budget = Budget(lim)
    reader = GuardedExcelReader(path, budget)
    reader.read()
    return reader.wb, budget
