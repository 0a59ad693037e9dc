"""Issue 13, item 4: the system administrator cannot take over a business account. A new account or a
password reset gets a one-time activation code that goes to the person through their registered
channel, or, without one, is released only by the security administrator; no administrator sees a
password that works. Revealing full ID numbers needs the second factor for every role that may do
it, at any level of the tree (not only at the district root)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from dangjian.accounts import delivery, queries, services
from dangjian.accounts.models import Activation
from dangjian.core.models import AuditEvent, User
from tests.support.auth import PASSWORD, confirmed_device, log_in

NEW = "Qingshan-Lvshui-47!"
SENT: list[tuple[str, str]] = []


class RecordingChannel(delivery.Channel):
    """A registered channel that keeps what it sends (the person's phone, in these tests)."""

    name = "recording"

    def address_for(self, user):
        return f"phone-of-{user.username}"

    def send(self, user, address, subject, message):
        SENT.append((address, message))


def code_in(message: str) -> str:
    return re.search(r"[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}", message).group(0)


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.OTP_ENFORCED = False  # the account pages; the second factor is tested at the end
    settings.ACTIVATION_CHANNEL = f"{__name__}.RecordingChannel"
    SENT.clear()


def activate(username, code, password=NEW):
    return Client().post(
        reverse("account-activate"),
        {"username": username, "code": code, "new_password1": password, "new_password2": password},
    )


def test_a_reset_shows_the_system_administrator_no_working_credential(
    world, admins, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admins.sysadmin).post(reverse("user-reset-password", args=[world.town_organizer.pk]))
    assert response.status_code == 200 and "password" not in response.context
    page = response.content.decode()
    [(address, message)] = SENT
    code = code_in(message)
    assert address == "phone-of-town_a" and code not in page
    # Nothing the administrator saw logs in: the old password is gone and the account has none.
    assert log_in(Client(), "town_a", PASSWORD).status_code == 200
    assert not User.objects.get(pk=world.town_organizer.pk).has_usable_password()
    # The person sets their own password with the code, once.
    assert activate("town_a", code).status_code == 302
    assert log_in(Client(), "town_a", NEW).status_code == 302
    assert activate("town_a", code, "Another-Pass-93!").status_code == 200
    assert AuditEvent.objects.filter(action="activation_complete", actor=world.town_organizer).count() == 1


def test_without_a_channel_only_the_security_administrator_releases_the_code(world, admins, client_for, settings):
    settings.ACTIVATION_CHANNEL = ""
    response = client_for(admins.sysadmin).post(reverse("user-reset-password", args=[world.secretary.pk]))
    assert response.context["activation"].status == Activation.Status.AWAITING and not SENT
    activation = Activation.objects.get(user=world.secretary)
    # The system administrator cannot release it.
    assert client_for(admins.sysadmin).get(reverse("activation-list")).status_code == 404
    assert client_for(admins.sysadmin).post(reverse("activation-release", args=[activation.pk])).status_code == 404
    # The security administrator over the account sees it and releases it, once.
    secadmin = client_for(admins.secadmin)
    assert [a.pk for a in secadmin.get(reverse("activation-list")).context["activations"]] == [activation.pk]
    released = secadmin.post(reverse("activation-release", args=[activation.pk]))
    code = released.context["code"]
    assert code in released.content.decode()
    assert secadmin.post(reverse("activation-release", args=[activation.pk])).status_code == 404
    event = AuditEvent.objects.filter(action="activation_release").get()
    assert event.actor == admins.secadmin and code not in str(event.changes)
    assert activate("sec_a1", code).status_code == 302
    assert log_in(Client(), "sec_a1", NEW).status_code == 302


def test_a_security_administrator_of_another_subtree_cannot_release_it(world, admins, client_for, settings):
    settings.ACTIVATION_CHANNEL = ""
    services.user_reset_password(actor=admins.sysadmin, user=world.sibling_secretary)  # township B
    activation = Activation.objects.get(user=world.sibling_secretary)
    town = client_for(admins.town_secadmin)
    assert town.get(reverse("activation-list")).context["activations"].count() == 0
    assert town.post(reverse("activation-release", args=[activation.pk])).status_code == 404


def test_wrong_codes_are_refused_alike_and_a_few_cancel_the_activation(
    world, admins, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_reset_password(actor=admins.sysadmin, user=world.secretary)
    code = code_in(SENT[0][1])
    unknown = activate("nobody", code)
    wrong = [activate("sec_a1", "AAAA-BBBB-CCCC-DDDD") for _ in range(services.ACTIVATION_WRONG_CODES)]
    assert unknown.context["form"].errors == wrong[0].context["form"].errors
    assert activate("sec_a1", code).status_code == 200  # cancelled: the right code no longer works
    assert Activation.objects.get(user=world.secretary).status == Activation.Status.CANCELLED
    assert AuditEvent.objects.filter(action="activation_failed").count() == services.ACTIVATION_WRONG_CODES


def test_a_weak_new_password_is_refused_and_uses_nothing_up(world, admins, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_reset_password(actor=admins.sysadmin, user=world.secretary)
    code = code_in(SENT[0][1])
    assert activate("sec_a1", code, "short").context["form"].errors["new_password1"]
    assert activate("sec_a1", code).status_code == 302


def test_a_new_account_gets_an_activation_not_a_password(world, admins, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admins.sysadmin).post(reverse("user-create"), {"username": "wangfang"})
    account = User.objects.get(username="wangfang")
    assert not account.has_usable_password() and "password" not in response.context
    assert activate("wangfang", code_in(SENT[0][1])).status_code == 302


def test_the_console_channel_is_for_development_and_production_has_none_by_default(settings):
    from dangjian.accounts.delivery import ConsoleChannel

    settings.ACTIVATION_CHANNEL = "dangjian.accounts.delivery.ConsoleChannel"
    assert isinstance(delivery.channel(), ConsoleChannel)
    settings.ACTIVATION_CHANNEL = ""
    assert delivery.channel() is None


# --- The second factor for full ID numbers, at every level ---------------------------------------------
def test_an_organizer_below_the_root_must_use_the_second_factor(world, settings):
    settings.OTP_ENFORCED = True
    assert queries.otp_required(world.town_organizer)
    assert not queries.otp_required(world.secretary)


def test_revealing_a_full_id_needs_the_second_factor_below_the_root_too(world, client, settings):
    settings.OTP_ENFORCED = True
    client.force_login(world.town_organizer)
    response = client.post(reverse("member-reveal-id", args=[world.zhang.pk]))
    assert response.status_code == 302  # to the second factor first
    assert not AuditEvent.objects.filter(action="view_sensitive").exists()


def test_the_reveal_checks_the_second_factor_itself(world, rf, settings):
    settings.OTP_ENFORCED = True
    request = rf.post("/")
    user = world.town_organizer
    user.is_verified = lambda: False
    assert queries.requires_second_factor(user, "reveal_id", request)
    user.is_verified = lambda: True
    assert not queries.requires_second_factor(user, "reveal_id", request)
    request.api_token = object()  # a token: issued with a code only when the account has a device
    assert queries.requires_second_factor(user, "export_unmasked", request)
    confirmed_device(user)
    assert not queries.requires_second_factor(user, "export_unmasked", request)
    with pytest.raises(ValueError):
        queries.requires_second_factor(user, "anything", request)


def test_a_token_for_an_organizer_below_the_root_needs_the_second_factor(world, anonymous_api, settings):
    settings.OTP_ENFORCED = True
    response = anonymous_api.post("/auth/token", {"username": "town_a", "password": PASSWORD})
    assert response.status_code == 403


def test_production_refuses_the_console_channel(settings):
    from dangjian.accounts.checks import activation_channel_in_production

    settings.PRODUCTION = True
    settings.ACTIVATION_CHANNEL = "dangjian.accounts.delivery.ConsoleChannel"
    assert [e.id for e in activation_channel_in_production()] == ["accounts.E003"]
    settings.ACTIVATION_CHANNEL = ""
    assert activation_channel_in_production() == []
