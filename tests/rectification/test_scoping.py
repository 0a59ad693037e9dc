"""Every rectification page and API route, walked with real objects of the other subtree: 404.

The generic walk (tests/test_subtree_walk.py) fills every id with an organization's; here each route
gets the id of the object it takes — a screening, a mark, a case, a problem, a work-team member — of
河口村 (branch B1, under 河口镇) or of the district.
"""

import datetime as dt

import pytest

from dangjian.rectification import services
from tests.factories import CASE_OPENED as OPENED
from tests.factories import criteria
from tests.test_subtree_walk import PARAM, all_routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(world):
    """The district's screening with 河口村 marked, its case, a problem and a team member."""
    screening = services.screening_create(actor=None, org=world.root, year=2025)
    mark = services.mark_create(
        actor=None, screening=screening, org=world.branch_b1, classification="lagging", criteria=criteria("C06")
    )
    case = services.case_open(actor=None, mark=mark, opened_on=OPENED)
    problem = services.problem_add(
        actor=None,
        case=case,
        data={
            "description": "集体经济薄弱",
            "countermeasure": "发展合作社",
            "responsible": "王",
            "deadline": dt.date(2026, 6, 1),
        },
    )
    member = services.team_member_add(actor=None, case=case, name="刘", captain=True)
    return {"screening": screening.pk, "mark": mark.pk, "case": case.pk, "problem": problem.pk, "team": member.pk}


def kind_of(route: str) -> str:
    for prefix, kind in (
        ("screenings/", "screening"),
        ("marks/", "mark"),
        ("cases/", "case"),
        ("problems/", "problem"),
        ("team/", "team"),
    ):
        if route.split("rectification/", 1)[1].startswith(prefix):
            return kind
    raise AssertionError(route)


@pytest.mark.parametrize("persona", ["secretary", "town_organizer", "member_user", "auditor"])
def test_every_route_answers_404_with_real_objects_outside_the_subtree(world, client, other, persona):
    client.force_login(getattr(world, persona))
    walked = 0
    for route, _name in all_routes():
        if not route.startswith(("rectification/", "api/v1/rectification/")) or not PARAM.search(route):
            continue
        if persona == "town_organizer" and kind_of(route) != "screening":
            continue  # 城关镇 does not see 河口村's records at all; the district's screening is above it too
        url = "/" + PARAM.sub(str(other[kind_of(route)]), route)
        for method in ("get", "post", "patch", "put", "delete"):
            response = (
                getattr(client, method)(url, content_type="application/json") if method != "get" else client.get(url)
            )
            assert response.status_code in (404, 405), f"{persona} {method.upper()} {url} → {response.status_code}"
            walked += 1
    assert walked >= 20


def test_the_town_organizer_walks_every_route_of_the_other_township(world, client, other):
    client.force_login(world.town_organizer)
    for route, _name in all_routes():
        if not route.startswith(("rectification/", "api/v1/rectification/")) or not PARAM.search(route):
            continue
        url = "/" + PARAM.sub(str(other[kind_of(route)]), route)
        for method in ("get", "post"):
            response = (
                getattr(client, method)(url, content_type="application/json") if method != "get" else client.get(url)
            )
            assert response.status_code in (404, 405), f"{method.upper()} {url} → {response.status_code}"


def test_lists_and_figures_do_not_show_the_other_subtree(world, client, other):
    client.force_login(world.secretary)
    for url in ("/rectification/cases/", "/rectification/problems/", "/rectification/screenings/", "/rectification/"):
        body = client.get(url).content.decode()
        assert "河口村党支部" not in body and "集体经济薄弱" not in body, url
