"""Login-failure lockout with django-axes, per (username, source address).

``AXES_FAILURE_LIMIT`` failures within ``AXES_COOLOFF_TIME`` lock the username for the address they
came from (whether or not the account exists, so that a lockout says nothing about which accounts
exist); while locked, even the right password is refused from there. Nobody can lock an account
for other addresses, nor an address for other accounts. The web login shows why and until when;
the token endpoint answers 429 with the same message. A slower count across addresses
(``LOGIN_ALERT_FAILURES`` within ``LOGIN_ALERT_MINUTES``) alerts the security administrator
(``accounts.services.login_failure_watch``) instead of locking. The security administrator lists
and lifts lockouts on ``security/lockouts/``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_credentials, get_failure_limit
from axes.models import AccessAttempt
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from dangjian.core.models import AuditEvent

LOCKED_STATUS = 429
FAILED_LOGIN_ACTIONS = ("login_failed", "api_login")


class LockoutBackend(AxesStandaloneBackend):
    """axes' check that refuses locked accounts and addresses before any password is tried.

    Without a request (``Client.login`` in tests, scripts) there is no address to lock and axes
    would raise; such calls skip the check. Every login over HTTP passes its request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


@dataclass(frozen=True)
class Lockout:
    """The username is locked for the address the request came from (never for other addresses)."""

    until: dt.datetime | None  # None: until the security administrator unlocks it

    def messages(self) -> list[str]:
        if self.until is None:
            return [
                _(
                    "Too many failed logins for this account from your network address: it is locked. "
                    "Ask the security administrator to unlock it."
                )
            ]
        when = date_format(timezone.localtime(self.until), "Y-m-d H:i")
        return [
            _("Too many failed logins for this account from your network address: it is locked until %(until)s.")
            % {"until": when}
        ]

    def message(self) -> str:
        return " ".join(self.messages())


def _recent_attempts():
    attempts = AccessAttempt.objects.all()
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def lockout_for(request, username: str | None) -> Lockout | None:
    """Whether ``username`` is locked for the request's address now, and until when.

    Failures count per (username, address) (``AXES_LOCKOUT_PARAMETERS``): wrong passwords from one
    address never lock the account elsewhere, and unknown usernames never lock an address.
    """
    AxesProxyHandler.update_request(request)
    if not username or not request.axes_ip_address:
        return None
    limit = get_failure_limit(request, get_credentials(username))
    cool_off = get_cool_off(request)
    row = (
        _recent_attempts()
        .filter(username=username, ip_address=request.axes_ip_address)
        .aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    )
    if (row["failures"] or 0) < limit:
        return None
    return Lockout(until=row["last"] + cool_off if cool_off is not None and row["last"] else None)


@dataclass(frozen=True)
class CurrentLockout:
    username: str
    address: str
    failures: int
    last: dt.datetime
    until: dt.datetime | None


def current_lockouts(usernames=None) -> list[CurrentLockout]:
    """The (username, address) pairs locked now, newest first; only ``usernames`` when given."""
    attempts = _recent_attempts()
    if usernames is not None:
        attempts = attempts.filter(username__in=usernames)
    limit = get_failure_limit(None, None)
    cool_off = get_cool_off()
    rows = (
        attempts.values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=limit)
        .order_by("-last", "username")
    )
    return [
        CurrentLockout(
            username=r["username"],
            address=r["ip_address"],
            failures=r["failures"],
            last=r["last"],
            until=r["last"] + cool_off if cool_off is not None else None,
        )
        for r in rows
    ]


def lockout_clear(*, username: str, address: str) -> int:
    """Forget the failures of ``username`` from ``address`` (the unlock); how many rows went."""
    deleted, _rows = AccessAttempt.objects.filter(username=username, ip_address=address).delete()
    return deleted


def recent_failures(username: str, window: dt.timedelta) -> int:
    """Failed logins and token requests for ``username`` from any address within ``window``
    (counted in the audit log, which keeps every one of them)."""
    return AuditEvent.objects.filter(
        action__in=FAILED_LOGIN_ACTIONS,
        outcome=AuditEvent.Outcome.FAILURE,
        object_type="core.user",
        object_repr=username[:150],
        created_at__gte=timezone.now() - window,
    ).count()


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: the login page again, saying what is locked and until when.

    A caller that has already answered the lockout itself (the token endpoint) keeps its answer.
    """
    if original_response is not None and getattr(request, "accounts_lockout_answered", False):
        return original_response
    username = get_client_username(request, credentials)
    lockout = lockout_for(request, username) or Lockout(until=None)
    form = AuthenticationForm(request, initial={"username": username or ""})
    context = {"form": form, "lockout_messages": lockout.messages(), "next": request.POST.get("next", "")}
    return render(request, "accounts/login.html", context, status=LOCKED_STATUS)


def api_login_failed(request, username: str) -> Lockout | None:
    """Count a refused token request like a failed web login; the lockout in force, if any, after it."""
    request.accounts_lockout_answered = True
    AxesProxyHandler.user_login_failed(sender=__name__, credentials=get_credentials(username), request=request)
    if not getattr(request, "axes_locked_out", False):
        return None
    return lockout_for(request, username) or Lockout(until=None)
