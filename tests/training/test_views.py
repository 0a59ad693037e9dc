"""The pages: figures with drill-down, programmes, the session form with its sheet, my training."""

import datetime as dt

import pytest
from django.urls import reverse

from dangjian.training.models import Session, SessionAttendance
from tests.factories import SESSION_DAY as DAY
from tests.factories import programme, session

pytestmark = pytest.mark.django_db


def test_every_page_renders_for_the_organizer(world, lecture, client_for):
    prog, sess = lecture
    client = client_for(world.organizer)
    year = f"year={DAY.year}"
    urls = [
        reverse("training-figures") + f"?{year}",
        reverse("training-figures") + f"?org={world.town_a.pk}&{year}",
        reverse("training-figure-sessions") + f"?org={world.root.pk}&{year}",
        reverse("training-figure-attendance") + f"?org={world.root.pk}&{year}",
        reverse("training-figure-persons") + f"?org={world.root.pk}&{year}&own=1",
        reverse("training-programmes"),
        reverse("training-programme-create"),
        reverse("training-programme", args=[prog.pk]),
        reverse("training-programme-edit", args=[prog.pk]),
        reverse("training-session-create", args=[prog.pk]),
        reverse("training-session-create", args=[prog.pk]) + f"?add={world.branch_b1.pk}",
        reverse("training-session", args=[sess.pk]),
        reverse("training-session-edit", args=[sess.pk]),
        reverse("training-session-cancel", args=[sess.pk]),
        reverse("member-detail", args=[world.zhang.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("training-figure-attendance") + f"?org={world.root.pk}&{year}").content.decode()
    assert "张强" in page and "王伟" in page and "李娜" not in page  # on leave: not a person-time


def test_township_sees_its_members_at_district_sessions_but_not_the_programme(world, lecture, client_for):
    prog, sess = lecture
    client = client_for(world.town_organizer)
    page = client.get(reverse("training-figure-attendance") + f"?org={world.town_a.pk}&year={DAY.year}")
    assert page.status_code == 200 and "张强" in page.content.decode() and "王伟" not in page.content.decode()
    assert client.get(reverse("training-programme", args=[prog.pk])).status_code == 404
    assert client.get(reverse("training-session", args=[sess.pk])).status_code == 404
    assert client.get(reverse("training-session-edit", args=[sess.pk])).status_code == 404
    assert client.get(reverse("training-figures") + f"?org={world.town_b.pk}").status_code == 404
    assert client.get(reverse("training-figure-persons") + f"?org={world.root.pk}").status_code == 404


def test_record_a_session_from_the_form(world, client_for):
    prog = programme(world.town_a, "城关镇党员培训班", kind="course")
    client = client_for(world.town_organizer)
    url = reverse("training-session-create", args=[prog.pk])
    form = client.get(url).content.decode()
    assert f"att_{world.zhang.pk}" in form and f"att_{world.wang.pk}" not in form
    data = {
        "state": "held",
        "held_on": DAY.isoformat(),
        "title": "党章党规",
        "hours": "3",
        f"att_{world.zhang.pk}": "present",
        f"att_{world.li.pk}": "on_leave",
        f"reason_{world.li.pk}": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "请假" in response.content.decode()
    assert not Session.objects.exists()
    data[f"reason_{world.li.pk}"] = "生病"
    response = client.post(url, data)
    assert response.status_code == 302
    sess = Session.objects.get()
    assert sess.present == 1 and sess.on_leave == 1 and str(sess.hours) == "3.0"
    assert dict(SessionAttendance.objects.values_list("member_id", "status")) == {
        world.zhang.pk: "present",
        world.li.pk: "on_leave",
    }


def test_my_training(world, lecture, client_for):
    client = client_for(world.member_user)
    page = client.get(reverse("training-me") + f"?year={DAY.year}").content.decode()
    assert "学习贯彻全会精神" in page and "2.0" in page
    assert client_for(world.organizer).get(reverse("training-me")).status_code == 404


def test_programme_delete_only_without_a_held_session(world, lecture, client_for):
    prog, _sess = lecture
    client = client_for(world.organizer)
    client.post(reverse("training-programme-delete", args=[prog.pk]))
    assert prog.__class__.objects.filter(pk=prog.pk).exists()
    empty = programme(world.root, "空的培训班", starts_on=dt.date(2026, 2, 1))
    session(empty, dt.date(2099, 1, 1), state="planned")
    client.post(reverse("training-programme-delete", args=[empty.pk]))
    assert not prog.__class__.objects.filter(pk=empty.pk).exists()


def test_edit_a_sheet_from_the_form(world, lecture, client_for):
    _prog, sess = lecture
    client = client_for(world.organizer)
    url = reverse("training-session-edit", args=[sess.pk])
    form = client.get(url).content.decode()
    assert f'name="att_{world.li.pk}" id="att_{world.li.pk}_1" value="on_leave" checked' in form
    data = {
        "state": "held",
        "held_on": DAY.isoformat(),
        "title": sess.title,
        "hours": "2",
        "version": sess.version,
        f"att_{world.zhang.pk}": "absent",
        f"att_{world.li.pk}": "none",
        f"att_{world.wang.pk}": "present",
    }
    assert client.post(url, data).status_code == 302
    assert dict(SessionAttendance.objects.filter(session=sess).values_list("member_id", "status")) == {
        world.zhang.pk: "absent",
        world.wang.pk: "present",
    }


def test_the_sheet_adds_an_organization_picked_by_search_not_from_a_drop_down(world, lecture, client_for):
    """A subtree can hold a thousand organizations: the sheet's "list the members of" is a search picker
    narrowed to the programme's subtree, and its code lists that organization's members."""
    prog, _sess = lecture
    client = client_for(world.organizer)
    url = reverse("training-session-create", args=[prog.pk])
    page = client.get(url).content.decode()
    assert "<option" not in page.split('method="post"')[0]  # the add form offers no list at all
    assert f'data-picker-url="{reverse("org-search")}?within={prog.org_id}"' in page
    listed = client.get(url + f"?add_org={world.branch_b1.code}").content.decode()
    assert f"att_{world.zhang.pk}" in listed and f'value="{world.branch_b1.code}"' in listed
    assert client.get(url + "?add_org=NO-SUCH-CODE").status_code == 404


def test_the_sheet_refuses_an_organization_outside_what_the_user_sees(world, client_for):
    prog = programme(world.town_a, "城关镇党员培训班", kind="course")
    client = client_for(world.town_organizer)
    url = reverse("training-session-create", args=[prog.pk])
    assert client.get(url + f"?add_org={world.town_b.code}").status_code == 404
    assert client.get(url + f"?add={world.town_b.pk}").status_code == 404


def test_new_programme_opens_on_the_organization_it_was_asked_for(world, client_for):
    """``?org=`` preselects the organizer's organization (core.pages.with_org); one outside: 404."""
    client = client_for(world.town_organizer)
    url = reverse("training-programme-create")
    form = client.get(url + f"?org={world.town_a.pk}").context["form"]
    assert form.initial["org"] == world.town_a.pk and form.initial["kind"] == "course"
    assert "org" not in client.get(url).context["form"].initial
    assert client.get(url + f"?org={world.town_b.pk}").status_code == 404


def test_a_sessions_sheet_is_shown_a_page_at_a_time(world, lecture, client_for, settings):
    """A district lecture's sheet can hold thousands of rows: the session page shows a page of them."""
    _prog, sess = lecture
    settings.PAGE_SIZE = 1
    client = client_for(world.organizer)
    url = reverse("training-session", args=[sess.pk])
    first, second = client.get(url), client.get(url + "?page=2")
    names = lambda response: [a.member.name for a in response.context["page_obj"]]  # noqa: E731
    assert len(names(first)) == 1 and len(names(second)) == 1 and names(first) != names(second)
    assert "page=2" in first.content.decode()
