"""The generic proof that nobody sees outside their subtree.

Every URL pattern and API route that takes an object is called, with GET and POST, as a
persona whose subtree does not contain the object; the answer must be 404 (405 where the
method does not exist) — never 200, 403 or 500. Routes without an object must not show
the other subtree's data. A new URL with a parameter this test does not know fails it:
declare what object it takes in OBJECT_FOR_ROUTE.

This is the whole-app guard: every route, whatever app it belongs to. Each app's resources are
declared again with real objects in tests/<app>/test_scoping.py (tests/support/scoped.py), whose
guard test fails when one of the app's routes is not declared there.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from dangjian.core.roles import Role
from dangjian.members.models import CorrectionRequest
from dangjian.organizations.services import committee_member_add
from tests import factories
from tests.support.routes import PARAM, all_routes, fill

# route prefix (as the resolver spells it) → which object of the target subtree fills its parameter
OBJECT_FOR_ROUTE = [
    ("orgs/committee-seats/", "seat"),  # before "orgs/": a seat on the other subtree's committee
    ("orgs/", "org"),
    ("members/corrections/", "correction"),  # before "members/": the prefixes are tried in order
    ("members/", "member"),
    ("api/v1/organizations/committee-seats/", "seat"),
    ("api/v1/organizations/", "org"),
    ("api/v1/members/", "member"),
    # Organizational life: every id (meeting, file, appraisal, requirement…) is filled with the org's;
    # tests/orglife/test_scoping.py declares each object as a scoped resource (tests/support/scoped.py)
    # and walks its routes again with real objects of the other subtree. So do the apps below.
    ("orglife/", "org"),
    ("api/v1/orglife/", "org"),
    # Points: entries, rules and schemes are filled with the org's id; tests/points/test_scoping.py.
    ("points/", "org"),
    # A member's balance takes a member: filled with an org id it could name the persona's own member
    # (ids of different tables meet by chance on PostgreSQL, whose sequences survive rollbacks).
    ("api/v1/points/members/", "member"),
    ("api/v1/points/", "org"),
    # 三员 pages take an account or a role assignment; no persona here holds an administrator
    # role over them, so whatever id is filled in must answer 404 (tests/core/test_separation.py
    # checks the administrators themselves).
    # 一编三定: every id (assignment, membership, post) is filled with the org's;
    # tests/posts/test_scoping.py declares them with real objects of the other subtree.
    ("posts/", "org"),
    ("api/v1/posts/", "org"),
    # Training: programme and session ids are filled with the org's; tests/training/test_scoping.py.
    ("training/", "org"),
    ("api/v1/training/", "org"),
    # Community: activity and check-in ids are filled with the org's, a member's record with the member's;
    # tests/community/test_scoping.py.
    # Rectification: screening, mark, case, problem and team ids are filled with the org's;
    # tests/rectification/test_scoping.py.
    ("rectification/", "org"),
    ("api/v1/rectification/", "org"),
    ("community/members/", "member"),
    ("community/", "org"),
    ("api/v1/community/members/", "member"),
    ("api/v1/community/", "org"),
    # Reserve cadres: a cadre's id is filled with the org's; tests/cadres/test_reserve_pages.py
    # walks them again with real cadres of the other subtree.
    ("reserve/", "org"),
    ("api/v1/reserve-cadres/", "org"),
    ("system/users/", "member"),
    ("security/roles/", "member"),
    ("security/activations/", "member"),
    # A user's own API tokens: no persona here has one, so whatever id is filled in must answer 404
    # (tests/accounts/test_scoping.py declares them with real tokens).
    ("account/tokens/", "member"),
    ("api/v1/auth/tokens/", "member"),
    # A user's own background jobs: no persona here asked for one, so whatever id is filled in must
    # answer 404 (tests/jobs/test_jobs.py checks another user's job with a real one).
    ("jobs/", "member"),
    # Reports: a statistical table's slug (filled with an id here, so no table: 404); the tables of the
    # other subtree (?org=) answer 404 in tests/reports/test_tables*.py, for the page, the export and the API.
    ("reports/", "org"),
    ("api/v1/reports/", "org"),
]
# Routes that take no object but may be filtered by one.
FILTER_PARAMS = {
    "members/": "org",
    "api/v1/members": "org",
    "api/v1/organizations": "parent",
    "io/export/members/": "org",
    "io/export/organizations/": "org",
    "io/export/meetings/": "org",
    "io/export/committee/": "org",
    "orglife/compliance/": "org",
    "orglife/compliance/organizations/": "org",
    "orglife/meetings/": "org",
    "orglife/meetings/new/": "org",
    "orglife/rectification/": "org",
    "orglife/appraisals/": "org",
    "orglife/appraisals/new/": "org",
    "api/v1/orglife/meetings": "org",
    "api/v1/orglife/compliance": "org",
    "api/v1/orglife/appraisals": "org",
    "api/v1/posts/assignments": "org",
    "api/v1/posts/groups": "org",
    "api/v1/posts/catalogue": "org",
    "api/v1/posts/evaluations": "org",
    "io/export/post_assignments/": "org",
    "io/export/group_memberships/": "org",
    "io/export/posts/": "org",
    "io/export/post_evaluations/": "org",
    "io/export/point_rules/": "org",
    "io/export/point_entries/": "org",
    "io/export/point_awards/": "org",
    "points/": "org",
    "points/balances/": "org",
    "points/distribution/": "org",
    "points/award/": "org",
    "api/v1/points/entries": "org",
    "api/v1/points/balances": "org",
    "training/figures/": "org",
    "training/figures/sessions/": "org",
    "training/figures/attendance/": "org",
    "training/figures/persons/": "org",
    "training/programmes/": "org",
    "training/programmes/new/": "org",
    "api/v1/training/programmes": "org",
    "api/v1/training/sessions": "org",
    "api/v1/training/person-times": "org",
    "io/export/training_attendance/": "org",
    "community/volunteers/": "org",
    "community/service/": "org",
    "community/serving/": "org",
    "community/activities/": "org",
    "community/activities/new/": "org",
    "community/checkins/": "org",
    "community/checkins/new/": "org",
    "api/v1/community/activities": "org",
    "api/v1/community/checkins": "org",
    "api/v1/community/figures": "org",
    "api/v1/community/service": "org",
    "io/export/service_hours/": "org",
    "io/export/checkins/": "org",
    "rectification/": "org",
    "rectification/screenings/": "org",
    "rectification/screenings/new/": "org",
    "rectification/cases/": "org",
    "rectification/problems/": "org",
    "io/export/rectification_register/": "org",
    "reserve/": "org",
    "reserve/list/": "org",
    "reserve/new/": "org",
    "api/v1/reserve-cadres": "org",
    "api/v1/reserve-cadres/figures": "org",
    "dashboard/": "org",
    "dashboard/wall/": "org",
    "reports/summary/": "org",
    "api/v1/reports/figures": "org",
}
SKIP_PREFIXES = ("static/", "api/v1/docs", "api/v1/openapi.json")
# The audit log names the records it is about: reading it is the auditor's job.
# Each administrator's own pages are their job (tests/core/test_separation.py and test_admin_pages.py
# prove who may use them); the walk proves that administrators see no business data elsewhere.
OWN_ROUTES = {"sysadmin": ("system/",), "secadmin": ("security/",)}
ALLOWED_PAGES = {("auditor", "audit/"), ("auditor", "audit/export/")}


def object_kind(route: str) -> str:
    for prefix, kind in OBJECT_FOR_ROUTE:
        if route.startswith(prefix):
            return kind
    raise AssertionError(f"declare the object that {route!r} takes in OBJECT_FOR_ROUTE")


def response_text(response) -> str:
    """The text a person would read in a response: HTML, JSON, or every cell of an .xlsx."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw[:2] == b"PK":  # an .xlsx download
        book = load_workbook(io.BytesIO(raw), read_only=True)
        return "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)
    return raw.decode(errors="ignore")


def correction_for(member):
    """A pending correction request on ``member`` (so the walk asks for a real object)."""
    request = CorrectionRequest(member=member, field="occupation", reason="walk")
    request.set_proposed_value("教师")
    request.save()
    return request


def seat_for(org, member):
    """An open seat of ``member`` on ``org``'s committee."""
    return committee_member_add(actor=None, org=org, member=member, post="member", started_on=dt.date(2020, 1, 1))


PERSONAS = [
    # (persona, which organization's objects they must not see, member in it)
    ("sibling_secretary", "branch_a1", "zhang"),
    ("secretary", "branch_b1", "wang"),
    ("town_organizer", "branch_b1", "wang"),
    ("member_user", "branch_b1", "wang"),
    ("auditor", "branch_a1", "zhang"),
    # The other two administrators (三员) see no business data anywhere, even over the root.
    ("sysadmin", "branch_a1", "zhang"),
    ("secadmin", "branch_b1", "wang"),
]


@pytest.fixture
def world(world):
    """The shared personas plus a system and a security administrator over the root."""
    world.sysadmin = factories.user("sysadmin", Role.SYSADMIN, world.root)
    world.secadmin = factories.user("secadmin", Role.SECADMIN, world.root)
    return world


@pytest.mark.parametrize(("persona", "org_attr", "member_attr"), PERSONAS)
def test_objects_outside_the_subtree_answer_404_on_every_route(world, client, persona, org_attr, member_attr):
    client.force_login(getattr(world, persona))
    targets = {"org": getattr(world, org_attr).pk, "member": getattr(world, member_attr).pk}
    targets["correction"] = correction_for(getattr(world, member_attr)).pk
    targets["seat"] = seat_for(getattr(world, org_attr), getattr(world, member_attr)).pk
    walked = 0
    for route, _name in all_routes():
        if route.startswith(SKIP_PREFIXES) or not PARAM.search(route) or route.startswith(OWN_ROUTES.get(persona, ())):
            continue
        url = fill(route, targets[object_kind(route)])
        for method in ("get", "post", "patch", "delete"):
            response = (
                getattr(client, method)(url, content_type="application/json") if method != "get" else client.get(url)
            )
            assert response.status_code in (404, 405), f"{persona} {method.upper()} {url} → {response.status_code}"
            walked += 1
    assert walked >= 10


@pytest.mark.parametrize(("persona", "org_attr", "member_attr"), PERSONAS)
def test_lists_filtered_by_an_outside_organization_answer_404(world, client, persona, org_attr, member_attr):
    client.force_login(getattr(world, persona))
    org = getattr(world, org_attr)
    for route, param in FILTER_PARAMS.items():
        if not any(r == route for r, _n in all_routes()):
            continue
        response = client.get(f"/{route}?{param}={org.pk}")
        assert response.status_code == 404, f"{persona} /{route}?{param}={org.pk} → {response.status_code}"


@pytest.mark.parametrize(("persona", "org_attr", "member_attr"), PERSONAS)
def test_pages_without_an_object_do_not_show_the_other_subtree(world, client, persona, org_attr, member_attr):
    client.force_login(getattr(world, persona))
    hidden_member = getattr(world, member_attr).name
    hidden_org = getattr(world, org_attr).name
    for route, _name in all_routes():
        if route.startswith(SKIP_PREFIXES) or PARAM.search(route) or "logout" in route:
            continue
        if (persona, route) in ALLOWED_PAGES or route.startswith(OWN_ROUTES.get(persona, ())):
            continue
        response = client.get("/" + route)
        assert response.status_code < 500, f"/{route} → {response.status_code}"
        body = response_text(response)
        assert hidden_member not in body, f"{persona} sees {hidden_member} on /{route}"
        assert hidden_org not in body, f"{persona} sees {hidden_org} on /{route}"


def test_anonymous_users_are_sent_to_log_in(world, client):
    for route, _name in all_routes():
        if route.startswith((*SKIP_PREFIXES, "api/", "i18n/")) or "login" in route:
            continue
        url = fill(route, world.branch_a1.pk) or "/" + route
        response = client.get(url)
        assert response.status_code in (302, 405), f"{url} → {response.status_code}"
        if response.status_code == 302:
            assert "/login/" in response["Location"]
