"""Reserve cadre pages and API: figures against a known fixture, the records behind each figure,
query counts that do not grow with the rows, masking and the access log (scoping is declared in
tests/cadres/test_scoping.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.cadres import queries, services
from dangjian.cadres.models import ReserveCadre
from dangjian.core import idnumber
from tests import factories
from tests.cadres.reserve_world import make_villages, of_member, outsider
from tests.factories import programme, session
from tests.support.api import field_errors
from tests.support.audit import assert_one_audit_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(world):
    """东街村 (a1): 张强 (member, 46, bachelor) and 赵磊 (28, college); 西街村 (a2): 孙丽 (36, junior
    middle school); 河口村 (b1): 王伟, appointed today — none left in its pool."""
    make_villages(world)
    world.zhang_cadre = of_member(world.branch_a1, world.zhang)
    world.zhao = outsider(world.branch_a1, "赵磊", dt.date(1998, 6, 1), education="college")
    world.sun = outsider(world.branch_a2, "孙丽", dt.date(1990, 1, 1), gender="female", education="junior")
    world.wang_cadre = of_member(world.branch_b1, world.wang)
    services.reserve_appoint(actor=None, cadre=world.wang_cadre, on=timezone.localdate(), post="村委会委员")
    services.reserve_assess(actor=None, cadre=world.zhao, year=2025, rating="excellent", note="表现突出")
    return world


def _bands(rows):
    return {key: n for key, _label, n, _share in rows}


def test_district_figures_match_the_fixture(pool):
    fig = queries.figures(pool.root)
    assert (fig.villages, fig.in_pool, fig.appointed, fig.dropped) == (3, 3, 1, 0)
    assert [(v.name, n) for v, n in fig.below] == [("西街村党支部", 1), ("河口村党支部", 0)]
    assert _bands(fig.ages) == {"u30": 1, "30_34": 0, "35_ceiling": 1, "over": 1}
    assert _bands(fig.educations) == {"below": 1, "senior": 0, "college": 1, "bachelor": 1}
    assert [share for *_rest, share in fig.ages] == [33.3, 0.0, 33.3, 33.3]
    town = queries.figures(pool.town_a)
    assert (town.villages, town.in_pool, town.appointed, [v.name for v, _n in town.below]) == (
        2,
        3,
        0,
        ["西街村党支部"],
    )


def test_each_child_organization_has_its_row(pool):
    fig = queries.figures(pool.root, children=[pool.town_a, pool.town_b])
    rows = [(r.org.name, r.villages, r.in_pool, r.below) for r in fig.rows]
    assert rows == [("城关镇党委", 2, 3, 1), ("河口镇党委", 1, 0, 1)]


def test_the_minimum_is_a_rule(pool):
    from dangjian.core.services import parameter_set

    parameter_set(actor=None, key="reserve.min_per_village", value=1, effective_from=dt.date(2020, 1, 1))
    assert [v.name for v, _n in queries.figures(pool.root).below] == ["河口村党支部"]


def test_figures_run_a_constant_number_of_queries(pool, django_assert_max_num_queries):
    for i in range(5):
        outsider(pool.branch_b1, f"新人{i}", dt.date(1995, 1, 1 + i))
    with django_assert_max_num_queries(6):
        queries.figures(pool.root)


@pytest.mark.parametrize(
    "params, names",
    [
        ("state=pool", {"张强", "赵磊", "孙丽"}),
        ("state=pool&age=over", {"张强"}),
        ("state=pool&age=u30", {"赵磊"}),
        ("state=pool&edu=below", {"孙丽"}),
        ("state=pool&edu=bachelor", {"张强"}),
        (f"appointed_year={dt.date.today().year}", {"王伟"}),
    ],
)
def test_each_figure_links_to_its_records(pool, client_for, params, names):
    response = client_for(pool.organizer).get(reverse("reserve-list") + f"?org={pool.root.pk}&{params}")
    assert response.status_code == 200
    shown = {c.person_name for c in response.context["page_obj"]}
    assert shown == names


def test_the_figures_page_shows_the_reminder(pool, client_for):
    page = client_for(pool.organizer).get(reverse("reserve-figures")).content.decode()
    assert "西街村党支部" in page and "河口村党支部" in page
    page = client_for(pool.town_organizer).get(reverse("reserve-figures")).content.decode()
    assert "西街村党支部" in page and "河口村党支部" not in page


def test_the_list_runs_a_constant_number_of_queries(pool, client_for, django_assert_max_num_queries):
    client = client_for(pool.organizer)
    url = reverse("reserve-list") + f"?org={pool.root.pk}"
    client.get(url)
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for i in range(8):
        outsider(pool.branch_b1, f"新人{i}", dt.date(1995, 1, 1 + i))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_cadre_page_masks_and_the_reveal_is_logged(pool, client_for):
    client = client_for(pool.organizer)
    page = client.get(reverse("reserve-detail", args=[pool.zhao.pk])).content.decode()
    number = pool.zhao.id_number
    assert number not in page and pool.zhao.id_number_masked in page and "138****1111" in page
    assert "表现突出" in page
    with assert_one_audit_event("view_sensitive") as audited:
        response = client.post(reverse("reserve-reveal-id", args=[pool.zhao.pk]))
    assert number in response.content.decode()
    assert audited.event.object_id == str(pool.zhao.pk)
    # a secretary may not see a full ID number
    assert client_for(pool.secretary).post(reverse("reserve-reveal-id", args=[pool.zhao.pk])).status_code == 404


def test_a_member_cadre_shows_the_training_attended(pool, client_for):
    prog = programme(pool.root, "后备干部培训班", kind="course")
    session(prog, held_on=dt.date(2026, 3, 10), present=[pool.zhang], title="乡村振兴")
    page = client_for(pool.secretary).get(reverse("reserve-detail", args=[pool.zhang_cadre.pk])).content.decode()
    assert "后备干部培训班" in page and "乡村振兴" in page


def test_the_forms_create_appoint_drop_and_assess(pool, client_for):
    client = client_for(pool.secretary)
    url = reverse("reserve-create") + f"?org={pool.branch_a1.pk}"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "member": pool.li.pk,
            "selected_on": "2025-05-01",
            "source": "local",
            "planned_post": "director",
        },
    )
    assert response.status_code == 302, response.content.decode()
    cadre = ReserveCadre.objects.get(member=pool.li)
    bad = client.post(reverse("reserve-step", args=[cadre.pk, "drop"]), {"dropped_on": "2025-06-01", "drop_reason": ""})
    assert bad.status_code == 200 and "drop_reason" in bad.context["form"].errors
    step = reverse("reserve-step", args=[cadre.pk, "assess"])
    assert client.post(step, {"year": 2025, "rating": "competent"}).status_code == 302
    step = reverse("reserve-step", args=[cadre.pk, "appoint"])
    assert client.post(step, {"appointed_on": "2025-06-01", "appointed_to": "村委会主任"}).status_code == 302
    cadre.refresh_from_db()
    assert cadre.state == "appointed" and cadre.assessments.get().rating == "competent"
    # a non-member without an ID number is refused on the field
    response = client.post(
        url,
        {
            "name": "钱多",
            "education": "senior",
            "selected_on": "2025-05-01",
            "source": "local",
            "planned_post": "committee",
        },
    )
    assert response.status_code == 200 and "id_number" in response.context["form"].errors
    # a township is not a village
    assert client_for(pool.town_organizer).get(reverse("reserve-create") + f"?org={pool.town_a.pk}").status_code == 404


def test_the_api_creates_appoints_and_reports(pool, api_as):
    api = api_as(pool.organizer)
    number = idnumber.make("410103", dt.date(1995, 1, 1), 1, "male")
    response = api.post(
        "/reserve-cadres",
        {
            "org": pool.branch_b1.pk,
            "name": "周杰",
            "id_number": number,
            "education": "senior",
            "phone": "13700003333",
            "selected_on": "2025-04-01",
            "source": "veteran",
            "planned_post": "committee",
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["phone_masked"] == "137****3333" and "id_number" not in data and data["birth_date"] == "1995-01-01"
    cadre_id = data["id"]
    bad = api.post(f"/reserve-cadres/{cadre_id}/drop", {"dropped_on": "2025-05-01"})
    assert bad.status_code == 422 and "drop_reason" in field_errors(bad)
    ok = api.post(f"/reserve-cadres/{cadre_id}/assess", {"year": 2025, "rating": "excellent"})
    assert ok.status_code == 200 and ok.json()["assessments"][0]["rating"] == "excellent"
    figures = api.get("/reserve-cadres/figures", {"org": pool.root.pk}).json()
    assert figures["in_pool"] == 4 and figures["below_minimum"] == [
        {"org_id": pool.branch_a2.pk, "org_name": "西街村党支部", "in_pool": 1},
        {"org_id": pool.branch_b1.pk, "org_name": "河口村党支部", "in_pool": 1},
    ]
    listed = api.get("/reserve-cadres", {"org": pool.branch_a1.pk, "state": "pool"}).json()
    assert {c["name"] for c in listed["items"]} == {"张强", "赵磊"}
    member = api.post(
        "/reserve-cadres",
        {
            "org": pool.branch_a1.pk,
            "member": pool.zhang.pk,
            "selected_on": "2025-04-01",
            "source": "local",
            "planned_post": "secretary",
        },
    )
    assert member.status_code == 422 and "东街村党支部" in field_errors(member)["member"]
    with assert_one_audit_event("view_sensitive") as audited:
        reveal = api.post(f"/reserve-cadres/{cadre_id}/reveal-id")
    assert reveal.status_code == 200 and reveal.json()["id_number"] == number
    assert audited.event.object_id == str(cadre_id)


def test_the_api_list_runs_a_constant_number_of_queries(pool, api_as, django_assert_max_num_queries):
    api = api_as(pool.organizer)
    api.get("/reserve-cadres")
    with django_assert_max_num_queries(14) as few:
        api.get("/reserve-cadres")
    for i in range(8):
        outsider(pool.branch_b1, f"新人{i}", dt.date(1995, 1, 1 + i))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get("/reserve-cadres").json()["count"] == 12


def test_the_figures_page_runs_a_constant_number_of_queries(pool, client_for, django_assert_max_num_queries):
    from dangjian.organizations.models import Unit

    client = client_for(pool.organizer)
    url = reverse("reserve-figures") + f"?org={pool.root.pk}"
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        assert client.get(url).status_code == 200
    for i in range(4):
        branch = factories.org(pool.town_b, f"新村{i}党支部")
        branch.units.add(Unit.objects.create(name=f"新村{i}村民委员会", kind=Unit.Kind.VILLAGE))
        outsider(branch, f"新人{i}", dt.date(1995, 1, 1 + i))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert "新村3党支部" in page  # one cadre: below the minimum


def test_the_minimum_education_is_a_rule(pool, client_for):
    from dangjian.core.services import parameter_set

    parameter_set(actor=None, key="reserve.min_education", value=5, effective_from=dt.date(2020, 1, 1))
    fig = queries.figures(pool.root)
    assert _bands(fig.educations) == {"below": 2, "senior": 0, "college": 0, "bachelor": 1}
    client = client_for(pool.organizer)
    for key, names in (("below", {"孙丽", "赵磊"}), ("college", set()), ("bachelor", {"张强"})):
        response = client.get(reverse("reserve-list") + f"?org={pool.root.pk}&state=pool&edu={key}")
        assert {c.person_name for c in response.context["page_obj"]} == names
