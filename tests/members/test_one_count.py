"""One number for one thing (issue 14): every page that shows how many members an organization has
gives the figure of ``members.queries.member_counts`` (the members on the register on a day), or says
in words why its figure differs (the points distribution counts the members with a balance this year)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.excel import get as get_template
from dangjian.core.excel import pipeline
from dangjian.members import queries
from dangjian.members.models import Member
from dangjian.members.services import member_move
from dangjian.points.models import PointBalance
from tests import factories

D = dt.date
COUNT = re.compile(r'data-member-count="(\d+)"')


@pytest.fixture
def awkward(world, today):
    """Township A with members who joined or left on awkward days (today is 2026-06-20)."""
    a2 = world.branch_a2

    def add(name, birth, **extra):
        return factories.member(a2, name, birth=birth, id_number=factories.id_number(birth), **extra)

    def leave(member, on):  # as the demo and the transfers out of the district record it
        Member.objects.filter(pk=member.pk).update(left_on=on)

    add("今天入党", D(1990, 1, 1), status="probationary", joined_on=today, full_member_on=None)
    add("正式一", D(1970, 2, 2))
    leaver = add("年内离开", D(1971, 3, 3))
    factories.meeting(a2, ["theme_day"], D(2026, 3, 10))  # leaves a points balance of 2026 behind
    leave(leaver, D(2026, 4, 30))
    left_today = add("今天离开", D(1972, 4, 4))
    leave(left_today, today)
    left_last_year = add("去年离开", D(1973, 5, 5))
    leave(left_last_year, D(2025, 12, 31))
    moved = add("转往河口", D(1974, 6, 6))
    member_move(actor=None, member=moved, org=world.branch_b1, on=D(2026, 6, 1))
    world.leaver = leaver
    return world


def test_the_counts_follow_the_stated_definition(awkward, today):
    w = awkward
    # On the register today: 张强, 李娜 (A1); 今天入党, 正式一 (A2). Not: whoever left by today, nor the one moved.
    assert queries.subtree_member_count(w.town_a) == 4
    assert queries.member_counts([w.town_a.path, w.town_b.path, w.branch_a2.path]) == {
        w.town_a.path: 4,
        w.town_b.path: 2,  # 王伟 and the member moved to 河口村 (counted where their record is now)
        w.branch_a2.path: 2,
    }
    # On a past day: who had joined and not yet left then.
    assert queries.subtree_member_count(w.branch_a2, D(2026, 4, 1)) == 3  # 正式一, 年内离开, 今天离开
    assert queries.subtree_member_count(w.branch_a2, D(2025, 12, 30)) == 4  # and 去年离开, who left on the 31st
    assert queries.subtree_member_count(w.root) == Member.objects.current().count()
    assert "2026-06-20" in queries.count_definition(today)


def _figure(html: str) -> int:
    found = {int(n) for n in COUNT.findall(html)}
    assert len(found) == 1, found
    return found.pop()


def test_every_page_shows_the_same_member_count_for_one_organization(awkward, client_for, api_as, today):
    w = awkward
    expected = queries.subtree_member_count(w.town_a, today)
    organizer = client_for(w.organizer)
    definition = "党员数口径：截至2026-06-20在册的党员（含预备党员）"

    org_page = organizer.get(f"/orgs/{w.town_a.pk}/").content.decode()
    assert _figure(org_page) == expected and definition in org_page

    root_page = organizer.get(f"/orgs/{w.root.pk}/").content.decode()
    child_cell = re.search(rf'href="/members/\?org={w.town_a.pk}">(\d+)</a>', root_page)
    assert int(child_cell.group(1)) == expected  # the children's table of the district's page

    tree = organizer.get(f"/orgs/{w.root.pk}/children/").content.decode()  # the tree's children of the district
    node = tree[tree.index(f'href="/orgs/{w.town_a.pk}/"') :]
    assert int(COUNT.search(node[: node.index("</li>")]).group(1)) == expected

    home = client_for(w.town_organizer).get("/").content.decode()
    assert _figure(home) == expected and definition in home

    member_list = organizer.get("/members/", {"org": w.town_a.pk}).content.decode()
    assert _figure(member_list) == expected and definition in member_list

    api = api_as(w.organizer).get("/members", {"org": w.town_a.pk})
    assert api.json()["count"] == expected

    exported = pipeline.export(get_template("members"), user=w.organizer, params={"org": str(w.town_a.pk)})
    assert exported.rows == expected

    # The points distribution counts the members with a balance this year, the leaver among them: it says so.
    assert PointBalance.objects.filter(member=w.leaver, year=2026).exists()  # 年内离开 kept their balance
    balances = PointBalance.objects.filter(org_path__startswith=w.town_a.path, year=2026).count()
    page = organizer.get("/points/distribution/", {"org": w.town_a.pk, "year": 2026}).content.decode()
    assert f"共 {balances} 名党员" in page
    assert "含年内已离开的党员" in page and f"截至2026-06-20在册党员{expected}名" in page

    # The warnings count the members directly in a branch by the same definition.
    warnings = organizer.get("/orgs/warnings/").content.decode()
    full_in_a2 = queries.member_list(Member.objects.all(), org=w.branch_a2, direct=True, status="full").count()
    assert full_in_a2 == 1 and "西街村党支部" in warnings and f"正式党员仅{full_in_a2}名" in warnings


def test_the_organization_page_costs_the_same_queries_with_more_members_and_organizations(
    world, client_for, today, django_assert_max_num_queries
):
    client = client_for(world.organizer)

    def queries_of_root_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/orgs/{world.root.pk}/").status_code == 200
        return len(captured)

    before = queries_of_root_page()
    town = factories.org(world.root, "新镇党委", level="committee", code="TN")
    for i in range(3):
        branch = factories.org(town, f"新村{i}党支部", code=f"TN-00{i}")
        birth = D(1980, 1, 10 + i)
        factories.member(branch, f"新党员{i}", birth=birth, id_number=factories.id_number(birth))
    with django_assert_max_num_queries(before):
        assert client.get(f"/orgs/{world.root.pk}/").status_code == 200
    assert queries_of_root_page() == before
