"""Community fixtures (on the frozen ``today``): a community with a member of its own, and a serving member
of a government agency in another township who checks in to it.

Tree (beside the shared world)::

    城关镇党委 (township A)
    └── 东街社区党支部 (community C)   ← community secretary; 孙丽
    河口镇党委 (township B)
    └── 河口镇机关党支部 (agency G)    ← agency secretary; 赵敏 (serving member)
"""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.community.services import checkin_create
from dangjian.core.roles import Role
from tests import factories


@pytest.fixture
def place(world, today):
    w = world
    w.community = factories.org(w.town_a, "东街社区党支部", sector="community", code="TA-C01")
    w.agency = factories.org(w.town_b, "河口镇机关党支部", sector="agency", code="TB-G01")
    w.sun = factories.member(w.community, "孙丽", birth=dt.date(1978, 2, 3), gender="female")
    w.zhao = factories.member(w.agency, "赵敏", birth=dt.date(1979, 4, 5), gender="female")
    w.community_secretary = factories.user("sec_c", Role.SECRETARY, w.community)
    w.agency_secretary = factories.user("sec_g", Role.SECRETARY, w.agency)
    return w


@pytest.fixture
def checked_in(place):
    """赵敏 checked in to the community on 1 March."""
    place.checkin = checkin_create(
        actor=place.community_secretary,
        member=place.zhao,
        org=place.community,
        data={"checked_in_on": dt.date(2026, 3, 1), "offers": "care"},
    )
    return place
