"""What organizational life feeds to points, rectification and reports — through functions."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.orglife import queries
from tests import factories

D = dt.date


def test_attendance_is_summed_per_member_over_a_period(world, branch, today):
    factories.meeting(branch, ["theme_day"], D(2026, 4, 9), on_leave=[(world.li, "生病住院")])
    factories.meeting(branch, ["theme_day"], D(2026, 5, 9), absent=[world.li])
    factories.meeting(branch, ["theme_day"], D(2026, 6, 9))
    with CaptureQueriesContext(connection) as ctx:
        summary = queries.attendance_summary(
            [world.zhang.pk, world.li.pk, world.wang.pk], D(2026, 4, 1), D(2026, 5, 31)
        )
    assert len(ctx.captured_queries) == 1
    assert summary[world.zhang.pk] == {"present": 2, "on_leave": 0, "absent": 0, "dual_life": 0}
    assert summary[world.li.pk] == {"present": 0, "on_leave": 1, "absent": 1, "dual_life": 0}
    assert summary[world.wang.pk]["present"] == 0


def test_branches_without_meetings_for_months_are_found(world, branch, today):
    factories.meeting(branch, ["theme_day"], D(2026, 5, 9))
    factories.meeting(world.branch_b1, ["theme_day"], D(2026, 1, 9))
    quiet = dict(queries.organizations_without_meetings([world.root.path], months=3, on=today))
    assert branch.pk not in quiet
    assert quiet[world.branch_b1.pk] == D(2026, 1, 9)
    assert quiet[world.branch_a2.pk] is None


def test_the_reports_read_a_summary(world, branch, today):
    factories.meeting(branch, ["theme_day"], D(2026, 5, 9))
    summary = queries.compliance_summary(world.root, 2026)
    assert summary["by_kind"]["theme_day"] == (15, 1)
    assert summary["due"] >= 15 and 0 < summary["rate"] < 1
