"""An API token is no way around the web login's other steps."""

from __future__ import annotations

from dangjian.core.models import ApiToken
from tests.support.auth import code_for, confirmed_device


def ask(client, username="sec_a1", **extra):
    payload = {"username": username, "password": "Test-pass-123", **extra}
    return client.post("/api/v1/auth/token", payload, content_type="application/json")


def test_a_user_with_a_device_must_send_the_current_code(world, client):
    device = confirmed_device(world.secretary)
    assert ask(client).status_code == 401
    assert ask(client, otp=code_for(device)).status_code == 200
    assert ApiToken.objects.filter(user=world.secretary).count() == 1


def test_a_wrong_code_gets_no_token(world, client):
    device = confirmed_device(world.secretary)
    assert ask(client, otp="000000" if code_for(device) != "000000" else "111111").status_code == 401
    assert not ApiToken.objects.exists()


def test_a_used_code_cannot_be_used_again(world, client):
    device = confirmed_device(world.secretary)
    code = code_for(device)
    assert ask(client, otp=code).status_code == 200
    assert ask(client, otp=code).status_code == 401


def test_a_user_who_must_set_up_two_factor_gets_no_token(world, client, settings):
    settings.OTP_ENFORCED = True
    response = ask(client, username="dept")
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_a_password_that_must_be_changed_gets_no_token(world, client):
    world.secretary.must_change_password = True
    world.secretary.save()
    assert ask(client).status_code == 403
    assert not ApiToken.objects.exists()
