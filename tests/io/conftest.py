"""Helpers for the Excel tests: build workbooks in memory, read them back."""

from __future__ import annotations

import pytest

from dangjian.core import excel
from tests.support.excel import make_xlsx


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
