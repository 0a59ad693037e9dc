"""Reserve cadres as a scoped resource (tests/support/scoped.py): anonymous users log in, the owner
reads, other subtrees get 404 on every route and lists, the auditor writes nothing, a create or an
update is one audit event, lists cost the same queries with twice the rows. Below the declaration,
what the case does not cover: the lists and figures of another subtree answer 404 outright."""

import datetime as dt
import itertools

import pytest
from django.urls import reverse

from dangjian.cadres.models import ReserveCadre
from tests import factories
from tests.cadres.reserve_world import make_villages, outsider
from tests.support.routes import routes_with_an_object
from tests.support.scoped import ScopedResource, declared_shapes

pytestmark = pytest.mark.django_db
SEQ = itertools.count(1)


class TestReserveCadre(ScopedResource):
    model = ReserveCadre
    routes = (
        "/reserve/{pk}/",
        "/reserve/{pk}/edit/",
        "POST /reserve/{pk}/reveal-id/",
        "/reserve/{pk}/appoint/",
        "/reserve/{pk}/drop/",
        "/reserve/{pk}/assess/",
        "/api/v1/reserve-cadres/{pk}",
        "PATCH /api/v1/reserve-cadres/{pk}",
        "POST /api/v1/reserve-cadres/{pk}/appoint",
        "POST /api/v1/reserve-cadres/{pk}/drop",
        "POST /api/v1/reserve-cadres/{pk}/assess",
        "POST /api/v1/reserve-cadres/{pk}/reveal-id",
    )
    list_routes = ("/reserve/list/?org={org}", "/api/v1/reserve-cadres?org={org}")
    create = "POST /api/v1/reserve-cadres"
    update = "PATCH /api/v1/reserve-cadres/{pk}"

    @pytest.fixture
    def w(self, world):
        make_villages(world)  # reserve cadres belong to villages
        return world

    def make(self, w, org):
        n = next(SEQ)
        return outsider(org, f"后备{n}号", dt.date(1990, 1, 1) + dt.timedelta(days=n))

    def shown(self, obj):
        return obj.person_name

    def create_data(self, w, org):
        return {
            "org": org.pk,
            "name": "周杰",
            "id_number": factories.id_number(dt.date(1995, 1, 1), region="410103"),
            "education": "senior",
            "phone": "13700003333",
            "selected_on": "2025-04-01",
            "source": "veteran",
            "planned_post": "committee",
        }

    def update_data(self, w, obj):
        return {"mentor": "李书记", "version": obj.version}


def test_every_reserve_route_with_an_object_is_declared():
    steps = {"/reserve/{}/{}/"}  # /reserve/<pk>/<step>/, declared as its three steps
    assert routes_with_an_object("reserve/", "api/v1/reserve-cadres/") <= declared_shapes(TestReserveCadre) | steps


def test_the_lists_and_figures_of_another_subtree_answer_404(world, client_for, api_as):
    make_villages(world)
    client = client_for(world.sibling_secretary)  # 河口村: 东街村 and 城关镇 are not theirs
    assert client.get(reverse("reserve-list") + f"?org={world.branch_a1.pk}").status_code == 404
    assert client.get(reverse("reserve-figures") + f"?org={world.town_a.pk}").status_code == 404
    assert api_as(world.sibling_secretary).get("/reserve-cadres", {"org": world.branch_a1.pk}).status_code == 404
