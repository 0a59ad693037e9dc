"""一编三定 pages: the branch page, the stages through the forms, the notice, the badges, the catalogue."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.posts import services as posts
from dangjian.posts.models import GroupMembership, Post, PostAssignment
from tests.posts.posts_world import DAY, add_groups, assignment_in


@pytest.fixture
def world(world):
    return add_groups(world)


def test_the_secretary_goes_straight_to_the_branch_page(world, client_for):
    client = client_for(world.secretary)
    response = client.get("/posts/")
    assert response.status_code == 302 and response["Location"] == f"/posts/orgs/{world.branch_a1.pk}/"
    posts.group_member_assign(actor=None, member=world.zhang, group=world.group_a, is_leader=True, on=DAY)
    page = client.get(response["Location"]).content.decode()
    assert "东街第一党小组" in page and "张强" in page and "李娜" in page


def test_the_secretary_places_a_member_in_a_group_from_the_page(world, client_for):
    client = client_for(world.secretary)
    response = client.post(
        f"/posts/orgs/{world.branch_a1.pk}/groups/",
        {"member": world.li.pk, "group": world.group_b.pk, "is_leader": "on"},
    )
    assert response.status_code == 302
    assert GroupMembership.objects.get(member=world.li, ended_on=None).is_leader


def test_a_declaration_goes_through_every_stage_on_the_pages(world, client_for):
    client = client_for(world.secretary)
    response = client.post(
        f"/posts/orgs/{world.branch_a1.pk}/declare/",
        {"member": world.zhang.pk, "post": world.post.pk, "origin": "recommended", "declared_on": "2025-03-01"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    a = PostAssignment.objects.get(member=world.zhang)
    url = f"/posts/assignments/{a.pk}/"
    assert client.post(url + "approve/", {"approve-on": "2025-03-02"}).status_code == 302
    client.post(
        url + "publicise/", {"publicise-notice_starts_on": "2025-03-03", "publicise-notice_ends_on": "2025-03-09"}
    )
    a.refresh_from_db()
    assert a.state == "publicised"
    notice = client_for(world.town_organizer).get(f"/posts/orgs/{world.town_a.pk}/notice/").content.decode()
    client = client_for(world.secretary)
    assert "张强" in notice and "政策宣传岗" in notice
    client.post(url + "badge/", {"badge-on": "2025-03-10"})
    a.refresh_from_db()
    assert a.state == "on_duty"
    badges = client.get(f"/posts/orgs/{world.branch_a1.pk}/badges/").content.decode()
    assert "张强" in badges and "posts.css" in badges
    client.post(url + "evaluate/", {"evaluate-year": "2025", "evaluate-rating": "excellent"})
    assert a.evaluations.get().rating == "excellent"
    assert "政策宣传岗" in client.get(url).content.decode()


def test_a_refused_step_says_why_and_changes_nothing(world, client_for):
    a = assignment_in(world, "publicised")
    client = client_for(world.secretary)
    response = client.post(f"/posts/assignments/{a.pk}/badge/", {"badge-on": DAY.isoformat()}, follow=True)
    a.refresh_from_db()
    assert a.state == "publicised"
    assert any("2025-03-07" in str(m) for m in response.context["messages"])


def test_the_member_sees_their_group_post_and_duties_on_their_own_page(world, client_for):
    posts.group_member_assign(actor=None, member=world.zhang, group=world.group_a, on=DAY)
    assignment_in(world, "on_duty")
    client = client_for(world.member_user)
    page = client.get(f"/members/{world.zhang.pk}/").content.decode()
    assert "东街第一党小组" in page and "政策宣传岗" in page and world.post.duties[:10] in page
    assert client.get("/posts/").status_code == 404  # the 一编三定 pages are the branch's


def test_the_secretary_hides_a_default_post_and_adds_one_for_the_branch(world, client_for):
    client = client_for(world.secretary)
    url = f"/posts/orgs/{world.branch_a1.pk}/catalogue/"
    client.post(url, {"action": "hide", "post": world.post.pk})
    client.post(
        url,
        {
            "action": "add",
            "add-area": world.post.area_id,
            "add-name": "矛盾调解岗",
            "add-duties": "调解邻里纠纷",
            "add-is_active": "on",
        },
    )
    page = client.get(url).content.decode()
    assert "矛盾调解岗" in page
    assert Post.objects.get(name="矛盾调解岗").org == world.branch_a1
    # a default post is changed only by an organizer at the root
    assert client.get(f"/posts/catalogue/{world.post.pk}/edit/").status_code == 404
    assert client_for(world.organizer).get(f"/posts/catalogue/{world.post.pk}/edit/").status_code == 200


def test_the_branch_page_costs_the_same_with_more_assignments(world, client_for, django_assert_max_num_queries):
    client = client_for(world.secretary)
    posts.group_member_assign(actor=None, member=world.zhang, group=world.group_a, on=DAY)
    assignment_in(world, "on_duty")
    url = f"/posts/orgs/{world.branch_a1.pk}/?state=on_duty"
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    from tests import factories

    for i in range(5):
        m = factories.member(world.branch_a1, f"王{i}", birth=dt.date(1980, 1, 1 + i))
        posts.group_member_assign(actor=None, member=m, group=world.group_b, on=DAY)
        assignment_in(world, "on_duty", member=m)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    for name in ("notice", "badges", "catalogue"):
        with CaptureQueriesContext(connection) as q:
            client.get(f"/posts/orgs/{world.branch_a1.pk}/{name}/")
        assert len(q) < 20
