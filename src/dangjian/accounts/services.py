"""Writes: password changes and history, two-factor devices, and the administrators' work on
accounts and roles (三员分立). Each audited in its transaction."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts import delivery, lockout
from dangjian.accounts.conf import setting
from dangjian.accounts.models import Activation, PasswordHistory
from dangjian.accounts.queries import secadmin_paths, sysadmin_paths, users_for_secadmin, users_manageable_by
from dangjian.core import audit, crypto
from dangjian.core.api import api_token_revoke, api_tokens_revoke_all
from dangjian.core.models import ApiToken, AuditEvent, RoleAssignment, User
from dangjian.core.roles import ADMIN_ROLES, Role
from dangjian.core.scoping import forget_scopes
from dangjian.core.services import object_update

DEVICE_NAME = "TOTP"


def password_history_record(*, user, keep: int) -> None:
    """Remember the user's current password hash; forget all but the newest ``keep`` (at least one)."""
    PasswordHistory.objects.create(user=user, password=user.password)
    stale = list(
        PasswordHistory.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[max(keep, 1) :]
    )
    if stale:
        PasswordHistory.objects.filter(pk__in=stale).delete()


@transaction.atomic
def password_change(*, user, password: str) -> None:
    """Set a user's own new (already validated) password and clear the first-login flag.

    Every API token of the account is revoked; every session but the one the caller keeps
    (``update_session_auth_hash``) ends at its next request, its stored password hash no longer matching.
    """
    forced = user.must_change_password
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])  # the history validator records it
    changes: dict[str, Any] = {"must_change_password": [True, False]} if forced else {}
    revoked = api_tokens_revoke_all(user)
    if revoked:
        changes["api_tokens"] = revoked
    audit.record(actor=user, action="password_change", obj=user, changes=changes)


def otp_pending_device(*, user) -> TOTPDevice:
    """The unconfirmed device an enrolment shows (the same one until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def _token_ok(device: TOTPDevice, token: str) -> bool:
    """``verify_token`` with django-otp's throttling and its refusal of a code already used (``last_t``)."""
    return device.verify_token(token)


@transaction.atomic
def otp_enrol(*, user, device: TOTPDevice, token: str) -> bool:
    """Confirm a pending device with a first code from the app; drop any other pending ones."""
    if device.user_id != user.pk or device.confirmed or not _token_ok(device, token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    audit.record(actor=user, action="otp_enrol", obj=device, object_repr=user.get_username())
    return True


@transaction.atomic
def otp_verify(*, user, device: TOTPDevice, token: str) -> bool:
    """Check a login's second factor; audited either way."""
    ok = device.user_id == user.pk and device.confirmed and _token_ok(device, token)
    audit.record(
        actor=user,
        action="otp_verify",
        obj=device,
        object_repr=user.get_username(),
        outcome=AuditEvent.Outcome.SUCCESS if ok else AuditEvent.Outcome.FAILURE,
    )
    return ok


@transaction.atomic
def otp_remove(*, user, device: TOTPDevice, token: str) -> bool:
    """Turn two-factor off, proven by a current code (callers refuse it where it is required)."""
    if device.user_id != user.pk or not _token_ok(device, token):
        return False
    audit.record(actor=user, action="otp_remove", obj=device, object_repr=user.get_username())
    TOTPDevice.objects.filter(user=user).delete()
    return True


# --- 三员分立: roles (the security administrator's work) and accounts (the system administrator's) ----
# ``actor=None`` is the system itself (migrations, the demo loader, test factories); every person
# acting goes through the checks below.


def _require_secadmin_over(actor, org, user) -> None:
    if actor is None:
        return
    if not any(org.path.startswith(p) for p in secadmin_paths(actor)):
        raise PermissionDenied
    if actor.pk == user.pk:
        raise ValidationError(_("You cannot grant or revoke roles for your own account."), code="own_account")


def _require_sysadmin_over(actor, user) -> None:
    if actor is None:
        return
    if not users_manageable_by(actor).filter(pk=user.pk).exists():
        raise PermissionDenied


def _lock_user(user) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


@transaction.atomic
def role_grant(*, actor, user, role: str, org) -> RoleAssignment:
    """Grant ``role`` over ``org``'s subtree. A security administrator grants; never to themselves.

    Separation of duties: an account holds at most one of the administrator roles, and an
    administrator holds no other role at all (not even the member role). The user's row is
    locked first, so two concurrent grants are checked one after the other (the database
    triggers of core migration 0010 refuse any such mix whatever writes it).
    """
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    _require_secadmin_over(actor, org, user)
    user = _lock_user(user)
    if not user.is_active:
        raise ValidationError({"user": _("This account is deactivated.")})
    if org.dissolved_on is not None:
        raise ValidationError({"org": _("This organization is dissolved.")})
    held = set(RoleAssignment.objects.filter(user=user).exclude(role=role).values_list("role", flat=True))
    if role in ADMIN_ROLES and held & ADMIN_ROLES:
        raise ValidationError(
            _(
                "An account can hold only one of the system, security and audit administrator roles "
                "(separation of duties)."
            ),
            code="separation_of_duties",
        )
    if (role in ADMIN_ROLES and held) or (role not in ADMIN_ROLES and held & ADMIN_ROLES):
        raise ValidationError(
            _(
                "An administrator account holds no other role, not even the member role "
                "(separation of duties): use a separate account."
            ),
            code="separation_of_duties",
        )
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, org=org)
    if created:
        audit.record(
            actor=actor,
            action="role_grant",
            obj=assignment,
            org=org,
            changes={"user": [None, user.username], "role": [None, role]},
        )
    forget_scopes(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    """Take a role away; it stops working on the user's next request."""
    assignment = RoleAssignment.objects.select_related("user", "org").get(pk=assignment.pk)
    _require_secadmin_over(actor, assignment.org, assignment.user)
    _lock_user(assignment.user)
    audit.record(
        actor=actor,
        action="role_revoke",
        obj=assignment,
        org=assignment.org,
        changes={"user": [assignment.user.username, None], "role": [assignment.role, None]},
    )
    assignment.delete()
    forget_scopes(assignment.user)


# --- Accounts (the system administrator's work) ----------------------------------------------------
# No administrator ever sees a password that works for an account: a new account and a password
# reset get a one-time activation code, sent to the person through their registered channel or,
# without one, released by the security administrator; the person then sets their own password.
ACTIVATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no look-alike characters
ACTIVATION_CODE_LENGTH = 16  # 80 bits: a fast hash of it cannot be reversed
ACTIVATION_WRONG_CODES = 5  # then the activation is cancelled and a new one must be asked for
PENDING = (Activation.Status.SENT, Activation.Status.AWAITING, Activation.Status.RELEASED)


def normalized_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def activation_code_hash(code: str) -> str:
    return crypto.sm3_hex(normalized_code(code).encode())


def new_activation_code() -> str:
    code = "".join(secrets.choice(ACTIVATION_ALPHABET) for _i in range(ACTIVATION_CODE_LENGTH))
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _activation_expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=setting("ACTIVATION_HOURS"))


def _activation_message(user, code: str) -> tuple[str, str]:
    subject = _("Set your password")
    message = _(
        "An administrator has asked for a new password for your account %(username)s. Open the "
        "activation page (%(url)s), enter your user name, this code and a new password of your own: %(code)s. "
        "The code works once, until %(until)s. If you did not expect this, tell the security administrator."
    ) % {
        "username": user.get_username(),
        "url": reverse("account-activate"),
        "code": code,
        "until": date_format(timezone.localtime(_activation_expiry()), "Y-m-d H:i"),
    }
    return str(subject), str(message)


def _activation_start(*, actor, user) -> Activation:
    """End every credential of ``user`` and start an activation: sent now, or awaiting approval."""
    Activation.objects.filter(user=user, status__in=PENDING).update(status=Activation.Status.CANCELLED)
    channel = delivery.channel()
    address = channel.address_for(user) if channel is not None else None
    if not address:
        return Activation.objects.create(user=user, requested_by=actor, status=Activation.Status.AWAITING)
    code = new_activation_code()
    activation = Activation.objects.create(
        user=user,
        requested_by=actor,
        status=Activation.Status.SENT,
        channel=channel.name,
        code_hash=activation_code_hash(code),
        expires_at=_activation_expiry(),
    )
    subject, message = _activation_message(user, code)
    transaction.on_commit(lambda: channel.send(user, address, subject, message))
    return activation


@transaction.atomic
def user_create(*, actor, username: str, full_name: str = "", email: str = "") -> tuple[User, Activation]:
    """Open an account without a usable password; its owner sets one with an activation code."""
    if actor is not None and not sysadmin_paths(actor):
        raise PermissionDenied
    user = User(username=username.strip(), full_name=full_name.strip(), email=email.strip())
    user.set_unusable_password()
    user.full_clean()
    user.save()
    activation = _activation_start(actor=actor, user=user)
    audit.record(
        actor=actor,
        action="user_create",
        obj=user,
        changes={
            "username": [None, user.username],
            "full_name": [None, user.full_name],
            "activation": [None, activation.status],
        },
    )
    return user, activation


@transaction.atomic
def user_update(*, actor, user: User, full_name: str) -> dict[str, list[Any]]:
    """Change the name shown for an account."""
    _require_sysadmin_over(actor, user)
    user = _lock_user(user)
    return object_update(actor=actor, instance=user, data={"full_name": full_name.strip()}, action="user_update")


@transaction.atomic
def user_deactivate(*, actor, user: User) -> User:
    """Stop an account: no login, its sessions and API tokens stop working at their next request."""
    _require_sysadmin_over(actor, user)
    user = _lock_user(user)
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoked = api_tokens_revoke_all(user)
    audit.record(
        actor=actor, action="user_deactivate", obj=user, changes={"is_active": [True, False], "api_tokens": revoked}
    )
    return user


@transaction.atomic
def user_activate(*, actor, user: User) -> User:
    _require_sysadmin_over(actor, user)
    user = _lock_user(user)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record(actor=actor, action="user_activate", obj=user, changes={"is_active": [False, True]})
    return user


@transaction.atomic
def user_reset_password(*, actor, user: User) -> Activation:
    """Reset an account's password: the old one stops working, with every session (their stored
    password hash no longer matches) and every API token; the person sets a new one with an
    activation code that the system administrator never sees."""
    _require_sysadmin_over(actor, user)
    user = _lock_user(user)
    user.set_unusable_password()
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    revoked = api_tokens_revoke_all(user)
    activation = _activation_start(actor=actor, user=user)
    audit.record(
        actor=actor,
        action="user_password_reset",
        obj=user,
        changes={"activation": [None, activation.status], "api_tokens": revoked},
    )
    return activation


@transaction.atomic
def activation_release(*, actor, activation: Activation) -> str:
    """The security administrator releases an activation awaiting approval: the code is returned,
    to be shown once and handed to the person; never to whoever asked for the activation."""
    activation = Activation.objects.select_for_update().select_related("user").get(pk=activation.pk)
    if actor is not None and (
        not users_for_secadmin(actor).filter(pk=activation.user_id).exists() or activation.requested_by_id == actor.pk
    ):
        raise PermissionDenied
    if activation.status != Activation.Status.AWAITING:
        raise ValidationError(_("This activation is no longer awaiting approval."), code="not_awaiting")
    code = new_activation_code()
    activation.status = Activation.Status.RELEASED
    activation.approved_by = actor
    activation.code_hash = activation_code_hash(code)
    activation.expires_at = _activation_expiry()
    activation.save(update_fields=["status", "approved_by", "code_hash", "expires_at"])
    audit.record(
        actor=actor,
        action="activation_release",
        obj=activation.user,
        changes={"activation": [Activation.Status.AWAITING, Activation.Status.RELEASED]},
    )
    return code


@transaction.atomic
def activation_complete(*, username: str, code: str, password: str) -> User | None:
    """The person sets their password with their activation code. None for any refusal (unknown user,
    no activation, wrong or expired code), the same for each; a few wrong codes cancel the activation.
    An unacceptable password raises ``ValidationError`` (nothing is used up)."""
    user = User.objects.filter(username=username, is_active=True).first()
    activation = (
        Activation.objects.select_for_update()
        .filter(
            user=user,
            status__in=(Activation.Status.SENT, Activation.Status.RELEASED),
            expires_at__gt=timezone.now(),
        )
        .first()
        if user is not None
        else None
    )
    if activation is None:
        return None
    if not secrets.compare_digest(activation.code_hash, activation_code_hash(code)):
        activation.wrong_codes += 1
        if activation.wrong_codes >= ACTIVATION_WRONG_CODES:
            activation.status = Activation.Status.CANCELLED
        activation.save(update_fields=["wrong_codes", "status"])
        audit.record(
            actor=user,
            action="activation_failed",
            obj=user,
            outcome=AuditEvent.Outcome.FAILURE,
            changes={"wrong_codes": activation.wrong_codes},
        )
        return None
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    activation.status = Activation.Status.USED
    activation.save(update_fields=["status"])
    audit.record(actor=user, action="activation_complete", obj=user)
    return user


# --- Login failures: the alert and the unlock (the security administrator's work) --------------------
@transaction.atomic
def login_failure_watch(*, username: str) -> bool:
    """After a failed login: alert the security administrator when ``username`` has failed
    ``LOGIN_ALERT_FAILURES`` times (and each further multiple) within ``LOGIN_ALERT_MINUTES`` from any
    addresses. Nothing is locked: an attacker who knows a user name must not be able to shut its
    owner out; the per-address lockout stops the guessing. Returns whether an alert was raised."""
    limit = setting("LOGIN_ALERT_FAILURES")
    if not username or not limit or limit <= 0:
        return False
    minutes = setting("LOGIN_ALERT_MINUTES")
    failures = lockout.recent_failures(username, dt.timedelta(minutes=minutes))
    if failures < limit or failures % limit:
        return False
    audit.record(
        actor=username,
        action="login_alert",
        object_type="core.user",
        object_repr=username,
        outcome=AuditEvent.Outcome.FAILURE,
        changes={"failures": failures, "minutes": minutes},
    )
    return True


@transaction.atomic
def lockout_clear(*, actor, username: str, address: str) -> int:
    """Lift the lockout of ``username`` from ``address``: a security administrator over the account."""
    user = User.objects.filter(username=username).first()
    if user is None or not users_for_secadmin(actor).filter(pk=user.pk).exists():
        raise PermissionDenied
    rows = lockout.lockout_clear(username=username, address=address)
    audit.record(
        actor=actor,
        action="lockout_clear",
        obj=user,
        changes={"address": address, "attempts": rows},
    )
    return rows


# --- The user's own API tokens --------------------------------------------------------------------------
def own_token_revoke(*, user, token_id: int) -> bool:
    """Revoke one of the user's own usable tokens; False when there is none with that id."""
    token = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        return False
    api_token_revoke(actor=user, token=token)
    return True
