"""Reads: when a password was set and expires, whether a user needs a second factor, and which
accounts, roles and organizations the system and security administrators work on."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts.conf import setting
from dangjian.accounts.models import Activation, PasswordHistory
from dangjian.core import tree
from dangjian.core.api import token_limits, token_usable
from dangjian.core.models import ApiToken, AuditEvent, RoleAssignment, User, organization_model
from dangjian.core.roles import ADMIN_ROLES, Role
from dangjian.core.scoping import can_see_full_id, paths_for, scopes


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
    ``OTP_REQUIRED_ROLES`` anywhere, of one of ``OTP_REQUIRED_ROOT_ROLES`` at a root organization, or
    of a role that may reveal full ID numbers or export unmasked data (``FULL_ID_ROLES``) anywhere."""
    if not setting("OTP_ENFORCED") or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or can_see_full_id(user):
        return True
    anywhere = set(setting("OTP_REQUIRED_ROLES"))
    at_root = set(setting("OTP_REQUIRED_ROOT_ROLES"))
    return any(s.role in anywhere or (s.role in at_root and tree.depth(s.path) == 1) for s in scopes(user))


# Actions on personal data that need the second factor, whatever the role and wherever it is held.
SECOND_FACTOR_ACTIONS = frozenset({"reveal_id", "export_unmasked"})


def second_factor_passed(user, request=None) -> bool:
    """Whether this request carries a second factor: a session verified with a code, or a token, which
    is issued only with a code to an account that has a device (``token_refusal``)."""
    if getattr(request, "api_token", None) is not None:
        return otp_device(user) is not None
    return bool(getattr(user, "is_verified", lambda: False)())


def requires_second_factor(user, action: str, request=None) -> bool:
    """Whether ``user`` must pass the second factor before ``action`` (one of ``SECOND_FACTOR_ACTIONS``)
    and has not in this request. Every holder of a role that may do these actions needs it, at any
    level of the tree; a member reading their own record is not asked (the call site decides that)."""
    if action not in SECOND_FACTOR_ACTIONS:
        raise ValueError(action)
    if not setting("OTP_ENFORCED"):
        return False
    return not second_factor_passed(user, request)


def require_second_factor(user, action: str, request=None) -> None:
    """Refuse ``action`` (as not found, like any other refusal of personal data) without the second factor."""
    if requires_second_factor(user, action, request):
        raise Http404


def otp_device(user) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if they have one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def token_refusal(user, otp: str | None) -> tuple[int, str] | None:
    """Why an API token must not be issued to a user whose password was right, or None.

    A token must not be a way around the web login's other steps: a password that must be
    changed, or a second factor that is required or set up.
    """
    expires = password_expires_at(user)
    if user.must_change_password or (expires is not None and expires <= timezone.now()):
        return 403, _("Change your password in the web interface before asking for an API token.")
    device = otp_device(user)
    if device is None:
        if otp_required(user):
            return 403, _("Set up two-factor authentication in the web interface before asking for an API token.")
        return None
    if not otp:
        return 401, _("Enter the current code from your authenticator app (otp).")
    if not device.verify_token(otp):
        return 401, _("The two-factor code is wrong or has already been used.")
    return None


# --- 三员分立: who administers what ----------------------------------------------------------------
# The system administrator manages accounts, the security administrator grants roles, the audit
# administrator reads the audit log (core's audit pages).


def secadmin_paths(actor) -> list[str]:
    return paths_for(actor, {Role.SECADMIN})


def sysadmin_paths(actor) -> list[str]:
    return paths_for(actor, {Role.SYSADMIN})


def users_visible_to_sysadmin(actor) -> models.QuerySet[User]:
    """Accounts whose every role lies inside the system administrator's subtrees (or who have none)."""
    paths = sysadmin_paths(actor)
    if not paths:
        return User.objects.none()
    outside = RoleAssignment.objects.exclude(tree.subtrees_q("org__path", paths)).values("user_id")
    return User.objects.exclude(pk__in=outside)


def users_manageable_by(actor) -> models.QuerySet[User]:
    """Visible accounts the system administrator may change: never an administrator (nor themselves).

    An administrator's account is changed only after the security administrator has revoked
    the role, so that no single administrator can take over another one's account.
    """
    admins = RoleAssignment.objects.filter(role__in=ADMIN_ROLES).values("user_id")
    return users_visible_to_sysadmin(actor).exclude(pk__in=admins).exclude(is_superuser=True).exclude(pk=actor.pk)


def role_assignments_for_secadmin(actor) -> models.QuerySet[RoleAssignment]:
    paths = secadmin_paths(actor)
    query = tree.subtrees_q("org__path", paths)
    return RoleAssignment.objects.none() if query is None else RoleAssignment.objects.filter(query)


def organizations_for_secadmin(actor):
    """Organizations (not dissolved) over which the security administrator grants roles."""
    Organization = organization_model()
    query = tree.subtrees_q("path", secadmin_paths(actor))
    if query is None:
        return Organization.objects.none()
    return Organization.objects.filter(query, dissolved_on__isnull=True).order_by("path")


def users_for_secadmin(actor) -> models.QuerySet[User]:
    """Accounts holding a role inside the security administrator's subtrees (not themselves): whose
    login lockouts and alerts they see and lift."""
    query = tree.subtrees_q("org__path", secadmin_paths(actor))
    if query is None:
        return User.objects.none()
    holders = RoleAssignment.objects.filter(query).values("user_id")
    return User.objects.filter(pk__in=holders).exclude(pk=actor.pk)


def login_alerts_for_secadmin(actor, *, days: int = 7) -> models.QuerySet[AuditEvent]:
    """The recent alerts of many failed logins (``login_alert``) about the administrator's accounts."""
    usernames = users_for_secadmin(actor).values("username")
    return AuditEvent.objects.filter(
        action="login_alert", object_repr__in=usernames, created_at__gte=timezone.now() - dt.timedelta(days=days)
    ).order_by("-created_at", "-id")


def own_tokens(user, *, limit: int = 100) -> list[ApiToken]:
    """The user's API tokens, newest first, each with ``usable``: whether it works now (not revoked,
    not expired, within the lifetime and idle rules)."""
    now = timezone.now()
    limits = token_limits()
    tokens = list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id")[:limit])
    for token in tokens:
        token.usable = token_usable(token, now, limits)
    return tokens


def activations_awaiting(actor) -> models.QuerySet[Activation]:
    """Activations of the security administrator's accounts awaiting approval, not asked for by themselves."""
    return (
        Activation.objects.filter(status=Activation.Status.AWAITING, user__in=users_for_secadmin(actor))
        .exclude(requested_by=actor)
        .select_related("user", "requested_by")
        .order_by("-created_at", "-id")
    )
