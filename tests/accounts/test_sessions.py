"""Sessions: idle timeout, absolute lifetime, a new key at login, and logout ending the server session."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.core.roles import Role
from tests import factories
from tests.support.auth import log_in, zh


def sent_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_session_key_changes_at_login(world, client):
    anonymous = client.session
    anonymous["seen"] = True
    anonymous.save()
    before = anonymous.session_key
    assert log_in(client, "sec_a1").status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["seen"] is True  # data of the anonymous session carried over, under the new key


def test_logout_deletes_the_server_session_and_the_old_cookie_no_longer_works(world, client):
    log_in(client, "sec_a1")
    key = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()
    assert client.post(reverse("logout")).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies["sessionid"] = key
    assert sent_to_login(replay.get("/"))


def test_thirty_idle_minutes_end_the_session(world, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, "sec_a1")
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get("/").status_code == 200  # and extends the session
    with time_machine.travel(start + dt.timedelta(minutes=58), tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=89), tick=False):
        assert sent_to_login(client.get("/"))


def test_an_active_session_still_ends_eight_hours_after_the_login(world, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, "sec_a1")
    for minutes in range(20, 8 * 60 + 1, 20):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get("/").status_code == 200, minutes
    with time_machine.travel(start + dt.timedelta(hours=8, minutes=5), tick=False):
        response = client.get("/members/")
        assert sent_to_login(response)
        assert "next=/members/" in response["Location"]
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"]).content.decode()
        assert zh("You have been logged in for too long. Please log in again.") in page


def test_the_absolute_lifetime_is_a_setting(world, client, settings):
    settings.SESSION_LIFETIME_SECONDS = 3600
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(world.secretary)
    for minutes in (20, 40, 59):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get("/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        assert sent_to_login(client.get("/"))


def test_administrators_idle_out_after_fifteen_minutes(world, client, settings):
    settings.OTP_ENFORCED = False  # this test is about the idle timeout alone
    sysadmin = factories.user("sysadmin", Role.SYSADMIN, world.root)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(sysadmin)
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        assert sent_to_login(client.get("/"))
