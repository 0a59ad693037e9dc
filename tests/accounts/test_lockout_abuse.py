"""Issue 13, item 6: nobody can lock an account for other addresses (nor an address for other
accounts); a slower count across addresses alerts the security administrator instead of locking;
the security administrator lifts a lockout on an audited page; behind trusted reverse proxies the
client's address is the one the proxies saw (lockout and audit alike)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dangjian.core.models import AuditEvent
from tests.support.audit import assert_one_audit_event
from tests.support.auth import PASSWORD, log_in


@pytest.fixture(autouse=True)
def _administrators_without_second_factor(settings):
    settings.OTP_ENFORCED = False  # the pages here, not the login's second step (tests/accounts/test_otp.py)


def fail(username, times, ip="10.0.0.1", **extra):
    client = Client()
    return [
        client.post("/login/", {"username": username, "password": "wrong-password"}, REMOTE_ADDR=ip, **extra)
        for _ in range(times)
    ]


def test_failures_from_one_address_do_not_lock_the_account_for_other_addresses(world):
    assert fail("sec_a1", 6, ip="203.0.113.9")[-1].status_code == 429
    assert log_in(Client(), "sec_a1", PASSWORD, ip="203.0.113.9").status_code == 429
    assert log_in(Client(), "sec_a1", PASSWORD, ip="10.20.0.1").status_code == 302  # the owner's own PC


def test_unknown_usernames_from_one_address_do_not_lock_the_address_for_other_accounts(world):
    for name in ("a", "b", "c", "d", "e", "f"):
        fail(f"nobody_{name}", 1, ip="10.7.7.7")
    assert log_in(Client(), "sec_a1", PASSWORD, ip="10.7.7.7").status_code == 302


def test_many_failures_across_addresses_alert_the_security_administrator_without_locking(
    world, admins, client_for, settings
):
    settings.LOGIN_ALERT_FAILURES = 8
    for n in range(7):
        fail("sec_a1", 1, ip=f"198.51.100.{n}")
    assert not AuditEvent.objects.filter(action="login_alert").exists()
    with assert_one_audit_event("login_alert", alone=False) as audited:
        fail("sec_a1", 1, ip="198.51.100.99")
    assert audited.event.object_repr == "sec_a1" and audited.event.changes["failures"] == 8
    assert log_in(Client(), "sec_a1", PASSWORD, ip="10.20.0.1").status_code == 302  # not locked
    page = client_for(admins.secadmin).get(reverse("lockout-list"))
    assert list(page.context["alerts"]) == [audited.event]
    roles = client_for(admins.secadmin).get(reverse("role-list"))
    assert roles.context["login_alerts"] == 1 and 'id="lockouts-link"' in roles.content.decode()


def test_the_security_administrator_lists_and_lifts_a_lockout_audited(world, admins, client_for):
    fail("sec_a1", 5, ip="10.8.8.8")
    fail("nobody", 5, ip="10.8.8.8")
    assert log_in(Client(), "sec_a1", PASSWORD, ip="10.8.8.8").status_code == 429
    client = client_for(admins.secadmin)
    lockouts = client.get(reverse("lockout-list")).context["lockouts"]
    assert [(x.username, x.address, x.failures) for x in lockouts] == [("sec_a1", "10.8.8.8", 5)]
    with assert_one_audit_event("lockout_clear") as audited:
        response = client.post(reverse("lockout-clear"), {"username": "sec_a1", "address": "10.8.8.8"})
    assert response.status_code == 302
    assert (audited.event.actor, audited.event.changes["address"]) == (admins.secadmin, "10.8.8.8")
    assert log_in(Client(), "sec_a1", PASSWORD, ip="10.8.8.8").status_code == 302


def test_only_a_security_administrator_over_the_account_sees_and_lifts_its_lockout(world, admins, client_for):
    fail("sec_b1", 5, ip="10.8.8.8")  # township B: outside the township A security administrator's subtree
    town = client_for(admins.town_secadmin)
    assert town.get(reverse("lockout-list")).context["lockouts"] == []
    assert town.post(reverse("lockout-clear"), {"username": "sec_b1", "address": "10.8.8.8"}).status_code == 404
    for persona in (admins.sysadmin, world.town_organizer):
        assert client_for(persona).get(reverse("lockout-list")).status_code == 404
        assert client_for(persona).post(reverse("lockout-clear"), {"username": "sec_b1"}).status_code == 404
    assert not AuditEvent.objects.filter(action="lockout_clear").exists()


def test_behind_trusted_proxies_each_client_has_its_own_address(world, settings):
    settings.TRUSTED_PROXIES = 1
    proxy = "172.16.0.2"
    fail("sec_a1", 5, ip=proxy, HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.5")  # the first entry is the client's word
    assert log_in(Client(), "sec_a1", PASSWORD, ip=proxy).status_code == 302  # another client, same proxy
    event = AuditEvent.objects.filter(action="login_failed").order_by("-id").first()
    assert event.source == "203.0.113.5"
    refused = Client().post(
        "/login/",
        {"username": "sec_a1", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    assert refused.status_code == 429


def test_without_trusted_proxies_a_forwarded_header_is_ignored(world, settings):
    settings.TRUSTED_PROXIES = 0
    fail("sec_a1", 1, ip="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert AuditEvent.objects.filter(action="login_failed").get().source == "10.1.2.3"
