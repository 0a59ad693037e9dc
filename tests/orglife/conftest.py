"""Organizational-life fixtures: a frozen "today" (periods matter) and a branch with a committee."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests import factories
from tests.api.conftest import api_as  # noqa: F401 - the API client fixture, shared with tests/api

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 6, 20)  # a Saturday, ten days before the end of the second quarter


def travel(time_machine, day: dt.date, hour: int = 10) -> None:
    time_machine.move_to(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    """Stored attachments go to the test's own directory."""
    settings.VAR_DIR = tmp_path


@pytest.fixture
def today(time_machine):
    travel(time_machine, TODAY)
    return TODAY


@pytest.fixture
def branch(world, today):
    """东街村党支部 with a committee, founded long ago: 张强 (full), 李娜 (probationary), 3 more full members."""
    org = world.branch_a1
    org.has_committee = True
    org.established_on = dt.date(1990, 1, 1)
    org.save(update_fields=["has_committee", "established_on"])
    world.extra = [
        factories.member(org, name, birth=dt.date(1970 + i, 1, 2 + i), holds_post=i < 2)
        for i, name in enumerate(["王芳", "刘洋", "陈静"])
    ]
    for org_ in (world.branch_a2, world.branch_b1):
        org_.established_on = dt.date(1990, 1, 1)
        org_.save(update_fields=["established_on"])
    return org
