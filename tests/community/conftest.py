"""Community fixtures: a frozen "today", a community with a member of its own, and a serving member
of a government agency in another township who checks in to it.

Tree (beside the shared world)::

    城关镇党委 (township A)
    └── 东街社区党支部 (community C)   ← community secretary; 孙丽
    河口镇党委 (township B)
    └── 河口镇机关党支部 (agency G)    ← agency secretary; 赵敏 (serving member)
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dangjian.core.roles import Role
from tests import factories
from tests.api.conftest import api_as  # noqa: F401 - the API client fixture, shared with tests/api

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 6, 20)


@pytest.fixture
def today(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 20, 10, tzinfo=SHANGHAI), tick=False)
    return TODAY


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
    from dangjian.community.services import checkin_create

    place.checkin = checkin_create(
        actor=place.community_secretary,
        member=place.zhao,
        org=place.community,
        data={"checked_in_on": dt.date(2026, 3, 1), "offers": "care"},
    )
    return place


def activity(w, held_on=dt.date(2026, 6, 6), sheet=(), **data):
    from dangjian.community.services import ServiceIn, activity_create

    org = data.pop("org", None) or w.community
    fields = {"held_on": held_on, "title": "敬老院志愿服务", "kind": "care", "place": "东街敬老院"}
    fields.update(data)
    return activity_create(
        actor=w.community_secretary,
        org=org,
        data=fields,
        service=[ServiceIn(m.pk, h) for m, h in sheet],
    )
