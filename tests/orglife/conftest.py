"""Organizational-life fixtures: a branch with a committee (the frozen ``today`` comes from tests/support)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    """Stored attachments go to the test's own directory."""
    settings.VAR_DIR = tmp_path


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
