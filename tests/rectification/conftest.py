"""Rectification fixtures: the district's screening of 2025, a weak branch and its case."""

import datetime as dt

import pytest

from dangjian.rectification import services
from tests.factories import CASE_OPENED as OPENED
from tests.factories import SCREENING_YEAR as YEAR
from tests.factories import criteria


@pytest.fixture
def screening(world):
    """The district's screening of 2025."""
    return services.screening_create(actor=None, org=world.root, year=YEAR)


@pytest.fixture
def mark(world, screening):
    """东街村 (branch A1) named weak for C01 and C03."""
    return services.mark_create(
        actor=None, screening=screening, org=world.branch_a1, classification="weak", criteria=criteria("C01", "C03")
    )


@pytest.fixture
def case(mark):
    """The case of 东街村, in progress, with two problems."""
    case = services.case_open(
        actor=None, mark=mark, opened_on=OPENED, data={"lead_official": "王副书记", "township_sponsor": "李镇长"}
    )
    services.case_start(actor=None, case=case)
    services.problem_add(
        actor=None,
        case=case,
        data={
            "description": "书记长期外出",
            "countermeasure": "选派第一书记",
            "responsible": "李镇长",
            "deadline": dt.date(2026, 3, 1),
        },
    )
    services.problem_add(
        actor=None,
        case=case,
        data={
            "description": "三会一课不经常",
            "countermeasure": "建立月度提醒",
            "responsible": "张强",
            "deadline": dt.date(2026, 6, 30),
        },
    )
    case.refresh_from_db()
    return case
