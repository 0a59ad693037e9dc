"""The points distribution is summed by the database per child organization and band (issue 15): the
same figures as a recomputation from the balances, in a number of queries that does not grow."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from decimal import Decimal

import pytest

from dangjian.organizations.models import Organization
from dangjian.organizations.services import organization_move
from dangjian.points import queries
from dangjian.points.models import PointBalance
from tests import factories

TENTH = Decimal("0.1")


def recomputed(root, year: int, width: int = 10):
    """The figures worked out in Python from every balance of the subtree (what the page did before)."""
    children = list(Organization.objects.filter(parent=root, dissolved_on__isnull=True).order_by("path"))
    rows = [(b.org_path, b.total) for b in PointBalance.objects.filter(year=year) if b.org_path.startswith(root.path)]
    totals = [t for _p, t in rows]
    bands: dict[int, int] = {}
    for t in totals:
        bands[math.floor(t / width)] = bands.get(math.floor(t / width), 0) + 1
    buckets = (
        [
            (f"{b * width}–{(b + 1) * width}", bands.get(b, 0), round(100 * bands.get(b, 0) / len(totals)))
            for b in range(min(bands), max(bands) + 1)
        ]
        if bands
        else []
    )
    per_child = []
    for child in children:
        mine = [t for p, t in rows if p.startswith(child.path)]
        per_child.append(
            (
                child.pk,
                len(mine),
                (sum(mine) / len(mine)).quantize(TENTH) if mine else None,
                Decimal(statistics.median(mine)).quantize(TENTH) if mine else None,
            )
        )
    mean = (sum(totals) / len(totals)).quantize(TENTH) if totals else None
    return buckets, per_child, len(totals), mean


def computed(root, year: int):
    children = Organization.objects.filter(parent=root, dissolved_on__isnull=True).order_by("path")
    data = queries.distribution(root, children, year)
    return data.buckets, [(d.org.pk, d.members, d.mean, d.median) for d in data.children], data.members, data.mean


def balance(org, total: str, year: int = 2026, name: str = "成员"):
    member = factories.member(org, name)
    return PointBalance.objects.create(org=org, org_path=org.path, member=member, year=year, total=Decimal(total))


@pytest.fixture
def balances(world):
    w = world
    for org, totals in (
        (w.branch_a1, ["12", "15.5", "-3", "40"]),  # even count: the median is the mean of the middle two
        (w.branch_a2, ["0", "9.9", "10"]),
        (w.branch_b1, ["25"]),
        (w.town_a, ["7"]),  # the town's own member: in the bands and totals, in no child row
        (w.root, ["33.3"]),
    ):
        for i, total in enumerate(totals):
            balance(org, total, name=f"成员{i}")
    balance(w.branch_b1, "99", year=2025)  # another year
    return w


def test_the_distribution_is_the_recomputation_from_the_balances(balances, django_assert_max_num_queries):
    w = balances
    for root in (w.root, w.town_a, w.branch_a1):
        with django_assert_max_num_queries(3):
            got = computed(root, 2026)
        assert got == recomputed(root, 2026), root.name
    buckets, children, members, _mean = computed(w.root, 2026)
    assert buckets[0] == ("-10–0", 1, 10) and members == 10
    assert dict((pk, median) for pk, _n, _m, median in children)[w.town_a.pk] == Decimal("10.0")


def test_the_distribution_follows_edits_and_a_move_of_an_organization(balances):
    w = balances
    PointBalance.objects.filter(org=w.branch_a2, total=Decimal("10")).update(total=Decimal("55"))
    PointBalance.objects.filter(org=w.branch_a1, total=Decimal("40")).delete()
    organization_move(actor=w.organizer, org=w.branch_a2, new_parent=w.town_b, on=dt.date(2026, 5, 1))
    for root in (w.root, w.town_a, w.town_b):
        root.refresh_from_db()
        assert computed(root, 2026) == recomputed(root, 2026), root.name


def test_an_empty_year_has_no_bands_and_no_rates(balances):
    assert computed(balances.root, 2024) == recomputed(balances.root, 2024)
    buckets, children, members, mean = computed(balances.root, 2024)
    assert buckets == [] and members == 0 and mean is None and all(c[1:] == (0, None, None) for c in children)


def test_the_query_count_does_not_grow_with_the_organizations(balances, django_assert_num_queries):
    w = balances
    for i in range(6):
        branch = factories.org(w.town_b, f"新村{i}党支部", code=f"TB-1{i}")
        balance(branch, str(5 * i), name=f"新成员{i}")
    with django_assert_num_queries(3):
        computed(w.root, 2026)
