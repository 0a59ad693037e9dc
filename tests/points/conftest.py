"""Points fixtures: the default rules and a small scheme of the township's own (on the frozen ``today``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest


@pytest.fixture
def rules(world, today):
    """The default scheme's rules by code (the 百分制 scheme shipped by the migration)."""
    from dangjian.points.models import PointRule

    return {r.code: r for r in PointRule.objects.filter(scheme__org__isnull=True, scheme__template=False)}


@pytest.fixture
def monthly(world, today):
    """A scheme of 城关镇 of its own: theme days 2 points, capped at 2 a month; absences -1."""
    from dangjian.points import services

    scheme = services.scheme_create(actor=None, name="城关镇积分", org=world.town_a, effective_from=dt.date(2025, 1, 1))
    theme = services.rule_create(
        actor=None,
        scheme=scheme,
        effective_from=dt.date(2025, 1, 1),
        data={
            "code": "theme",
            "name": "参加主题党日",
            "category": "orglife",
            "direction": "award",
            "points": Decimal("2"),
            "cap": Decimal("2"),
            "cap_period": "month",
            "source_kind": "meeting:theme_day",
        },
    )
    absent = services.rule_create(
        actor=None,
        scheme=scheme,
        effective_from=dt.date(2025, 1, 1),
        data={
            "code": "absent",
            "name": "缺席",
            "category": "discipline",
            "direction": "deduction",
            "points": Decimal("1"),
            "source_kind": "meeting_absent:any",
        },
    )
    deed = services.rule_create(
        actor=None,
        scheme=scheme,
        effective_from=dt.date(2025, 1, 1),
        data={
            "code": "deed",
            "name": "好人好事",
            "category": "rewards",
            "direction": "award",
            "points": Decimal("1.5"),
            "allow_fraction": True,
            "cap": Decimal("3"),
            "cap_period": "quarter",
            "chain": ["secretary"],
        },
    )
    return {"scheme": scheme, "theme": theme, "absent": absent, "deed": deed}
