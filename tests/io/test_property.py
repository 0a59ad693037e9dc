"""Random cell values thrown at the member template: only collected row errors, never an exception."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.core import excel, idnumber
from dangjian.core.excel import pipeline

TEMPLATE = excel.get("members")
HEADERS = [c.header for c in TEMPLATE.columns]

plausible = st.sampled_from(
    [
        "是",
        "否",
        "男",
        "女",
        "正式党员",
        "预备党员",
        "大学本科",
        "TA-001",
        "TB-001",
        "ROOT",
        "东街村党支部",
        "2019.10.18",
        "2019年10月18日",
        "20191018",
        "2019-02-30",
        "4.10102E+17",
        "13812345678",
        "138****5678",
        "4101**********1234",
        idnumber.make("410102", dt.date(1980, 5, 17), 3, "male"),
        idnumber.make("410102", dt.date(1990, 1, 1), 9, "female"),
        "'=1+1",
        "示例",
        "",
        " ",
    ]
)
cell = st.one_of(
    st.none(),
    plausible,
    st.text(max_size=30),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
)
rows = st.lists(st.lists(cell, min_size=len(HEADERS), max_size=len(HEADERS)), min_size=1, max_size=6)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=rows, commit=st.booleans())
def test_random_cells_only_ever_produce_row_errors(world, data, commit):
    outcome = pipeline.run_values(TEMPLATE, [HEADERS, *data], user=world.town_organizer, commit=commit)
    assert outcome.rows <= len(data)
    for error in outcome.errors:
        assert error.row is not None and 2 <= error.row <= len(data) + 1
        assert error.message
    assert outcome.created + outcome.updated + outcome.unchanged + outcome.error_rows == outcome.rows


BASE = {
    "姓名": "随机",
    "身份证号": idnumber.make("410102", dt.date(1985, 6, 1), 7, "female"),
    "性别": "女",
    "出生日期": "1985-06-01",
    "所属组织编码": "TA-001",
    "人员类别": "正式党员",
    "入党日期": "2010-07-01",
    "转正日期": "2011-07-01",
    "联系电话": "13900000001",
    "是否流动党员": "否",
}


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    changes=st.lists(st.tuples(st.sampled_from(HEADERS), cell), min_size=1, max_size=3),
    commit=st.booleans(),
)
def test_a_valid_row_with_random_cells_is_written_or_reported(world, changes, commit):
    row = dict(BASE)
    row.update(changes)
    outcome = pipeline.run_values(
        TEMPLATE, [HEADERS, [row.get(h) for h in HEADERS]], user=world.town_organizer, commit=commit
    )
    assert outcome.rows <= 1
    assert all(e.row == 2 for e in outcome.errors)
    if commit and outcome.ok and outcome.rows:
        assert outcome.committed
