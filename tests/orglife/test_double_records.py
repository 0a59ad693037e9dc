"""No double records: "Record" on a period with a planned meeting completes that meeting, and a
second meeting of the same kind, organization and day is saved only once the user confirms (the
form asks; the API answers 409 unless ``confirm_duplicate``)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from dangjian.orglife.models import Meeting
from tests import factories
from tests.orglife.test_api import body
from tests.orglife.test_views import sheet_post

D = dt.date


def test_record_on_a_planned_theme_day_completes_it(world, branch, client_for):
    planned = factories.meeting(branch, ["theme_day"], D(2026, 6, 20), state="planned", topic="六月主题党日")
    client = client_for(world.secretary)
    page = client.get(reverse("orglife-calendar", args=[branch.pk])).content.decode()
    record = reverse("orglife-meeting-edit", args=[planned.pk]) + "?held=1"
    assert record in page  # the "Record" of June's theme day opens the planned meeting
    assert reverse("orglife-meeting-create") + f"?org={branch.pk}&amp;kind=theme_day" not in page
    assert reverse("orglife-meeting-create") + f"?org={branch.pk}&kind=theme_day" not in page
    response = client.post(
        record, sheet_post(world, held_on="2026-06-20", topic="六月主题党日", version=planned.version)
    )
    assert response.status_code == 302
    assert Meeting.objects.count() == 1
    planned.refresh_from_db()
    assert (planned.state, planned.present) == ("held", 4)


def test_the_record_form_shows_planned_meetings_to_complete(world, branch, client_for):
    planned = factories.meeting(branch, ["theme_day"], D(2026, 6, 25), state="planned", topic="七一主题党日")
    page = client_for(world.secretary).get(reverse("orglife-meeting-create") + "?kind=theme_day").content.decode()
    assert "七一主题党日" in page and reverse("orglife-meeting-edit", args=[planned.pk]) + "?held=1" in page


def test_a_second_meeting_of_the_same_kind_and_day_asks_first_on_the_form(world, branch, client_for):
    planned = factories.meeting(branch, ["theme_day"], D(2026, 6, 20), state="planned", topic="六月主题党日")
    client = client_for(world.secretary)
    response = client.post(reverse("orglife-meeting-create"), sheet_post(world, held_on="2026-06-20"))
    page = response.content.decode()
    assert response.status_code == 200 and Meeting.objects.count() == 1  # nothing written: asked first
    assert "已有2026-06-20计划召开的主题党日" in page and 'name="confirm_duplicate"' in page
    assert reverse("orglife-meeting-edit", args=[planned.pk]) + "?held=1" in page
    response = client.post(
        reverse("orglife-meeting-create"), sheet_post(world, held_on="2026-06-20", confirm_duplicate="1")
    )
    assert response.status_code == 302 and Meeting.objects.count() == 2
    other_kind = client.post(
        reverse("orglife-meeting-create"),
        sheet_post(world, held_on="2026-06-20", kinds=["party_lecture"], lecturer="张强"),
    )
    assert other_kind.status_code == 302  # another kind on the same day is not a double record


def test_the_api_answers_409_for_a_double_record_unless_confirmed(world, branch, api_as):
    api = api_as(world.secretary)
    assert api.post("/orglife/meetings", body(world)).status_code == 201
    again = api.post("/orglife/meetings", body(world, topic="又一次"))
    assert again.status_code == 409, again.content
    detail = again.json()
    assert "已登记2026-06-12的" in detail["detail"] and "主题党日" in detail["detail"]
    assert detail["errors"][0]["field"] == "confirm_duplicate"
    assert Meeting.objects.count() == 1
    confirmed = api.post("/orglife/meetings", body(world, topic="又一次", confirm_duplicate=True))
    assert confirmed.status_code == 201 and Meeting.objects.count() == 2
    cancelled = Meeting.objects.get(topic="又一次")
    from dangjian.orglife import services

    services.meeting_cancel(actor=None, meeting=cancelled, reason="重复")
    assert api.post("/orglife/meetings", body(world, topic="第三次", held_on="2026-06-13")).status_code == 201
