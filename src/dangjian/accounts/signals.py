"""Receivers: audit logins, failed logins and logouts; stamp a new session at login; audit a lockout
when it happens."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from dangjian.accounts import session as session_keys
from dangjian.accounts.conf import setting
from dangjian.accounts.lockout import lockout_for
from dangjian.accounts.queries import otp_device, password_changed_at
from dangjian.accounts.services import login_failure_watch
from dangjian.core import audit
from dangjian.core.models import AuditEvent
from dangjian.core.roles import ADMIN_ROLES
from dangjian.core.scoping import has_role

ACTION_LABELS = {
    "lockout": _("was locked out after failed logins"),
    "login_alert": _("had many failed logins from several addresses"),
    "lockout_clear": _("lifted a login lockout"),
    "activation_release": _("released an activation code"),
    "activation_complete": _("set their password with an activation code"),
    "activation_failed": _("entered a wrong activation code"),
    "password_change": _("changed their password"),
    "otp_enrol": _("turned on two-factor authentication"),
    "otp_verify": _("entered a two-factor code"),
    "otp_remove": _("turned off two-factor authentication"),
}


def one_line(text: str) -> str:
    return str(text or "")[:150].replace("\r", "\\r").replace("\n", "\\n")


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit.record(actor=user, action="login", object_type="core.user", object_repr=user.get_username())


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="logout", object_type="core.user", object_repr=user.get_username())


def _audit_refused(username: str, action: str, **changes) -> None:
    """A failed or refused login of ``username`` (as typed, on one line; the actor when there is one)."""
    name = one_line(username)
    audit.record(
        actor=name or "anonymous",
        action=action,
        object_type="core.user",
        object_repr=name,
        outcome=AuditEvent.Outcome.FAILURE,
        changes=changes or None,
    )


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get("username", "")
    _audit_refused(username, "login_failed")
    login_failure_watch(username=one_line(username))


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    """The absolute lifetime counts from now; remember when the password was set; admins idle out sooner."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session_keys.stamp(session, session_keys.LOGIN_AT)
    session_keys.stamp(session, session_keys.PASSWORD_SET_AT, password_changed_at(user))
    session[session_keys.HAS_DEVICE] = otp_device(user) is not None
    admin_idle = setting("ADMIN_SESSION_IDLE_SECONDS")
    if admin_idle and admin_idle < settings.SESSION_COOKIE_AGE and has_role(user, *ADMIN_ROLES):
        session.set_expiry(admin_idle)


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    """Audit the failure that locks an account or address (later refused attempts are failed logins)."""
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return
    lockout = lockout_for(request, username)
    _audit_refused(username, "lockout", address=ip_address, until=lockout.until if lockout else None)
