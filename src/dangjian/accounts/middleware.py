"""What a signed-in user must get past before any page: the session's absolute lifetime, then
two-factor enrolment or verification, then a forced or expired password change.

Installed after ``AuthenticationMiddleware``, django-otp's ``OTPMiddleware`` and the request
context (so that what it audits carries the source address). The idle timeout needs no code:
``SESSION_COOKIE_AGE`` with ``SESSION_SAVE_EVERY_REQUEST`` expires a session nobody uses.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from dangjian.accounts import queries
from dangjian.accounts import session as keys
from dangjian.accounts.conf import setting

API_PREFIX = "/api/"
ALWAYS_ALLOWED = {"login", "logout"}
OTP_ENROL = "account-otp-enrol"
OTP_VERIFY = "account-otp-verify"
PASSWORD_CHANGE = "account-password"  # noqa: S105 - a URL name


def password_expired(request, user) -> bool:
    """Past ``PASSWORD_MAX_AGE_DAYS``? Read from the session, confirmed in the database before saying yes."""
    max_age = queries.password_max_age()
    if max_age is None:
        return False
    now = keys.now_ts()
    set_at = request.session.get(keys.PASSWORD_SET_AT)
    if not isinstance(set_at, int | float) or now - set_at > max_age.total_seconds():
        keys.stamp(request.session, keys.PASSWORD_SET_AT, queries.password_changed_at(user))
        set_at = request.session[keys.PASSWORD_SET_AT]
    return now - set_at > max_age.total_seconds()


def has_device(request, user) -> bool:
    """Whether the user has a two-factor device (noted in the session at login)."""
    known = request.session.get(keys.HAS_DEVICE)
    if not isinstance(known, bool):
        known = request.session[keys.HAS_DEVICE] = queries.otp_device(user) is not None
    return known


def gate(request, user) -> str | None:
    """The URL name of the step this user must take first, or None.

    Two-factor comes first: for whoever must use it (``queries.otp_required``) and for whoever
    has turned it on. Then a password change, forced (``must_change_password``) or expired.
    """
    if not getattr(user, "is_verified", lambda: False)():
        if queries.otp_required(user):
            return OTP_VERIFY if queries.otp_device(user) is not None else OTP_ENROL
        if has_device(request, user):
            return OTP_VERIFY
    if user.must_change_password or password_expired(request, user):
        return PASSWORD_CHANGE
    return None


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def json_refusal(status: int, detail: str) -> JsonResponse:
    """The API's error shape (see ``core.api``)."""
    return JsonResponse({"detail": detail, "errors": []}, status=status, json_dumps_params={"ensure_ascii": False})


class AuthenticationPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            refusal = self.lifetime_over(request) or self.gated(request, user)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def lifetime_over(self, request):
        """Log out a session older than ``SESSION_LIFETIME_SECONDS``, however active it has been."""
        lifetime = setting("SESSION_LIFETIME_SECONDS")
        login_at = request.session.get(keys.LOGIN_AT)
        if not isinstance(login_at, int | float):
            keys.stamp(request.session, keys.LOGIN_AT)  # a session from before this rule
            return None
        if not lifetime or keys.now_ts() - login_at <= lifetime:
            return None
        logout(request)
        message = _("You have been logged in for too long. Please log in again.")
        if is_api(request):
            return json_refusal(401, message)
        messages.info(request, message)
        return redirect_to_login(request.get_full_path())

    def gated(self, request, user):
        step = gate(request, user)
        if step is None:
            return None
        try:
            name = resolve(request.path_info).view_name
        except Resolver404:
            name = None
        if name == step or name in ALWAYS_ALLOWED:
            return None
        if is_api(request):
            return json_refusal(403, _("Finish logging in on the website first (two-factor code or password change)."))
        url = reverse(step)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)
