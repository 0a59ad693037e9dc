"""The apps above organizations contribute member counts and panels; organizations imports none of them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dangjian.organizations import contributions
from dangjian.organizations.contributions import MemberCounts, Panel
from dangjian.organizations.models import Organization
from dangjian.organizations.queries import subtree_warnings


@pytest.fixture
def bare_tree(monkeypatch):
    """organizations on its own: no member counts provided, no panels registered."""
    monkeypatch.setattr(contributions, "_member_counts", MemberCounts())
    monkeypatch.setattr(contributions, "_panels", {})


def test_members_registers_its_counts_and_panels():
    assert {"members.composition", "members.direct"} <= {p.name for p in contributions.panels()}
    assert contributions.member_counts().of is not MemberCounts().of


def test_the_members_panels_show_on_an_organization_page(world, client_for):
    page = client_for(world.organizer).get(reverse("org-detail", args=[world.branch_a1.pk])).content.decode()
    assert world.zhang.name in page  # the members of the organization
    assert f"{reverse('member-list')}?org={world.branch_a1.pk}&status=" in page  # the composition


def test_without_members_an_organization_page_shows_the_tree_alone(world, client_for, bare_tree):
    page = client_for(world.organizer).get(reverse("org-detail", args=[world.town_a.pk])).content.decode()
    assert world.branch_a1.name in page
    assert f"{reverse('member-list')}?org=" not in page


def test_without_member_counts_every_branch_has_no_members(world, bare_tree):
    codes = {(w.org.pk, w.code) for w in subtree_warnings(Organization.objects.all())}
    assert (world.branch_a1.pk, "joint") in codes


def test_a_registered_panel_adds_a_card_and_a_column_for_the_children(world, client_for, monkeypatch):
    monkeypatch.setattr(contributions, "_panels", {})
    contributions.register_panel(
        Panel(
            name="test",
            template="core/_pagination.html",  # any template: its context is what the panel gives
            context=lambda org, children: {"per_child": {c.path: 42 for c in children}},
            child_heading="测试列",
            child_url="org-tree",
        )
    )
    page = client_for(world.organizer).get(reverse("org-detail", args=[world.town_a.pk])).content.decode()
    assert "测试列" in page
    assert f'{reverse("org-tree")}?org={world.branch_a1.pk}">42</a>' in page
