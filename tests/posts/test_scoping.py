"""一编三定 as scoped resources (tests/support/scoped.py): a branch's posts pages, the post catalogue,
assignments and party-group memberships. Each inherits: anonymous users log in, the owner reads, other
subtrees get 404 on every route and lists, the auditor writes nothing, a create or an update is one
audit event, lists cost the same queries with twice the rows. Below the declarations, what the case
does not cover: a member sees nothing of the branch pages."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from dangjian.posts import services as posts
from dangjian.posts.models import GroupMembership, Post, PostArea, PostAssignment
from tests import factories
from tests.posts.posts_world import DAY, add_groups, assignment_in
from tests.support.routes import routes_with_an_object
from tests.support.scoped import ScopedResource, declared_shapes

pytestmark = pytest.mark.django_db
SEQ = itertools.count(1)
STEPS = ("approve", "publicise", "objections", "badge", "end", "duties", "evaluate")


def new_member(org):
    n = next(SEQ)
    return factories.member(org, f"党员{n}号", birth=dt.date(1970, 1, 1) + dt.timedelta(days=n))


class PostsResource(ScopedResource):
    @pytest.fixture
    def w(self, world):
        return add_groups(world)


class TestBranchPages(PostsResource):
    """The branch's 一编三定 pages: the object is the branch itself."""

    routes = (
        "/posts/orgs/{pk}/",
        "POST /posts/orgs/{pk}/groups/",
        "/posts/orgs/{pk}/declare/",
        "/posts/orgs/{pk}/notice/",
        "/posts/orgs/{pk}/badges/",
        "/posts/orgs/{pk}/catalogue/",
    )

    def make(self, w, org):
        return org


class TestPostCatalogue(PostsResource):
    model = Post
    routes = ("/posts/catalogue/{pk}/edit/", "PATCH /api/v1/posts/catalogue/{pk}")
    list_routes = ("/api/v1/posts/catalogue?org={org}",)
    create = "POST /api/v1/posts/catalogue"
    update = "PATCH /api/v1/posts/catalogue/{pk}"
    create_action = update_action = None  # the one event, whatever its action

    def make(self, w, org):
        data = {"area": PostArea.objects.first(), "name": f"本地岗{next(SEQ)}", "duties": "服务群众"}
        return posts.post_create(actor=None, org=org, data=data)

    def create_data(self, w, org):
        return {"org": org.pk, "area": PostArea.objects.first().code, "name": "矛盾调解岗", "duties": "调解纠纷"}

    def update_data(self, w, obj):
        return {"duties": "调解纠纷，化解矛盾"}


class TestPostAssignment(PostsResource):
    model = PostAssignment
    routes = (
        "/posts/assignments/{pk}/",
        *(f"POST /posts/assignments/{{pk}}/{step}/" for step in STEPS),
        "/api/v1/posts/assignments/{pk}",
        *(f"POST /api/v1/posts/assignments/{{pk}}/{step}" for step in STEPS),
    )
    list_routes = ("/api/v1/posts/assignments?org={org}",)
    create = "POST /api/v1/posts/assignments"
    create_action = None

    def make(self, w, org):
        return assignment_in(w, "declared", member=new_member(org))

    def create_data(self, w, org):
        return {"member": new_member(org).pk, "post": w.post.pk, "origin": "self_declared"}


class TestGroupMembership(PostsResource):
    model = GroupMembership
    routes = ("POST /posts/memberships/{pk}/end/", "POST /api/v1/posts/groups/{group}/members")

    def make(self, w, org):
        n = next(SEQ)
        group = factories.org(org, f"第{n}党小组", level="party_group", code=f"TG-{n:03d}")
        return posts.group_member_assign(actor=None, member=new_member(org), group=group, on=DAY)

    def ids(self, obj):
        return {"pk": obj.pk, "group": obj.group_id}


def test_every_posts_route_with_an_object_is_declared():
    steps = {"/posts/assignments/{}/{}/", "/api/v1/posts/assignments/{}/{}"}  # declared step by step
    cases = (TestBranchPages, TestPostCatalogue, TestPostAssignment, TestGroupMembership)
    assert routes_with_an_object("posts/", "api/v1/posts/") <= declared_shapes(*cases) | steps


def test_a_member_sees_nothing_of_the_branch_pages(world, client_for):
    client = client_for(world.member_user)
    for url in (f"/posts/orgs/{world.branch_a1.pk}/", f"/posts/orgs/{world.branch_a1.pk}/badges/"):
        assert client.get(url).status_code == 404
