"""members.queries.member_grid and the member list's sector and ethnicity filters (the statistical tables)."""

import datetime as dt

import pytest

from dangjian.members.models import Member
from dangjian.members.queries import member_grid, member_list, subtree_member_count
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_grid_counts_each_member_once_by_child_and_value(world, today):
    factories.member(
        world.branch_b1,
        "阿依古丽",
        ethnicity="维吾尔族",
        gender="female",
        birth=dt.date(2000, 1, 1),
        joined_on=dt.date(2022, 1, 1),
        full_member_on=dt.date(2023, 1, 1),
    )
    factories.member(world.root, "赵敏")  # directly in the district committee
    grid = member_grid(world.root.path, "ethnicity")
    assert grid == {
        (world.town_a.path, "han"): 2,
        (world.town_b.path, "han"): 1,
        (world.town_b.path, "minority"): 1,
        (world.root.path, "han"): 1,
    }
    for by in ("education", "gender", "status", "sector", "age"):
        assert sum(member_grid(world.root.path, by).values()) == subtree_member_count(world.root) == 5
    assert member_grid(world.root.path, "age")[(world.town_b.path, "≤30")] == 1
    assert member_grid(world.root.path, "sector")[(world.root.path, "agency")] == 1


def test_the_grid_counts_the_register_of_a_past_day(world, today):
    factories.member(
        world.branch_a1, "新党员", joined_on=dt.date(2026, 5, 1), full_member_on=None, status="probationary"
    )
    assert sum(member_grid(world.root.path, "status", dt.date(2026, 4, 30)).values()) == 3
    assert sum(member_grid(world.root.path, "status").values()) == 4


def test_the_member_list_filters_by_sector_and_ethnicity(world, today):
    factories.member(world.root, "赵敏", ethnicity="回族")
    rows = Member.objects.all()
    assert [m.name for m in member_list(rows, sector="agency")] == ["赵敏"]
    assert [m.name for m in member_list(rows, ethnicity="minority")] == ["赵敏"]
    assert len(member_list(rows, ethnicity="han")) == 3
