"""The member record as a scoped resource (tests/support/scoped.py): its pages, its privacy pages and
its API. Anonymous users log in, the secretary reads, other subtrees get 404 on every route and lists,
the auditor writes nothing, a create or an update is one audit event, lists cost the same queries with
twice the rows. The personas the case does not walk (a member, the auditor reading) stay in
tests/api/test_members.py."""

import datetime as dt
import itertools

import pytest

from dangjian.core import idnumber
from dangjian.members.models import CorrectionRequest, Member
from tests import factories
from tests.support.routes import routes_with_an_object
from tests.support.scoped import ScopedResource, declared_shapes
from tests.test_subtree_walk import correction_for

pytestmark = pytest.mark.django_db
SEQ = itertools.count(1)


class TestMember(ScopedResource):
    model = Member
    routes = (
        "/members/{pk}/",
        "/members/{pk}/edit/",
        "POST /members/{pk}/reveal-id/",
        "POST /members/{pk}/reveal-phone/",
        "/api/v1/members/{pk}",
        "PATCH /api/v1/members/{pk}",
        "POST /api/v1/members/{pk}/reveal-id",
    )
    list_routes = ("/members/?org={org}", "/api/v1/members?org={org}")
    # a secretary's own branch, the sibling's and the township's: none may reach another subtree
    outsiders = (
        ("sibling_secretary", "branch_a1"),
        ("secretary", "branch_b1"),
        ("town_organizer", "branch_b1"),
    )
    create = "POST /api/v1/members"
    update = "PATCH /api/v1/members/{pk}"
    audit_type = "members.member"

    def make(self, w, org):
        n = next(SEQ)
        return factories.member(org, f"党员{n}号", birth=dt.date(1970, 1, 1) + dt.timedelta(days=n))

    def shown(self, obj):
        return obj.name

    def create_data(self, w, org):
        return {
            "org": org.pk,
            "name": "赵敏",
            "id_number": idnumber.make("410102", dt.date(1990, 6, 1), 321, "female"),
            "status": "full",
            "joined_on": "2015-07-01",
            "full_member_on": "2016-07-01",
            "phone": "13812345678",
            "education": "master",
        }

    def update_data(self, w, obj):
        return {"occupation": "教师", "version": obj.version}


class TestMemberPrivacyReport(TestMember):
    """Everything held about a member (PIPL): for the member and the organizers over them, not a secretary."""

    routes = ("/members/{pk}/data/", "/members/{pk}/data.xlsx")
    list_routes = ()
    owner = "town_organizer"
    create = update = None


class TestCorrectionRequest(ScopedResource):
    """A member's request to correct their record, decided by the secretary over them."""

    model = CorrectionRequest
    routes = ("/members/corrections/{pk}/",)
    list_routes = ("/members/corrections/",)

    def make(self, w, org):
        return correction_for(TestMember.make(self, w, org))

    def shown(self, obj):
        return obj.member.name


def test_every_member_route_with_an_object_is_declared():
    declared = declared_shapes(TestMember, TestMemberPrivacyReport, TestCorrectionRequest)
    assert routes_with_an_object("members/", "api/v1/members/") <= declared
