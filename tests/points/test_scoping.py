"""Point entries, members' balances, schemes and rules as scoped resources (tests/support/scoped.py):
anonymous users log in, the owner reads, another subtree gets 404 on every route and lists, the auditor
writes nothing, a create is one audit event, lists cost the same queries with twice the rows. A claim
naming a member of another subtree is refused on the member (test_api.py keeps that)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from dangjian.points import services
from dangjian.points.models import PointEntry, PointRule, PointScheme
from tests import factories
from tests.support.routes import routes_with_an_object
from tests.support.scoped import ScopedResource, declared_shapes

SEQ = itertools.count(1)


class InPoints(ScopedResource):
    # 河口村's secretary on 东街村's records; 东街村's secretary, 城关镇's organizer and 张强 on 河口村's
    outsiders = (
        ("sibling_secretary", "branch_a1"),
        ("secretary", "branch_b1"),
        ("town_organizer", "branch_b1"),
        ("member_user", "branch_b1"),
    )

    @pytest.fixture
    def w(self, world, rules):
        world.rules = rules
        return world


class TestEntry(InPoints):
    """A claimed entry, proposed by the department for a member of the organization."""

    model = PointEntry
    routes = (
        "/points/entries/{pk}/",
        "POST /points/entries/{pk}/approve/",
        "POST /points/entries/{pk}/reject/",
        "/api/v1/points/entries/{pk}",
        "POST /api/v1/points/entries/{pk}/approve",
        "POST /api/v1/points/entries/{pk}/reject",
    )
    list_routes = ("/api/v1/points/entries",)
    create = "POST /api/v1/points/claims"

    def make(self, w, org):
        return services.claim_propose(
            actor=w.organizer,
            member=factories.member(org, f"党员{next(SEQ)}"),
            rule=w.rules["honour"],
            occurred_on=dt.date(2026, 5, 1),
            event="获县级优秀党员",
            evidence="县委组织部文件",
        )

    def create_data(self, w, org):
        member = factories.member(org, f"党员{next(SEQ)}")
        return {"member": member.pk, "rule": w.rules["task"].pk, "occurred_on": "2026-05-02", "event": "完成任务"}


class TestMemberBalance(InPoints):
    routes = ("/api/v1/points/members/{pk}/balance",)

    def make(self, w, org):
        return factories.member(org, f"党员{next(SEQ)}")


class TownScheme(InPoints):
    """A scheme of a township's own: its organizer keeps it; another township's does not see it."""

    owner, owner_org = "town_organizer", "town_a"
    outsiders = (("town_organizer", "town_b"), ("secretary", "town_b"), ("sibling_secretary", "town_a"))

    def scheme(self, org):
        return services.scheme_create(
            actor=None, name=f"积分方案{next(SEQ)}", org=org, effective_from=dt.date(2025, 1, 1)
        )


class TestScheme(TownScheme):
    model = PointScheme
    routes = ("/points/schemes/{pk}/rules/new/", "POST /api/v1/points/schemes/{pk}/rules")
    list_routes = ("/api/v1/points/schemes",)
    create = "POST /api/v1/points/schemes"

    def make(self, w, org):
        return self.scheme(org)

    def create_data(self, w, org):
        return {"name": "镇积分", "org": org.pk, "effective_from": "2026-01-01"}


class TestRule(TownScheme):
    model = PointRule
    routes = (
        "/points/rules/{pk}/revise/",
        "POST /points/rules/{pk}/end/",
        "POST /api/v1/points/rules/{pk}/revise",
        "POST /api/v1/points/rules/{pk}/end",
    )

    def make(self, w, org):
        data = {
            "code": f"r{next(SEQ)}",
            "name": "参加主题党日",
            "category": "orglife",
            "direction": "award",
            "points": Decimal("2"),
            "source_kind": "meeting:theme_day",
        }
        return services.rule_create(actor=None, scheme=self.scheme(org), effective_from=dt.date(2025, 1, 1), data=data)


def test_every_points_route_with_an_object_is_declared():
    declared = declared_shapes(TestEntry, TestMemberBalance, TestScheme, TestRule)
    assert routes_with_an_object("points/", "api/v1/points/") <= declared
