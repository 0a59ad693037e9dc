"""Organizations and committee seats as scoped resources (tests/support/scoped.py): anonymous users
log in, the owner reads, another subtree gets 404 on every route and lists, the auditor writes
nothing, a create or an update is one audit event, lists cost the same queries with twice the rows."""

from __future__ import annotations

import datetime as dt
import itertools

from dangjian.organizations.models import CommitteeMember, Organization
from dangjian.organizations.services import committee_member_add
from tests import factories
from tests.support.routes import routes_with_an_object
from tests.support.scoped import ScopedResource, declared_shapes

SEQ = itertools.count(1)


class TestOrganization(ScopedResource):
    """A branch under a township: its organizer keeps the township's tree; the other township's does
    not see it, nor does a branch secretary of either."""

    model = Organization
    owner, owner_org = "town_organizer", "town_a"
    outsiders = (("town_organizer", "town_b"), ("secretary", "town_b"), ("sibling_secretary", "town_a"))
    routes = (
        "/orgs/{pk}/",
        "/orgs/{pk}/children/",
        "/orgs/{pk}/edit/",
        "/orgs/{pk}/new-child/",
        "/orgs/{pk}/move/",
        "/orgs/{pk}/dissolve/",
        "/orgs/{pk}/committee/",
        "/api/v1/organizations/{pk}",
        "PATCH /api/v1/organizations/{pk}",
        "/api/v1/organizations/{pk}/children",
        "/api/v1/organizations/{pk}/subtree",
        "/api/v1/organizations/{pk}/ancestors",
        "POST /api/v1/organizations/{pk}/move",
        "POST /api/v1/organizations/{pk}/dissolve",
        "/api/v1/organizations/{pk}/committee",
        "POST /api/v1/organizations/{pk}/committee",
    )
    list_routes = ("/api/v1/organizations/{org}/children",)
    create = "POST /api/v1/organizations"
    update = "PATCH /api/v1/organizations/{pk}"

    def make(self, w, org):
        return factories.org(org, f"新村{next(SEQ)}党支部")

    def create_data(self, w, org):
        return {"parent": org.pk, "name": "新建村党支部", "level": "branch", "sector": "rural"}

    def update_data(self, w, obj):
        return {"name": "更名村党支部", "version": obj.version}


class TestCommitteeSeat(ScopedResource):
    model = CommitteeMember
    outsiders = (("sibling_secretary", "branch_a1"), ("secretary", "branch_b1"))
    routes = ("POST /orgs/committee-seats/{pk}/end/", "POST /api/v1/organizations/committee-seats/{pk}/end")
    list_routes = ("/api/v1/organizations/{org}/committee",)
    create = "POST /api/v1/organizations/{org}/committee"

    def make(self, w, org):
        member = factories.member(org, f"委员{next(SEQ)}")
        return committee_member_add(actor=None, org=org, member=member, post="member", started_on=dt.date(2024, 3, 1))

    def create_data(self, w, org):
        member = factories.member(org, f"委员{next(SEQ)}")
        return {"member": member.pk, "post": "member", "started_on": "2024-03-01"}


def test_every_organization_route_with_an_object_is_declared():
    declared = declared_shapes(TestOrganization, TestCommitteeSeat)
    assert routes_with_an_object("orgs/", "api/v1/organizations/") <= declared
