"""Login-failure lockout with django-axes, per account and per source address.

``AXES_FAILURE_LIMIT`` failures within ``AXES_COOLOFF_TIME`` lock the username (whether or not it
exists, so that a lockout says nothing about which accounts exist) and, separately, the address
they came from; while locked, even the right password is refused. The web login shows why and
until when; the token endpoint answers 429 with the same message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import (
    get_client_username,
    get_cool_off,
    get_credentials,
    get_failure_limit,
    get_lockout_parameters,
)
from axes.models import AccessAttempt
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

LOCKED_STATUS = 429


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
    account: bool
    address: bool
    until: dt.datetime | None  # None: until an administrator unlocks it

    def messages(self) -> list[str]:
        when = date_format(timezone.localtime(self.until), "Y-m-d H:i") if self.until else None
        found = []
        if self.account:
            found.append(
                _("Too many failed logins for this account: it is locked until %(until)s.") % {"until": when}
                if when
                else _("Too many failed logins for this account: it is locked. Ask an administrator to unlock it.")
            )
        if self.address:
            found.append(
                _("Too many failed logins from your network address: it is locked until %(until)s.") % {"until": when}
                if when
                else _(
                    "Too many failed logins from your network address: it is locked. Ask an administrator to unlock it."
                )
            )
        return found or [_("Too many failed logins. Try again later.")]

    def message(self) -> str:
        return " ".join(self.messages())


def lockout_for(request, username: str | None) -> Lockout | None:
    """Whether ``username`` or the request's address is locked now, and until when."""
    AxesProxyHandler.update_request(request)
    credentials = get_credentials(username)
    limit = get_failure_limit(request, credentials)
    cool_off = get_cool_off(request)
    parameters = get_lockout_parameters(request, credentials)
    attempts = AccessAttempt.objects.all()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)

    def locked(**lookup) -> tuple[bool, dt.datetime | None]:
        row = attempts.filter(**lookup).aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        return (row["failures"] or 0) >= limit, row["last"]

    account, account_last = locked(username=username) if username and "username" in parameters else (False, None)
    address, address_last = (
        locked(ip_address=request.axes_ip_address)
        if request.axes_ip_address and "ip_address" in parameters
        else (False, None)
    )
    if not (account or address):
        return None
    last = max(t for t, on in ((account_last, account), (address_last, address)) if on and t)
    return Lockout(account=account, address=address, until=last + cool_off if cool_off is not None else None)


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: the login page again, saying what is locked and until when.

    A caller that has already answered the lockout itself (the token endpoint) keeps its answer.
    """
    if original_response is not None and getattr(request, "accounts_lockout_answered", False):
        return original_response
    username = get_client_username(request, credentials)
    lockout = lockout_for(request, username) or Lockout(account=False, address=False, until=None)
    form = AuthenticationForm(request, initial={"username": username or ""})
    context = {"form": form, "lockout_messages": lockout.messages(), "next": request.POST.get("next", "")}
    return render(request, "accounts/login.html", context, status=LOCKED_STATUS)


def api_login_failed(request, username: str) -> Lockout | None:
    """Count a refused token request like a failed web login; the lockout in force, if any, after it."""
    request.accounts_lockout_answered = True
    AxesProxyHandler.user_login_failed(sender=__name__, credentials=get_credentials(username), request=request)
    if not getattr(request, "axes_locked_out", False):
        return None
    return lockout_for(request, username) or Lockout(account=False, address=False, until=None)
