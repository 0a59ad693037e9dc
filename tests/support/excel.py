"""Workbooks in tests: build one in memory, read an exported one back into rows."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from openpyxl.utils.escape import unescape


def make_xlsx(path: Path, rows, *, title: str = "Sheet1") -> Path:
    """An .xlsx whose first sheet holds ``rows`` (the first row is usually the header)."""
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = title
    for row in rows:
        ws.append(list(row))
    workbook.save(path)
    return path


def read_xlsx(data: bytes | Path, sheet: int = 0) -> list[tuple]:
    """The rows of a workbook's sheet (``sheet`` by position), as a spreadsheet would show them."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    workbook = openpyxl.load_workbook(source)
    # Control characters are stored as ``_x000D_`` escapes, which a spreadsheet shows decoded.
    return [
        tuple(unescape(v) if isinstance(v, str) else v for v in r)
        for r in workbook.worksheets[sheet].iter_rows(values_only=True)
    ]


def body(response) -> bytes:
    """A response's bytes, streamed or not (exports stream)."""
    return b"".join(response.streaming_content) if response.streaming else response.content
