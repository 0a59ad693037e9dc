"""The day a year or a quarter is judged on: a past year after its end (its year-end obligations are
done or overdue, never "due soon"), a quarter on its end (today while it runs), and only the
obligations whose periods fall within the quarter."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from dangjian.orglife import queries
from tests import factories

D = dt.date


def test_a_past_year_is_judged_after_its_end_and_a_quarter_on_its_end(today):
    assert queries.as_of(2025) == D(2026, 1, 1)
    assert queries.as_of(2026) == today
    assert queries.as_of(2027) == D(2026, 12, 31)
    assert queries.as_of(2026, quarter=1) == D(2026, 4, 1)
    assert queries.as_of(2026, quarter=2) == today
    assert queries.as_of(2026, quarter=3) == D(2026, 6, 30)


def test_the_api_judges_a_past_year_after_its_end(world, branch, api_as):
    factories.meeting(branch, ["life_meeting"], D(2025, 12, 31), topic="2025年度组织生活会")
    factories.meeting(branch, ["theme_day"], D(2025, 12, 10), topic="十二月主题党日")
    table = api_as(world.organizer).get("/orglife/compliance", {"org": world.root.pk, "year": 2025}).json()
    assert table["on"] == "2026-01-01"
    assert table["total"]["total"]["due_soon"] == 0  # nothing of a past year is still due soon
    town = {r["label"]: r for r in table["groups"]}["城关镇党委"]["by_kind"]
    assert town["life_meeting"]["done"] == 1  # the year-end obligations count
    assert town["life_meeting"]["due"] >= 1
    calendar = api_as(world.secretary).get(f"/orglife/organizations/{branch.pk}/calendar", {"year": 2025}).json()
    assert calendar["on"] == "2026-01-01"
    statuses = {(o["kind"], o["period"]): o["status"] for o in calendar["obligations"]}
    assert statuses["theme_day", "2025-12"] == "done"
    assert statuses["life_meeting", "2025"] == "done"
    assert statuses["general_meeting", "2025-Q4"] == "overdue"
    assert "due_soon" not in statuses.values()


def test_the_page_judges_a_past_year_after_its_end(world, branch, client_for):
    body = client_for(world.organizer).get(reverse("orglife-compliance") + "?year=2025").content.decode()
    assert "2026-01-01" in body
    assert "status=due_soon" not in body  # no "due soon" badge for a year that is over
    calendar = client_for(world.secretary).get(reverse("orglife-calendar", args=[branch.pk]) + "?year=2025")
    assert "text-bg-warning" not in calendar.content.decode()


def test_the_api_gives_a_quarter_s_obligations_judged_on_its_end(world, branch, api_as):
    factories.meeting(branch, ["theme_day"], D(2026, 2, 12), topic="二月主题党日")
    factories.meeting(branch, ["general_meeting"], D(2026, 3, 31), topic="一季度党员大会")
    api = api_as(world.organizer)
    table = api.get("/orglife/compliance", {"org": world.town_a.pk, "year": 2026, "quarter": 1}).json()
    assert table["on"] == "2026-04-01"
    mine = {r["label"]: r for r in table["groups"]}["东街村党支部"]["by_kind"]
    assert (mine["theme_day"]["done"], mine["theme_day"]["due"]) == (1, 3)  # January to March
    assert (mine["general_meeting"]["done"], mine["general_meeting"]["due"]) == (1, 1)
    assert "life_meeting" not in table["kinds"]  # a year's obligation does not fall within a quarter
    running = api.get("/orglife/compliance", {"org": world.town_a.pk, "year": 2026, "quarter": 2}).json()
    assert running["on"] == "2026-06-20"
    mine = {r["label"]: r for r in running["groups"]}["东街村党支部"]["by_kind"]
    assert mine["theme_day"]["due"] == 2  # April and May have ended, June runs
    assert mine["general_meeting"]["due"] == 0
    ahead = api.get("/orglife/compliance", {"org": world.town_a.pk, "year": 2026, "quarter": 3}).json()
    assert ahead["kinds"] == [] and ahead["total"]["total"]["due"] == 0
    assert api.get("/orglife/compliance", {"year": 2026, "quarter": 5}).status_code == 422


def test_the_page_filters_a_quarter_and_keeps_it_in_its_links(world, branch, client_for):
    factories.meeting(branch, ["theme_day"], D(2026, 2, 12), topic="二月主题党日")
    client = client_for(world.organizer)
    body = client.get(reverse("orglife-compliance") + f"?org={world.town_a.pk}&year=2026&quarter=1").content.decode()
    assert 'name="quarter"' in body and '<option value="1" selected>' in body
    assert "2026-04-01" in body
    drill = reverse("orglife-compliance-orgs") + f"?org={world.town_a.pk}&year=2026&quarter=1&kind=theme_day"
    assert drill in body
    rows = client.get(drill).content.decode()
    assert "2026年1月" in rows and "2026年3月" in rows and "2026年4月" not in rows
