"""Helpers for the Excel tests: build workbooks in memory, read them back."""

from __future__ import annotations

import pytest

from dangjian.core import excel

# The workbook helpers live in tests/support/excel.py; still importable from here for the tests that do.
from tests.support.excel import body, make_xlsx, read_xlsx  # noqa: F401 - re-exported


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
