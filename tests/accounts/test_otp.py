"""Two-factor authentication (TOTP): who must use it, enrolment, the login step, reuse, removal."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts.queries import otp_required
from dangjian.core.models import AuditEvent
from dangjian.core.roles import Role
from tests import factories
from tests.support.api import has_chinese
from tests.support.auth import code_for, confirmed_device, zh

ENROL = reverse("account-otp-enrol")
VERIFY = reverse("account-otp-verify")


def goes_to(response, url) -> bool:
    return response.status_code == 302 and response["Location"].split("?")[0] == url


@pytest.mark.parametrize(
    ("persona", "required"),
    [
        ("organizer", True),  # organizer at the root organization
        ("auditor", True),
        ("town_organizer", True),  # organizer below the root: may reveal full ID numbers (issue 13.4)
        ("secretary", False),
        ("member_user", False),
    ],
)
def test_who_must_use_a_second_factor(world, persona, required):
    assert otp_required(getattr(world, persona)) is required


def test_the_three_administrators_must_wherever_they_hold_the_role(world):
    for role in (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR):
        assert otp_required(factories.user(f"adm_{role}", role, world.branch_a1))


def test_the_roles_are_settings(world, settings):
    settings.OTP_REQUIRED_ROLES = ["secretary"]
    settings.OTP_REQUIRED_ROOT_ROLES = []
    settings.FULL_ID_ROLES = set()
    assert otp_required(world.secretary)
    assert not otp_required(world.organizer)
    settings.OTP_ENFORCED = False
    assert not otp_required(world.secretary)


def test_a_required_user_without_a_device_is_sent_to_enrolment_before_anything_else(world, client_for):
    client = client_for(world.organizer)
    for url in ("/", reverse("member-list"), reverse("account"), reverse("account-password"), VERIFY):
        assert goes_to(client.get(url), ENROL), url
    api = client.get("/api/v1/auth/me")
    assert api.status_code == 403
    assert api.json()["detail"] == zh("Finish logging in on the website first (two-factor code or password change).")


def test_enrolment_shows_the_uri_a_qr_code_and_the_key_and_a_first_code_turns_it_on(world, client_for):
    client = client_for(world.organizer)
    response = client.get(ENROL + "?next=/members/")
    body = response.content.decode()
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=world.organizer, confirmed=False)
    assert device.config_url.replace("&", "&amp;") in body
    assert "otpauth://totp/Dangjian%3Adept?secret=" in body
    assert "<svg" in body
    secret = response.context["secret"]
    assert len(secret.replace(" ", "")) == 32 and secret.replace(" ", "") in device.config_url
    assert client.get(ENROL).context["secret"] == secret  # the same key until it is confirmed

    wrong = client.post(ENROL, {"token": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert has_chinese(wrong.context["form"].errors["token"][0])
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):  # past the throttle after a failure
        done = client.post(ENROL, {"token": code_for(device), "next": "/members/"})
        assert done.status_code == 302
        assert done["Location"] == "/members/"
        assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    event = AuditEvent.objects.get(action="otp_enrol")
    assert (event.actor, event.outcome) == (world.organizer, "success")


def test_with_a_device_every_page_asks_for_the_code_until_it_is_given(world, client):
    device = confirmed_device(world.auditor)
    client.force_login(world.auditor)
    for url in ("/", reverse("audit-log"), reverse("account"), ENROL):
        assert goes_to(client.get(url), VERIFY), url
    assert client.get(VERIFY).status_code == 200
    before = client.cookies["sessionid"].value
    response = client.post(VERIFY + "?next=/audit/", {"token": code_for(device), "next": "/audit/"})
    assert response.status_code == 302
    assert response["Location"] == "/audit/"
    assert client.cookies["sessionid"].value != before  # a new session key at the higher level
    assert client.get(reverse("audit-log")).status_code == 200
    assert AuditEvent.objects.filter(action="otp_verify", outcome="success").count() == 1


def test_a_code_cannot_be_used_twice(world):
    device = confirmed_device(world.auditor)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        code = code_for(device)
        first, second = Client(), Client()
        first.force_login(world.auditor)
        second.force_login(world.auditor)
        assert first.post(VERIFY, {"token": code}).status_code == 302
        reused = second.post(VERIFY, {"token": code})
        assert reused.status_code == 200
        assert has_chinese(reused.context["form"].errors["token"][0])
        assert goes_to(second.get("/"), VERIFY)
    with time_machine.travel(start + dt.timedelta(seconds=35), tick=False):
        assert second.post(VERIFY, {"token": code_for(device)}).status_code == 302
    assert AuditEvent.objects.filter(action="otp_verify", outcome="failure").count() == 1


def test_wrong_codes_are_throttled(world, client):
    device = confirmed_device(world.auditor)
    client.force_login(world.auditor)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        right = code_for(device)
        wrong = f"{(int(right) + 1) % 1000000:06d}"
        client.post(VERIFY, {"token": wrong})
        refused = client.post(VERIFY, {"token": right})  # too soon after a wrong one
        assert refused.status_code == 200
        assert goes_to(client.get("/"), VERIFY)


def test_anyone_else_may_turn_it_on_and_is_then_asked_at_every_login(world, client_for):
    client = client_for(world.secretary)
    assert client.get("/").status_code == 200
    account = client.get(reverse("account")).content.decode()
    assert ENROL in account
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=world.secretary)
    assert client.post(ENROL, {"token": code_for(device)}).status_code == 302

    later = Client()
    later.post("/login/", {"username": "sec_a1", "password": "Test-pass-123"})
    assert goes_to(later.get("/"), VERIFY)


def test_an_optional_device_can_be_turned_off_with_a_current_code(world, client_for):
    device = confirmed_device(world.secretary)
    client = client_for(world.secretary)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.post(VERIFY, {"token": code_for(device)}).status_code == 302
    with time_machine.travel(start + dt.timedelta(seconds=35), tick=False):
        assert client.get(reverse("account-otp-remove")).status_code == 405
        assert client.post(reverse("account-otp-remove"), {"token": code_for(device)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=world.secretary).exists()
    assert AuditEvent.objects.filter(action="otp_remove", actor=world.secretary).count() == 1
    assert client.get("/").status_code == 200


def test_a_required_device_cannot_be_turned_off(world, client):
    device = confirmed_device(world.auditor)
    client.force_login(world.auditor)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post(VERIFY, {"token": code_for(device)})
    with time_machine.travel(start + dt.timedelta(seconds=35), tick=False):
        client.post(reverse("account-otp-remove"), {"token": code_for(device)})
    assert TOTPDevice.objects.filter(user=world.auditor, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action="otp_remove").exists()


def test_the_account_page_is_reachable_from_every_page(world, client_for):
    client = client_for(world.secretary)
    body = client.get("/").content.decode()
    assert f'href="{reverse("account")}"' in body
    page = client.get(reverse("account"))
    assert page.status_code == 200
    assert zh("Account security") in page.content.decode()
