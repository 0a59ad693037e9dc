"""Account pages: login, the account's security page, password change, two-factor enrolment,
verification and removal."""

from __future__ import annotations

import base64
import datetime as dt

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from dangjian.accounts import queries, services
from dangjian.accounts import session as keys
from dangjian.accounts.conf import setting
from dangjian.accounts.forms import LoginForm, PasswordChangeForm, TokenForm
from dangjian.accounts.middleware import password_expired


class LoginView(auth_views.LoginView):
    """Django's login; a locked account or address gets the same page saying so (``lockout.lockout_response``)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm


def next_url(request, default: str = "home") -> str:
    """The ``next`` the step was reached with, if it is a page of this site; else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def session_verified(request, device) -> None:
    """Mark the session as verified by ``device`` and give it a new key (a higher privilege level)."""
    django_otp.login(request, device)
    request.session.cycle_key()
    request.session[keys.HAS_DEVICE] = True


@login_required
def account(request):
    user = request.user
    lifetime = setting("SESSION_LIFETIME_SECONDS")
    login_at = keys.read(request.session, keys.LOGIN_AT)
    return render(
        request,
        "accounts/account.html",
        {
            "password_set_at": queries.password_changed_at(user),
            "password_expires_at": queries.password_expires_at(user),
            "device": queries.otp_device(user),
            "otp_required": queries.otp_required(user),
            "login_at": login_at,
            "session_ends_at": login_at + dt.timedelta(seconds=lifetime) if login_at and lifetime else None,
            "idle_minutes": request.session.get_expiry_age() // 60,
        },
    )


@sensitive_post_parameters()
@login_required
def password_change(request):
    user = request.user
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_change(user=user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)  # keeps this session, with a new key; ends the others
        keys.stamp(request.session, keys.PASSWORD_SET_AT)
        messages.success(request, _("Your password has been changed."))
        return redirect(next_url(request, "account"))
    return render(
        request,
        "accounts/password_change.html",
        {
            "form": form,
            "forced": user.must_change_password,
            "expired": not user.must_change_password and password_expired(request, user),
            "next": next_url(request, ""),
        },
    )


def otp_throttle_message(device) -> str | None:
    allowed, _details = device.verify_is_allowed()
    if allowed:
        return None
    return _("Too many wrong codes. Wait a little and try again.")


@login_required
def otp_verify(request):
    """The second step of a login, for a user with a device."""
    user = request.user
    device = queries.otp_device(user)
    if device is None:
        return redirect("account-otp-enrol")
    if user.is_verified():
        return redirect(next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = otp_throttle_message(device)
        if throttled:
            form.add_error("token", throttled)
        elif services.otp_verify(user=user, device=device, token=form.cleaned_data["token"]):
            session_verified(request, device)
            return redirect(next_url(request))
        else:
            form.add_error("token", _("The code is wrong or has already been used. Wait for a new code."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url(request, "")})


def grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def otp_enrol(request):
    """Turn on two-factor: scan the QR code (or type the key) into an authenticator app, enter a code."""
    user = request.user
    if queries.otp_device(user) is not None:
        messages.info(request, _("Two-factor authentication is already on."))
        return redirect("account")
    device = services.otp_pending_device(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = otp_throttle_message(device)
        if throttled:
            form.add_error("token", throttled)
        elif services.otp_enrol(user=user, device=device, token=form.cleaned_data["token"]):
            session_verified(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(next_url(request, "account"))
        else:
            form.add_error("token", _("The code is wrong or has already been used. Wait for a new code."))
    uri = device.config_url
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", omitsize=False)
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "uri": uri,
            "qr_svg": mark_safe(qr_svg),  # noqa: S308 - generated by segno from our own URI, no user markup
            "secret": grouped(base64.b32encode(device.bin_key).decode()),
            "required": queries.otp_required(user),
            "next": next_url(request, ""),
        },
    )


@require_POST
@login_required
def otp_remove(request):
    user = request.user
    device = queries.otp_device(user)
    if device is None:
        return redirect("account")
    if queries.otp_required(user):
        messages.error(request, _("Your role requires two-factor authentication: it cannot be turned off."))
        return redirect("account")
    form = TokenForm(request.POST)
    if form.is_valid() and not otp_throttle_message(device):
        if services.otp_remove(user=user, device=device, token=form.cleaned_data["token"]):
            request.session[keys.HAS_DEVICE] = False
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("account")
    messages.error(request, _("The code is wrong or has already been used. Wait for a new code."))
    return redirect("account")
