"""Reads: when a password was set and expires, whether a user needs a second factor."""

from __future__ import annotations

import datetime as dt

from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts.conf import setting
from dangjian.accounts.models import PasswordHistory
from dangjian.core import tree
from dangjian.core.scoping import scopes


def password_changed_at(user) -> dt.datetime:
    """When the current password was set: the newest history row, else when the account was made."""
    latest = (
        PasswordHistory.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )
    return latest or user.date_joined


def password_max_age() -> dt.timedelta | None:
    days = setting("PASSWORD_MAX_AGE_DAYS")
    return dt.timedelta(days=days) if days and days > 0 else None


def password_expires_at(user) -> dt.datetime | None:
    max_age = password_max_age()
    return password_changed_at(user) + max_age if max_age else None


def otp_required(user) -> bool:
    """Whether this user must use a second factor: a superuser, a holder of one of
    ``OTP_REQUIRED_ROLES`` anywhere, or of one of ``OTP_REQUIRED_ROOT_ROLES`` at a root organization."""
    if not setting("OTP_ENFORCED") or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    anywhere = set(setting("OTP_REQUIRED_ROLES"))
    at_root = set(setting("OTP_REQUIRED_ROOT_ROLES"))
    return any(s.role in anywhere or (s.role in at_root and tree.depth(s.path) == 1) for s in scopes(user))


def otp_device(user) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if they have one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
