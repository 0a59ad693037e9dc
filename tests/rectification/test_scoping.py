"""Screenings, marks, cases, problems and work-team members as scoped resources
(tests/support/scoped.py). The district's screening (区委) is above every persona but the department's:
a township organizer, a branch secretary, a member and the auditor get 404 on it; a record of 河口村
(branch B1, under 河口镇) answers 404 to the same personas of township A. The owner is the department's
organizer, who screens the district; what a township or a branch may do on a case it sees is in
test_views.py and test_api.py."""

import datetime as dt
import itertools

import pytest

from dangjian.rectification import services
from dangjian.rectification.models import Problem, Rectification, Screening, ScreeningMark, WorkTeamMember
from tests import factories
from tests.factories import CASE_OPENED, criteria
from tests.support.routes import routes_with_an_object
from tests.support.scoped import ScopedResource, declared_shapes

pytestmark = pytest.mark.django_db
SEQ = itertools.count(1)
YEARS = itertools.cycle(range(2010, 2026))
OUTSIDE_PERSONAS = ("secretary", "town_organizer", "member_user", "auditor")


def district_screening(w):
    """The district's screening of 2025 (made once per world)."""
    if not hasattr(w, "screening"):
        w.screening = services.screening_create(actor=None, org=w.root, year=2025)
    return w.screening


def marked(w, org):
    return services.mark_create(
        actor=None, screening=district_screening(w), org=org, classification="lagging", criteria=criteria("C06")
    )


def opened(w, org):
    return services.case_open(actor=None, mark=marked(w, org), opened_on=CASE_OPENED)


class OnRectification(ScopedResource):
    owner = "organizer"
    owner_org = "branch_a1"
    outsiders = tuple((persona, "branch_b1") for persona in OUTSIDE_PERSONAS)


class TestScreening(OnRectification):
    model = Screening
    owner_org = "root"
    outsiders = tuple((persona, "root") for persona in OUTSIDE_PERSONAS)
    routes = (
        "/rectification/screenings/{pk}/",
        "POST /rectification/screenings/{pk}/mark/",
        "/api/v1/rectification/screenings/{pk}",
        "POST /api/v1/rectification/screenings/{pk}/marks",
    )
    list_routes = ("/rectification/screenings/", "/api/v1/rectification/screenings")
    create = "POST /api/v1/rectification/screenings"

    def make(self, w, org):
        return services.screening_create(actor=None, org=org, year=next(YEARS), note=f"排查{next(SEQ)}")

    def shown(self, obj):
        return f"{obj.year}"

    def create_data(self, w, org):
        return {"org": org.pk, "year": 2009}


class TestMark(OnRectification):
    model = ScreeningMark
    routes = (
        "/rectification/marks/{pk}/edit/",
        "POST /rectification/marks/{pk}/delete/",
        "/rectification/marks/{pk}/open/",
        "PATCH /api/v1/rectification/marks/{pk}",
        "DELETE /api/v1/rectification/marks/{pk}",
        "POST /api/v1/rectification/marks/{pk}/case",
    )
    update = "PATCH /api/v1/rectification/marks/{pk}"

    def make(self, w, org):
        return marked(w, org)

    def update_data(self, w, obj):
        return {"classification": "weak", "criteria": criteria("C01")}


class TestCase(OnRectification):
    model = Rectification
    routes = (
        "/rectification/cases/{pk}/",
        "/rectification/cases/{pk}/edit/",
        "POST /rectification/cases/{pk}/start/",
        "POST /rectification/cases/{pk}/accept/",
        "POST /rectification/cases/{pk}/close/",
        "POST /rectification/cases/{pk}/reopen/",
        "/rectification/cases/{pk}/team/new/",
        "/rectification/cases/{pk}/problems/new/",
        "/rectification/cases/{pk}/progress/new/",
        "/api/v1/rectification/cases/{pk}",
        "PATCH /api/v1/rectification/cases/{pk}",
        "POST /api/v1/rectification/cases/{pk}/start",
        "POST /api/v1/rectification/cases/{pk}/accept",
        "POST /api/v1/rectification/cases/{pk}/close",
        "POST /api/v1/rectification/cases/{pk}/reopen",
        "POST /api/v1/rectification/cases/{pk}/team",
        "POST /api/v1/rectification/cases/{pk}/problems",
        "POST /api/v1/rectification/cases/{pk}/progress",
    )
    list_routes = ("/rectification/cases/", "/api/v1/rectification/cases")
    update = "PATCH /api/v1/rectification/cases/{pk}"

    def make(self, w, org):
        return opened(w, org)

    def more(self, w, org):
        """A case of another new branch beside ``org`` (one mark per organization and screening)."""
        return opened(w, factories.org(org.parent, f"新村{next(SEQ)}党支部"))

    def shown(self, obj):
        return obj.org.name

    def update_data(self, w, obj):
        return {"lead_official": "王副书记", "version": obj.version}


class TestProblem(OnRectification):
    model = Problem
    routes = (
        "/rectification/problems/{pk}/edit/",
        "POST /rectification/problems/{pk}/done/",
        "PATCH /api/v1/rectification/problems/{pk}",
        "PUT /api/v1/rectification/problems/{pk}/done",
    )
    list_routes = ("/rectification/problems/", "/api/v1/rectification/problems")
    update = "PATCH /api/v1/rectification/problems/{pk}"
    update_action = "problem_update"  # written on the case, which the problem belongs to

    def make(self, w, org):
        case = Rectification.objects.filter(org=org).first() or opened(w, org)
        data = {
            "description": f"集体经济薄弱{next(SEQ)}",
            "countermeasure": "发展合作社",
            "responsible": "王",
            "deadline": dt.date(2026, 6, 1),
        }
        return services.problem_add(actor=None, case=case, data=data)

    def shown(self, obj):
        return obj.description

    def update_data(self, w, obj):
        return {"countermeasure": "引进项目"}


class TestTeamMember(OnRectification):
    model = WorkTeamMember
    routes = ("POST /rectification/team/{pk}/delete/", "DELETE /api/v1/rectification/team/{pk}")

    def make(self, w, org):
        case = Rectification.objects.filter(org=org).first() or opened(w, org)
        return services.team_member_add(actor=None, case=case, name=f"队员{next(SEQ)}", captain=False)


def test_every_rectification_route_with_an_object_is_declared():
    declared = declared_shapes(TestScreening, TestMark, TestCase, TestProblem, TestTeamMember)
    assert routes_with_an_object("rectification/", "api/v1/rectification/") <= declared


@pytest.fixture
def other(world):
    """The district's screening with 河口村 marked, its case and a problem."""
    case = opened(world, world.branch_b1)
    services.problem_add(
        actor=None,
        case=case,
        data={
            "description": "集体经济薄弱",
            "countermeasure": "发展合作社",
            "responsible": "王",
            "deadline": dt.date(2026, 6, 1),
        },
    )
    return case


def test_lists_and_figures_do_not_show_the_other_subtree(world, client, other):
    client.force_login(world.secretary)
    for url in ("/rectification/cases/", "/rectification/problems/", "/rectification/screenings/", "/rectification/"):
        body = client.get(url).content.decode()
        assert "河口村党支部" not in body and "集体经济薄弱" not in body, url
