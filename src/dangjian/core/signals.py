"""Authentication events go into the audit log (logins, failures, logouts)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from dangjian.core import audit
from dangjian.core.models import AuditEvent


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    audit.record(actor=user, action="login", object_type="core.user", object_repr=user.get_username())


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="logout", object_type="core.user", object_repr=user.get_username())


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150].replace("\r", "\\r").replace("\n", "\\n")
    audit.record(
        actor=username or "anonymous",
        action="login_failed",
        object_type="core.user",
        object_repr=username,
        outcome=AuditEvent.Outcome.FAILURE,
    )
