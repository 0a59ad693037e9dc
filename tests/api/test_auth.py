"""Tokens and sessions: issue, use, expiry, revocation, CSRF, and the audit of token logins."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client
from django.utils import timezone

from dangjian.core import parameters
from dangjian.core.api import token_hash
from dangjian.core.models import ApiToken, AuditEvent
from tests.support.api import ApiClient, has_chinese

PASSWORD = "Test-pass-123"


def issue(anonymous_api, username="sec_a1", password=PASSWORD, **extra):
    return anonymous_api.post("/auth/token", {"username": username, "password": password, **extra})


def bearer(secret: str) -> ApiClient:
    return ApiClient(Client(), {"HTTP_AUTHORIZATION": f"Bearer {secret}"})


def test_a_token_is_issued_for_a_correct_password_and_only_its_hash_is_stored(world, anonymous_api):
    response = issue(anonymous_api, name="月报脚本")
    assert response.status_code == 200
    body = response.json()
    secret = body["token"]
    assert body["token_type"] == "Bearer"
    token = ApiToken.objects.get(user=world.secretary)
    assert token.key_hash == token_hash(secret)
    assert secret not in {token.key_hash, token.prefix, token.name}
    assert token.name == "月报脚本"
    assert secret.startswith(token.prefix)
    assert dt.timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= dt.timedelta(days=7)
    event = AuditEvent.objects.get(action="api_login")
    assert (event.actor, event.outcome, event.object_type) == (world.secretary, "success", "core.apitoken")
    assert secret not in str(event.changes) + event.object_repr


def test_the_token_lifetime_follows_the_rule(world, anonymous_api):
    parameters.parameter_set(actor=None, key="auth.token_lifetime_days", value=2)
    issue(anonymous_api)
    token = ApiToken.objects.get()
    assert dt.timedelta(days=1, hours=23) < token.expires_at - timezone.now() <= dt.timedelta(days=2)


def test_a_wrong_password_is_refused_audited_and_issues_nothing(world, anonymous_api):
    before = AuditEvent.objects.count()
    response = issue(anonymous_api, password="wrong-password")
    assert response.status_code == 401
    assert has_chinese(response.json()["detail"])
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.count() == before + 1  # not a second one from the web-login signal
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.outcome, event.actor, event.actor_name) == ("api_login", "failure", None, "sec_a1")


def test_an_unknown_user_and_an_inactive_user_are_refused_alike(world, anonymous_api):
    world.auditor.is_active = False
    world.auditor.save()
    for username in ("nobody", "auditor"):
        response = issue(anonymous_api, username=username)
        assert response.status_code == 401
    assert AuditEvent.objects.filter(action="api_login", outcome="failure").count() == 2
    assert not ApiToken.objects.exists()


def test_the_token_authenticates_and_notes_its_last_use(world, anonymous_api):
    secret = issue(anonymous_api).json()["token"]
    response = bearer(secret).get("/auth/me")
    assert response.status_code == 200
    me = response.json()
    assert me["username"] == "sec_a1"
    assert me["auth"] == "token"
    assert me["can_see_full_id"] is False
    assert [(r["role"], r["org_id"], r["org_name"]) for r in me["roles"]] == [
        ("secretary", world.branch_a1.pk, "东街村党支部")
    ]
    assert ApiToken.objects.get().last_used_at is not None


def test_an_organizer_sees_full_ids_according_to_me(world, api_as):
    me = api_as(world.organizer).get("/auth/me").json()
    assert me["can_see_full_id"] is True
    assert [r["org_id"] for r in me["roles"]] == [world.root.pk]
    assert has_chinese(me["roles"][0]["role_label"])


def test_an_expired_token_is_refused(world, anonymous_api):
    secret = issue(anonymous_api).json()["token"]
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        response = bearer(secret).get("/auth/me")
    assert response.status_code == 401


def test_deleting_the_token_revokes_it(world, anonymous_api):
    secret = issue(anonymous_api).json()["token"]
    client = bearer(secret)
    assert client.delete("/auth/token").status_code == 204
    assert ApiToken.objects.get().revoked_at is not None
    assert AuditEvent.objects.filter(action="api_logout", actor=world.secretary).count() == 1
    assert client.get("/auth/me").status_code == 401
    assert client.delete("/auth/token").status_code == 401


def test_revoking_one_token_leaves_the_others_working(world, anonymous_api):
    first = issue(anonymous_api).json()["token"]
    second = issue(anonymous_api).json()["token"]
    bearer(first).delete("/auth/token")
    assert bearer(second).get("/auth/me").status_code == 200


def test_a_token_of_a_deactivated_user_stops_working(world, anonymous_api):
    secret = issue(anonymous_api).json()["token"]
    world.secretary.is_active = False
    world.secretary.save()
    assert bearer(secret).get("/auth/me").status_code == 401


def test_requests_without_valid_credentials_are_401_in_chinese(world, anonymous_api):
    for client in (anonymous_api, bearer("dj_not-a-real-token"), bearer("garbage"), bearer("")):
        for method, path in (("get", "/organizations"), ("post", "/organizations"), ("get", "/members/1")):
            response = getattr(client, method)(path)
            assert response.status_code == 401, (method, path)
            assert response["WWW-Authenticate"].startswith("Bearer")
            assert set(response.json()) == {"detail", "errors"}


def test_the_web_session_works_for_reads(world, client):
    client.force_login(world.secretary)
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 200
    assert response.json()["auth"] == "session"


def test_a_session_write_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.organizer)
    url = f"/api/v1/organizations/{world.branch_a1.pk}"
    response = client.patch(url, {"name": "新名称"}, content_type="application/json")
    assert response.status_code == 403
    assert set(response.json()) == {"detail", "errors"}
    world.branch_a1.refresh_from_db()
    assert world.branch_a1.name == "东街村党支部"

    client.get("/api/v1/docs")  # any page that hands out the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = client.patch(url, {"name": "新名称"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200
    world.branch_a1.refresh_from_db()
    assert world.branch_a1.name == "新名称"


def test_a_token_request_needs_no_csrf_token(world, anonymous_api):
    secret = issue(anonymous_api, username="dept").json()["token"]
    client = ApiClient(Client(enforce_csrf_checks=True), {"HTTP_AUTHORIZATION": f"Bearer {secret}"})
    response = client.patch(f"/organizations/{world.branch_a1.pk}", {"name": "新名称"})
    assert response.status_code == 200


def test_the_token_endpoint_refuses_unknown_fields(world, anonymous_api):
    response = issue(anonymous_api, is_staff=True)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "is_staff"
    assert not ApiToken.objects.exists()
