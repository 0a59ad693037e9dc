"""Password storage, policy, history, maximum age, first-login change, and the change page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from dangjian import settings as project_settings
from dangjian.accounts import services
from dangjian.accounts.models import PasswordHistory
from dangjian.core.models import AuditEvent, User
from tests import factories
from tests.support.api import has_chinese
from tests.support.auth import PASSWORD, zh

NEW = "Qz7#mK2$vLp"


def test_a_stored_password_is_an_argon2_hash_and_the_plain_text_is_nowhere(db, settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = factories.user("argon")
    user.set_password(NEW)
    user.save()
    user.refresh_from_db()
    assert user.password.startswith("argon2")
    assert user.check_password(NEW)
    assert PasswordHistory.objects.get(user=user).password.startswith("argon2")
    with connection.cursor() as cursor:
        for table in ("core_user", "accounts_passwordhistory"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            assert NEW not in repr(cursor.fetchall())


def messages_for(password: str, user=None) -> list[str]:
    with translation.override("zh-hans"):
        try:
            validate_password(password, user)
        except ValidationError as exc:
            return exc.messages
    return []


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Ab1!xyz", "too short"),
        ("abcdefgh12", "two classes: lower-case and digits"),
        ("ABCDEFGH!!", "two classes: upper-case and symbols"),
        ("Xsec_A1!9", "contains the username, in other case"),
        ("Password1", "a common password"),
        ("12345678", "all digits"),
    ],
)
def test_weak_passwords_are_refused_in_chinese(world, password, why):
    found = messages_for(password, world.secretary)
    assert found, why
    assert all(has_chinese(m) for m in found), found


@pytest.mark.parametrize("password", [NEW, "zhang-San 2026", "Aa1" + "x" * 61, "党建Ab12345"])
def test_strong_passwords_are_accepted_including_64_characters(world, password):
    assert messages_for(password, world.secretary) == []


def test_the_figures_are_settings(world, settings):
    settings.PASSWORD_MIN_LENGTH = 12
    assert messages_for(NEW, world.secretary)  # 11 characters
    settings.PASSWORD_MIN_CLASSES = 2
    settings.PASSWORD_MIN_LENGTH = 8
    assert messages_for("abcdefgh12", world.secretary) == []


def change(user, password):
    services.password_change(user=user, password=password)


def test_none_of_the_last_five_passwords_may_be_chosen_again(world):
    user = world.secretary
    with pytest.raises(ValidationError):
        validate_password(PASSWORD, user)  # the current one
    olds = [f"Hist-{n}-pass!" for n in range(1, 6)]
    for old in olds:
        validate_password(old, user)
        change(user, old)
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for old in olds:  # the current one and the four before it
        with pytest.raises(ValidationError):
            validate_password(old, user)
    change(user, "Hist-6-pass!")
    validate_password(olds[0], user)  # now six changes back: allowed again
    with pytest.raises(ValidationError):
        validate_password(olds[1], user)
    assert PasswordHistory.objects.filter(user=user).count() == 5


def test_an_expired_password_leads_every_page_to_the_change_form_until_changed(world, client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    with time_machine.travel(timezone.now() + dt.timedelta(days=89)):
        client.force_login(world.secretary)
        assert client.get("/").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=91)):
        client.force_login(world.secretary)
        for url in ("/", reverse("member-list"), reverse("account")):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account-password") + "?next=")
        page = client.get(reverse("account-password"))
        assert page.status_code == 200
        assert zh("Your password has expired: choose a new one before you continue.") in page.content.decode()
        response = client.post(
            reverse("account-password"),
            {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW, "next": "/"},
        )
        assert response.status_code == 302
        assert response["Location"] == "/"
        assert client.get("/").status_code == 200


def test_a_maximum_age_of_zero_never_expires(world, client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=4000)):
        client.force_login(world.secretary)
        assert client.get("/").status_code == 200


def test_an_administrator_made_account_must_change_its_password_first(world, client):
    user = factories.user("new_sec", must_change_password=True)
    assert log_in_ok(client, "new_sec")
    for url in ("/", reverse("account"), reverse("account-otp-enrol"), "/api/v1/auth/me"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("account-password"))
    page = client.get(reverse("account-password")).content.decode()
    assert zh("This account was set up by an administrator: choose your own password before you continue.") in page
    response = client.post(
        reverse("account-password"), {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password(NEW)
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(action="password_change")
    assert (event.actor, event.outcome, event.object_type) == (user, "success", "core.user")
    assert event.changes == {"must_change_password": [True, False]}


def test_such_a_user_may_still_log_out(world, client):
    factories.user("new_sec", must_change_password=True)
    assert log_in_ok(client, "new_sec")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def log_in_ok(client, username, password=PASSWORD) -> bool:
    response = client.post("/login/", {"username": username, "password": password})
    return response.status_code == 302


def test_the_change_page_is_chinese_checks_the_old_password_and_the_policy(world, client_for):
    client = client_for(world.secretary)
    page = client.get(reverse("account-password"))
    body = page.content.decode()
    assert page.status_code == 200
    assert zh("Change password") in body
    assert 'class="form-control' in body
    wrong_old = client.post(
        reverse("account-password"), {"old_password": "nope", "new_password1": NEW, "new_password2": NEW}
    )
    assert wrong_old.status_code == 200
    assert zh("Your old password was entered incorrectly. Please enter it again.") in wrong_old.content.decode()
    weak = client.post(
        reverse("account-password"),
        {"old_password": PASSWORD, "new_password1": "sec_a1abc", "new_password2": "sec_a1abc"},
    )
    assert weak.status_code == 200
    assert zh("The password must not contain the username.") in weak.content.decode()
    assert not AuditEvent.objects.filter(action="password_change").exists()


def test_a_password_change_is_audited_keeps_this_session_and_ends_the_others(world, client_for, client):
    from django.test import Client

    other = Client()
    other.force_login(world.secretary)
    client = client_for(world.secretary)
    before = client.session.session_key
    response = client.post(
        reverse("account-password"), {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account")
    assert client.session.session_key != before
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302  # logged out by the change
    assert AuditEvent.objects.filter(action="password_change", actor=world.secretary).count() == 1
    assert User.objects.get(pk=world.secretary.pk).check_password(NEW)
