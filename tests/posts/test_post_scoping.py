"""The 一编三定 routes walked with real objects of the other subtree: every answer is 404 (or 405)."""

from __future__ import annotations

import pytest

from dangjian.posts import services as posts
from dangjian.posts.models import PostArea
from tests.posts.posts_world import DAY, add_groups, assignment_in
from tests.test_subtree_walk import PARAM, all_routes


@pytest.fixture
def world(world):
    return add_groups(world)


def test_routes_with_objects_of_a_sibling_branch_answer_404(world, client_for):
    membership = posts.group_member_assign(actor=None, member=world.wang, group=world.group_sibling, on=DAY)
    assignment = assignment_in(world, "on_duty", member=world.wang)
    area = PostArea.objects.first()
    post = posts.post_create(actor=None, org=world.branch_b1, data={"area": area, "name": "河口岗", "duties": "x"})
    ids = {
        "assignments": assignment.pk,
        "memberships": membership.pk,
        "catalogue": post.pk,
        "orgs": world.branch_b1.pk,
        "groups": world.group_sibling.pk,
    }
    client = client_for(world.secretary)
    walked = 0
    for route, _name in all_routes():
        if not route.startswith(("posts/", "api/v1/posts/")) or not PARAM.search(route):
            continue
        kind = next(k for k in ids if f"/{k}/" in "/" + route)
        value = str(ids[kind])
        url = "/" + PARAM.sub(lambda m, v=value: "approve" if (m.group(2) or m.group(3)) == "step" else v, route)
        for method in ("get", "post", "patch", "delete"):
            response = (
                getattr(client, method)(url, content_type="application/json") if method != "get" else client.get(url)
            )
            assert response.status_code in (404, 405), f"{method.upper()} {url} → {response.status_code}"
            walked += 1
    assert walked >= 20
    assignment.refresh_from_db()
    assert assignment.state == "on_duty"


def test_a_member_sees_nothing_of_the_branch_pages(world, client_for):
    client = client_for(world.member_user)
    for url in (f"/posts/orgs/{world.branch_a1.pk}/", f"/posts/orgs/{world.branch_a1.pk}/badges/"):
        assert client.get(url).status_code == 404
