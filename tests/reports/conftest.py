"""Fixtures of the reports tests: a year of records in the small tree of tests/conftest.py."""

import datetime as dt

import pytest

from dangjian.rectification import services as rectification
from tests import factories
from tests.factories import CASE_OPENED, SCREENING_YEAR, criteria


@pytest.fixture
def records(world, today):
    """Meetings in branch A1, a district lecture attended by three members, and a rectification case in A1."""
    factories.meeting(world.branch_a1, ["theme_day"], dt.date(2026, 1, 15))
    factories.meeting(world.branch_b1, ["theme_day"], dt.date(2026, 2, 12))
    lecture = factories.programme(world.root, "区委大讲堂")
    factories.session(lecture, present=[world.zhang, world.li, world.wang])
    course = factories.programme(world.town_a, "城关镇培训班", kind="course")
    factories.session(course, present=[world.zhang])
    screening = rectification.screening_create(actor=None, org=world.root, year=SCREENING_YEAR)
    mark = rectification.mark_create(
        actor=None, screening=screening, org=world.branch_a1, classification="weak", criteria=criteria("C01")
    )
    rectification.case_open(actor=None, mark=mark, opened_on=CASE_OPENED, data={"lead_official": "王副书记"})
    return world
