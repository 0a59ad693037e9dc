"""Helpers for the Excel tests: build workbooks in memory, read them back."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.escape import unescape

from dangjian.core import excel


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
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    workbook = openpyxl.load_workbook(source)
    # Control characters are stored as ``_x000D_`` escapes, which a spreadsheet shows decoded.
    return [
        tuple(unescape(v) if isinstance(v, str) else v for v in r)
        for r in workbook.worksheets[sheet].iter_rows(values_only=True)
    ]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def members_template():
    return excel.get("members")


@pytest.fixture
def orgs_template():
    return excel.get("organizations")


@pytest.fixture
def xlsx(tmp_path):
    counter = iter(range(10_000))

    def build(rows, **kwargs):
        return make_xlsx(tmp_path / f"upload{next(counter)}.xlsx", rows, **kwargs)

    return build
