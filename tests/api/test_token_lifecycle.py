"""Issue 13, item 5: tokens do not outlive a password change or reset; their lifetime and idle
expiry are rules (``auth.token_lifetime_days``, ``auth.token_idle_days``, both shorter than 30
days) checked at every request; users list and revoke their own tokens (page and API)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts import services
from dangjian.core import parameters
from dangjian.core.api import api_token_issue, token_user
from dangjian.core.models import ApiToken, AuditEvent
from tests.support.api import ApiClient
from tests.support.auth import PASSWORD

NEW = "Kv7#pLm2-Rt9!"


def bearer(secret: str) -> ApiClient:
    return ApiClient(Client(), {"HTTP_AUTHORIZATION": f"Bearer {secret}"})


def test_changing_the_password_revokes_every_token_of_the_account(world, client):
    _first, first = api_token_issue(user=world.secretary)
    _second, second = api_token_issue(user=world.secretary)
    _other, other = api_token_issue(user=world.sibling_secretary)
    assert bearer(first).get("/auth/me").status_code == 200
    client.force_login(world.secretary)
    response = client.post(
        reverse("account-password"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert bearer(first).get("/auth/me").status_code == 401
    assert bearer(second).get("/auth/me").status_code == 401
    assert bearer(other).get("/auth/me").status_code == 200
    event = AuditEvent.objects.filter(action="password_change").get()
    assert event.changes["api_tokens"] == 2


def test_an_administrator_reset_revokes_every_token_and_session_of_the_account(world, admins, client):
    _token, secret = api_token_issue(user=world.secretary)
    client.force_login(world.secretary)
    assert client.get(reverse("member-list")).status_code == 200
    services.user_reset_password(actor=admins.sysadmin, user=world.secretary)
    assert bearer(secret).get("/auth/me").status_code == 401
    assert client.get(reverse("member-list")).status_code == 302  # the session has ended


def test_the_default_lifetime_and_idle_expiry_are_shorter_than_thirty_days(world):
    assert parameters.DEFAULTS["auth.token_lifetime_days"][0] < 30
    assert parameters.DEFAULTS["auth.token_idle_days"][0] < parameters.DEFAULTS["auth.token_lifetime_days"][0]
    token, _secret = api_token_issue(user=world.secretary)
    assert token.expires_at - token.created_at <= dt.timedelta(days=7)


def test_an_idle_token_stops_working_and_a_used_one_stops_at_its_lifetime(world):
    _token, idle = api_token_issue(user=world.secretary)
    _token, busy = api_token_issue(user=world.secretary)
    start = timezone.now()
    for day in range(1, 7):  # the busy token is used every day, the idle one never
        with time_machine.travel(start + dt.timedelta(days=day, minutes=1)):
            assert token_user(busy)[0] == world.secretary, day
            if day >= 2:
                assert token_user(idle)[0] is None, day
    with time_machine.travel(start + dt.timedelta(days=7, minutes=1)):
        assert token_user(busy)[0] is None


def test_shortening_the_rule_shortens_the_tokens_already_issued(world):
    _token, secret = api_token_issue(user=world.secretary)
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, hours=1)):
        assert token_user(secret)[0] == world.secretary
        parameters.parameter_set(actor=None, key="auth.token_idle_days", value=1)
        parameters.parameter_set(actor=None, key="auth.token_lifetime_days", value=1)
        assert token_user(secret)[0] is None


def test_users_list_and_revoke_their_own_tokens_through_the_api(world, api_as):
    mine, _secret = api_token_issue(user=world.secretary, name="月报脚本")
    theirs, their_secret = api_token_issue(user=world.sibling_secretary)
    api = api_as(world.secretary)
    listed = api.get("/auth/tokens").json()
    assert mine.pk in [t["id"] for t in listed] and theirs.pk not in [t["id"] for t in listed]
    entry = next(t for t in listed if t["id"] == mine.pk)
    assert (entry["name"], entry["prefix"], entry["usable"]) == ("月报脚本", mine.prefix, True)
    assert api.delete(f"/auth/tokens/{theirs.pk}").status_code == 404
    assert bearer(their_secret).get("/auth/me").status_code == 200
    assert api.delete(f"/auth/tokens/{mine.pk}").status_code == 204
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is not None
    assert api.delete(f"/auth/tokens/{mine.pk}").status_code == 404
    assert AuditEvent.objects.filter(action="api_logout", object_id=str(mine.pk)).count() == 1


def test_users_see_and_revoke_their_own_tokens_on_a_page(world, client_for):
    mine, secret = api_token_issue(user=world.secretary)
    theirs, _secret = api_token_issue(user=world.sibling_secretary)
    client = client_for(world.secretary)
    page = client.get(reverse("account-tokens"))
    assert [t.pk for t in page.context["tokens"]] == [mine.pk]
    assert client.post(reverse("account-token-revoke", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("account-token-revoke", args=[mine.pk])).status_code == 302
    assert bearer(secret).get("/auth/me").status_code == 401
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
