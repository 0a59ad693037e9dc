"""Writes: password changes and history, two-factor devices. Each audited in its transaction."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts.models import PasswordHistory
from dangjian.core import audit
from dangjian.core.models import AuditEvent

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
    """Set a user's own new (already validated) password and clear the first-login flag."""
    forced = user.must_change_password
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])  # the history validator records it
    audit.record(
        actor=user,
        action="password_change",
        obj=user,
        changes={"must_change_password": [True, False]} if forced else {},
    )


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
