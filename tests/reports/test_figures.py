"""Named figures (reports.figures): each equals the owning module's figure, and the API lists them."""

import datetime as dt

import pytest

from dangjian.cadres import queries as cadres_queries
from dangjian.core.spans import Span
from dangjian.members import queries as members_queries
from dangjian.reports import figures
from dangjian.training import queries as training_queries
from tests.factories import meeting, programme, session
from tests.support.api import api_client_for

pytestmark = pytest.mark.django_db
YEAR = Span.year(2026)


def test_each_figure_equals_the_module_figure(world, today):
    prog = programme(world.root)
    session(prog, present=[world.zhang, world.wang], on_leave=[world.li])
    values = figures.compute(figures.Scope(world.root, YEAR, world.organizer))
    assert values["members.total"].value == members_queries.subtree_member_count(world.root, YEAR.to_date()) == 3
    table = training_queries.person_times_table(world.root, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert values["training.person_times"].value == table.total.person_times == 2
    assert values["training.sessions"].value == table.total.sessions == 1
    assert values["cadres.reserve"].value == cadres_queries.figures(world.root, 2026).in_pool
    assert values["rectification.screened"].value == 0
    assert values["training.person_times"].url.startswith("/training/figures/attendance/?org=")
    assert values["training.programmes"].said("余") == "“区委大讲堂”1期2人次"
    api = api_client_for(world.organizer).get("/reports/figures?period=2026").json()
    listed = {f["name"]: f["value"] for f in api["figures"]}["training.programmes"]
    assert listed == [{"programme_id": prog.pk, "name": "区委大讲堂", "sessions": 1, "person_times": 2}]


def test_a_subtree_counts_only_its_own(world, today):
    prog = programme(world.root)
    session(prog, present=[world.zhang, world.wang])
    values = figures.compute(figures.Scope(world.town_a, YEAR, world.town_organizer))
    assert values["members.total"].value == 2
    assert values["training.person_times"].value == 1


def test_api_lists_the_figures_with_definitions(world, today):
    api = api_client_for(world.organizer)
    response = api.get(f"/reports/figures?org={world.town_a.pk}&period=2026")
    assert response.status_code == 200, response.content
    found = {f["name"]: f for f in response.json()["figures"]}
    assert found["members.total"]["value"] == 2
    assert found["members.total"]["definition"] and found["members.total"]["records_url"]
    assert {"training.person_times", "cadres.reserve_per_village", "rectification.rectified"} <= set(found)
    assert found["training.programmes"]["value"] == []  # a list: of the programmes the subtree organized


def test_api_outside_the_subtree_is_a_404(world, today):
    api = api_client_for(world.sibling_secretary)
    assert api.get(f"/reports/figures?org={world.town_a.pk}").status_code == 404
    assert api_client_for(world.member_user).get("/reports/figures").status_code == 404


def test_theme_days_equal_the_meeting_list(world, today, client_for):
    meeting(world.branch_a1, ["theme_day"], held_on=dt.date(2026, 3, 10))
    meeting(world.branch_b1, ["theme_day"], held_on=dt.date(2026, 5, 10))
    values = figures.compute(figures.Scope(world.root, YEAR, world.organizer))
    assert values["orglife.theme_days_held"].value == 2
    page = client_for(world.organizer).get(values["orglife.theme_days_held"].url)
    assert page.context["page_obj"].paginator.count == 2
    first_quarter = figures.compute(figures.Scope(world.town_a, Span.parse("2026-Q1"), world.organizer))
    assert first_quarter["orglife.theme_days_held"].value == 1
    assert first_quarter["orglife.party_lectures_held"].value == 0


def test_api_reads_a_stretch_of_days(world, today):
    prog = programme(world.root)
    session(prog, present=[world.zhang])  # held in the first half of the year
    api = api_client_for(world.organizer)
    body = api.get("/reports/figures?from=2026-07-01&to=2026-09-30").json()
    assert (body["start"], body["end"]) == ("2026-07-01", "2026-09-30")
    assert {f["name"]: f["value"] for f in body["figures"]}["training.person_times"] == 0
    assert api.get("/reports/figures?period=2026-H1").json()["end"] == "2026-06-30"
