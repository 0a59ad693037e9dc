from __future__ import annotations

import pytest

from tests.support.excel import make_xlsx


@pytest.fixture
def xlsx(tmp_path):
    counter = iter(range(10_000))

    def build(rows, **kwargs):
        return make_xlsx(tmp_path / f"upload{next(counter)}.xlsx", rows, **kwargs)

    return build
