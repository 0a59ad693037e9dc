"""Lockout after repeated failures, per (account, address), on the web login and the token endpoint
(that nobody can lock an account for other addresses: tests/accounts/test_lockout_abuse.py)."""

from __future__ import annotations

import datetime as dt
import json
import re

import time_machine
from django.test import Client
from django.utils import timezone

from dangjian.core.models import AuditEvent
from tests.support.auth import PASSWORD, log_in, zh

LOCKED = "Too many failed logins for this account from your network address: it is locked until %(until)s."


def fail(client, username, times, ip="10.0.0.1"):
    return [log_in(client, username, "wrong-password", ip=ip) for _ in range(times)]


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@time_machine.travel(dt.datetime(2026, 3, 2, 9, 10, tzinfo=dt.UTC), tick=False)
def test_five_failures_lock_the_account_from_that_address_even_with_the_right_password(world, client):
    responses = fail(client, "sec_a1", 5)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    right = log_in(client, "sec_a1", PASSWORD)
    assert right.status_code == 429
    assert not logged_in(client)
    body = right.content.decode()
    assert 'id="lockout"' in body and 'id="id_password"' in body  # the login page, not a bare error
    # 30 minutes after the last failure, in Beijing time
    assert zh(LOCKED) % {"until": "2026-03-02 17:40"} in body
    # Another account from the same address is not affected.
    assert log_in(client, "sec_b1", PASSWORD).status_code == 302


def test_the_lockout_ends_after_thirty_minutes(world, client):
    fail(client, "sec_a1", 5)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=29)):
        assert log_in(client, "sec_a1", PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        assert log_in(client, "sec_a1", PASSWORD).status_code == 302


def test_the_limits_are_settings(world, client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    assert [r.status_code for r in fail(client, "sec_a1", 3)] == [200, 200, 429]


def test_the_lockout_is_audited_once(world, client):
    fail(client, "sec_a1", 7)
    events = AuditEvent.objects.filter(action="lockout")
    assert events.count() == 1
    event = events.get()
    assert (event.actor, event.actor_name, event.outcome, event.source) == (None, "sec_a1", "failure", "10.0.0.1")
    assert event.changes["address"] == "10.0.0.1"
    assert event.changes["until"]
    assert AuditEvent.objects.filter(action="login_failed").count() == 7


def normalised(response, username: str) -> str:
    body = response.content.decode().replace(username, "USERNAME")
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1TOKEN", body)


@time_machine.travel(dt.datetime(2026, 3, 2, 9, 10, tzinfo=dt.UTC), tick=False)
def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(world):
    unknown = log_in(Client(), "nobody", "wrong-password", ip="10.1.1.1")
    wrong = log_in(Client(), "sec_a1", "wrong-password", ip="10.1.1.2")
    assert unknown.status_code == wrong.status_code == 200
    assert normalised(unknown, "nobody") == normalised(wrong, "sec_a1")
    # ... and once locked, the same again: a lockout says nothing about whether the account exists.
    for _n in range(4):
        log_in(Client(), "nobody", "wrong-password", ip="10.2.0.1")
        log_in(Client(), "sec_a1", "wrong-password", ip="10.3.0.1")
    unknown = log_in(Client(), "nobody", "wrong-password", ip="10.2.0.1")
    wrong = log_in(Client(), "sec_a1", "wrong-password", ip="10.3.0.1")
    assert unknown.status_code == wrong.status_code == 429
    assert normalised(unknown, "nobody") == normalised(wrong, "sec_a1")


def test_test_client_logins_keep_working_with_the_lockout_installed(world, client):
    assert client.login(username="sec_a1", password=PASSWORD)
    assert client.get("/").status_code == 200
    client.force_login(world.sibling_secretary)
    assert client.get("/").status_code == 200


# --- The token endpoint -------------------------------------------------------------------------


def token(client, username, password, ip="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def test_token_requests_count_towards_the_lockout_and_a_locked_account_gets_no_token(world, client):
    statuses = [token(client, "sec_a1", "wrong-password").status_code for n in range(1, 6)]
    assert statuses == [401, 401, 401, 401, 429]
    refused = token(client, "sec_a1", PASSWORD)
    assert refused.status_code == 429
    detail = refused.json()["detail"]
    assert detail.startswith(zh(LOCKED).split("%(until)s")[0])
    assert refused["Content-Type"].startswith("application/json")
    assert AuditEvent.objects.filter(action="lockout").count() == 1
    # The web login shares the lockout; another address is not locked.
    assert log_in(client, "sec_a1", PASSWORD).status_code == 429
    assert token(client, "sec_a1", PASSWORD, ip="10.9.9.8").status_code == 200


def test_web_failures_lock_the_token_endpoint_too(world, client):
    fail(client, "sec_a1", 5, ip="10.4.4.4")
    assert token(client, "sec_a1", PASSWORD, ip="10.4.4.4").status_code == 429
    assert token(client, "sec_b1", PASSWORD, ip="10.4.4.4").status_code == 200


def test_the_token_endpoint_answers_an_unknown_user_like_a_wrong_password(world, client):
    unknown = token(client, "nobody", "wrong-password", ip="10.5.5.1")
    wrong = token(client, "sec_a1", "wrong-password", ip="10.5.5.2")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


def test_an_over_long_username_is_refused_like_a_wrong_password(world, client):
    long_name = client.post("/login/", {"username": "9" * 300, "password": "x"})
    wrong = client.post("/login/", {"username": "nobody", "password": "x"})
    assert long_name.status_code == wrong.status_code == 200
    assert long_name.context["form"].errors == wrong.context["form"].errors
