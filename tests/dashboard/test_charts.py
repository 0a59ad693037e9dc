"""The dashboard with charts (issue 16 point 1): every series is the owning module's figure, every bar or
slice opens the list of the records it counts with the same count, the work is bounded, and nobody sees
a subtree outside their own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from dangjian.community.services import checkin_create
from dangjian.core.models import Parameter
from dangjian.core.roles import Role
from dangjian.members import queries as members
from dangjian.points.models import PointBalance
from dangjian.rectification import services as rectification
from dangjian.training import queries as training
from tests import factories
from tests.factories import criteria

URL = reverse("dashboard-charts")


def charts_of(response) -> dict:
    assert response.status_code == 200
    return {c["key"]: c for c in response.context["chart_data"]}


def listed(client, url: str) -> int:
    """How many records the list page at ``url`` counts."""
    response = client.get(url)
    assert response.status_code == 200, url
    context = response.context
    if "page_obj" in context:  # a list: counted by its paginator, or on its first keyset page
        page = context["page_obj"]
        return page.paginator.count if hasattr(page, "paginator") else page.count
    if "page" in context:  # a figure's drill-down
        return context["page"].paginator.count
    return context["rows"].count() if hasattr(context["rows"], "count") else len(context["rows"])


@pytest.mark.django_db
def test_member_composition_is_the_register_breakdown_and_each_slice_opens_its_members(world, client_for):
    factories.member(
        world.branch_b1, "赵敏", birth=dt.date(1979, 1, 2), gender="female", education="college", ethnicity="回族"
    )
    client = client_for(world.organizer)
    found = charts_of(client.get(URL, {"org": world.root.pk}))
    breakdown = members.subtree_breakdown(world.root.path)
    assert [(p["label"], p["value"]) for p in found["gender"]["points"]] == [
        (str(label), n) for _c, label, n in breakdown["gender"]
    ]
    assert sum(p["value"] for p in found["gender"]["points"]) == members.subtree_member_count(world.root) == 4
    assert [(p["label"], p["value"]) for p in found["ethnicity"]["points"]] == [("汉族", 3), ("回族", 1)]
    assert [(p["label"], p["value"]) for p in found["sector"]["points"]] == [("农村", 4)]
    for key in ("gender", "status", "education", "age", "sector", "ethnicity"):
        for point in found[key]["points"]:
            if point["value"]:
                assert listed(client, point["url"]) == point["value"], (key, point)


@pytest.mark.django_db
def test_training_person_times_are_the_figures_table_and_open_the_attendance(world, client_for):
    prog = factories.programme(world.town_a)
    factories.session(prog, present=[world.zhang, world.li])
    factories.session(factories.programme(world.town_b, "河口讲堂"), present=[world.wang])
    client = client_for(world.organizer)
    chart = charts_of(client.get(URL, {"org": world.root.pk, "period": "2026"}))["training"]
    table = training.person_times_table(world.root, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert [p["value"] for p in chart["points"]] == [row.figures.person_times for row in table.rows]
    assert sum(p["value"] for p in chart["points"]) == table.total.person_times == 3
    figures = client.get(reverse("training-figures"), {"org": world.root.pk, "year": 2026}).context["table"]
    assert figures.total.person_times == 3
    found = charts_of(client.get(URL, {"org": world.root.pk, "period": "2026"}))
    programmes, months = found["training_programmes"]["points"], found["training_months"]["points"]
    assert sorted((p["label"], p["value"]) for p in programmes) == [("区委大讲堂", 2), ("河口讲堂", 1)]
    assert [p["value"] for p in months] == [0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    for point in chart["points"] + programmes + months:
        assert listed(client, point["url"]) == point["value"], point


@pytest.mark.django_db
def test_points_bands_are_the_distribution_page_and_link_to_it(world, client_for):
    for member, total in ((world.zhang, "12"), (world.li, "35.5"), (world.wang, "38")):
        PointBalance.objects.create(
            org=member.org, org_path=member.org_path, member=member, year=2026, total=Decimal(total)
        )
    client = client_for(world.organizer)
    chart = charts_of(client.get(URL, {"org": world.root.pk, "period": "2026-H1"}))["points"]
    page = client.get(reverse("points-distribution"), {"org": world.root.pk, "year": 2026})
    assert [(p["label"], p["value"]) for p in chart["points"]] == [(b[0], b[1]) for b in page.context["data"].buckets]
    assert [p["value"] for p in chart["points"]] == [1, 0, 2]
    for point in chart["points"]:
        assert client.get(point["url"]).context["data"].buckets == page.context["data"].buckets


@pytest.mark.django_db
def test_a_chart_without_records_says_so_and_draws_nothing(world, client_for):
    response = client_for(world.organizer).get(URL, {"org": world.town_b.pk})
    found = charts_of(response)
    assert found["training"]["empty"] and found["villages"]["empty"]
    html = response.content.decode()
    assert 'data-chart-empty="training"' in html and 'id="chart-training"' not in html
    assert 'id="chart-gender"' in html  # 王伟 is a member of township B
    assert "暂无" in html or "没有" in html


@pytest.mark.django_db
def test_the_dashboard_is_for_organizers_and_secretaries_within_their_subtree(world, client_for):
    assert client_for(world.town_organizer).get(URL, {"org": world.town_b.pk}).status_code == 404
    assert client_for(world.sibling_secretary).get(URL, {"org": world.branch_a1.pk}).status_code == 404
    assert client_for(world.member_user).get(URL).status_code == 404
    assert client_for(world.auditor).get(URL).status_code == 404
    own = client_for(world.town_organizer).get(URL)
    assert own.context["org"] == world.town_a
    assert reverse("member-list") + f"?org={world.town_a.pk}" in own.content.decode()
    assert (
        client_for(world.sibling_secretary).get(reverse("dashboard-wall"), {"org": world.town_a.pk}).status_code == 404
    )


@pytest.mark.django_db
def test_the_dashboard_and_wall_cost_the_same_queries_for_a_larger_subtree(
    world, client_for, django_assert_max_num_queries
):
    client = client_for(world.organizer)
    client.get(URL)  # sessions, parameters' caches
    with django_assert_max_num_queries(40) as small:
        client.get(URL, {"org": world.root.pk})
    for n in range(4):
        town = factories.org(world.root, f"新镇{n}", level="committee")
        branch = factories.org(town, f"新村{n}党支部")
        factories.member(branch, f"新党员{n}", birth=dt.date(1970, 1, n + 1))
        factories.session(factories.programme(town, f"讲堂{n}"), present=[])
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(URL, {"org": world.root.pk})
    with django_assert_max_num_queries(len(small.captured_queries) + 1):
        client.get(reverse("dashboard-wall"), {"org": world.root.pk})


@pytest.mark.django_db
def test_the_wall_cycles_the_charts_at_the_interval_of_its_rule(world, client_for):
    Parameter.objects.filter(key="dashboard.wall_seconds").update(value=7)
    response = client_for(world.organizer).get(reverse("dashboard-wall"), {"org": world.root.pk, "period": "2026"})
    html = response.content.decode()
    assert 'data-seconds="7"' in html and 'class="navbar' not in html
    assert html.count('class="dj-wall-slide"') == len(response.context["chart_data"])
    assert "echarts.min.js" in html and "<script>" not in html


@pytest.mark.django_db
def test_compliance_by_kind_is_the_compliance_pages_rates(world, client_for, today):
    factories.meeting(world.branch_a1, ["theme_day"], dt.date(2026, 2, 10))
    client = client_for(world.organizer)
    chart = charts_of(client.get(URL, {"org": world.root.pk, "period": "2026"}))["compliance"]
    table = client.get(reverse("orglife-compliance"), {"org": world.root.pk, "year": 2026}).context["table"]
    expected = [
        (label, round(table.total.by_kind[kind].rate * 100))
        for kind, label in table.kinds
        if table.total.by_kind[kind].rate is not None
    ]
    assert expected and [(p["label"], p["value"]) for p in chart["points"]] == expected
    for point in chart["points"]:
        assert client.get(point["url"]).status_code == 200


@pytest.mark.django_db
def test_rectification_by_state_is_the_figures_page_and_opens_the_cases(world, client_for):
    screening = rectification.screening_create(actor=None, org=world.root, year=2025)
    for branch in (world.branch_a1, world.branch_b1):
        mark = rectification.mark_create(
            actor=None, screening=screening, org=branch, classification="weak", criteria=criteria("C01")
        )
        case = rectification.case_open(
            actor=None, mark=mark, opened_on=dt.date(2025, 12, 1), data={"lead_official": "王副书记"}
        )
    rectification.case_start(actor=None, case=case)
    client = client_for(world.organizer)
    chart = charts_of(client.get(URL, {"org": world.root.pk, "period": "2025"}))["rectification"]
    table = client.get(reverse("rectification-figures"), {"org": world.root.pk, "year": 2025}).context["table"]
    assert [p["value"] for p in chart["points"]] == [table.total.cases.get(s, 0) for s, _l in table.states]
    assert sum(p["value"] for p in chart["points"]) == 2
    for point in chart["points"]:
        if point["value"]:
            assert listed(client, point["url"]) == point["value"], point


@pytest.mark.django_db
def test_check_ins_and_volunteer_hours_are_the_volunteer_table(world, client_for, today):
    w = world
    w.community = factories.org(w.town_a, "东街社区党支部", sector="community", code="TA-C01")
    agency = factories.org(w.town_b, "河口镇机关党支部", sector="agency", code="TB-G01")
    zhao = factories.member(agency, "赵敏", birth=dt.date(1979, 4, 5), gender="female")
    factories.member(agency, "钱进", birth=dt.date(1981, 4, 5))
    w.community_secretary = factories.user("sec_c", Role.SECRETARY, w.community)
    checkin_create(
        actor=w.community_secretary,
        member=zhao,
        org=w.community,
        data={"checked_in_on": dt.date(2026, 3, 1), "offers": "care"},
    )
    factories.activity(
        w,
        sheet=[
            (zhao, Decimal("3")),
            (factories.member(w.community, "孙丽", birth=dt.date(1978, 2, 3)), Decimal("2.5")),
        ],
    )
    client = client_for(w.organizer)
    found = charts_of(client.get(URL, {"org": w.root.pk, "period": "2026"}))
    table = client.get(reverse("community-table"), {"org": w.root.pk, "year": 2026}).context["table"]
    assert (
        [p["value"] for p in found["checkins"]["points"]]
        == [
            table.total.checked_in,
            table.total.serving - table.total.checked_in,
        ]
        == [1, 1]
    )
    assert [p["value"] for p in found["hours"]["points"]] == [float(r.member_hours) for r in table.rows]
    assert sum(p["value"] for p in found["hours"]["points"]) == 5.5
    for point in found["checkins"]["points"]:
        assert listed(client, point["url"]) == point["value"], point
    for point in found["hours"]["points"]:
        if point["value"]:
            response = client.get(point["url"])
            assert response.status_code == 200, point


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", [{}, {"period": "2026-Q1"}, {"from": "2025-11-01", "to": "2026-02-28"}, {"period": "x"}]
)
def test_a_secretary_sees_their_branch_over_any_period(world, client_for, query):
    factories.meeting(world.branch_a1, ["theme_day"], dt.date(2026, 2, 10))
    response = client_for(world.secretary).get(URL, query)
    found = charts_of(response)
    assert response.context["org"] == world.branch_a1
    assert sum(p["value"] for p in found["gender"]["points"]) == 2
    assert "统计图表" in response.content.decode()
