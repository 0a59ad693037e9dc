"""Account pages: login, the account's security page, password change, two-factor enrolment,
verification and removal; and the system and security administrators' pages (三员分立): the system
administrator manages accounts (``system/users/``), the security administrator grants and revokes
roles (``security/roles/``). Each of those is a 404 for everyone else."""

from __future__ import annotations

import base64
import datetime as dt

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from dangjian.accounts import lockout, queries, services
from dangjian.accounts import session as keys
from dangjian.accounts.conf import setting
from dangjian.accounts.forms import (
    ActivationForm,
    LoginForm,
    PasswordChangeForm,
    RoleGrantForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
)
from dangjian.accounts.middleware import password_expired
from dangjian.core.models import RoleAssignment, User
from dangjian.core.pages import paged, require_role
from dangjian.core.roles import ADMIN_ROLES, Role
from dangjian.core.scoping import get_visible_or_404


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


@login_required
def token_list(request):
    """The user's own API tokens: which work, when each was last used; revoke any of them."""
    return render(request, "accounts/tokens.html", {"tokens": queries.own_tokens(request.user)})


@require_POST
@login_required
def token_revoke(request, pk: int):
    if not services.own_token_revoke(user=request.user, token_id=pk):
        raise Http404
    messages.success(request, _("The API token was revoked."))
    return redirect("account-tokens")


# --- 三员分立, the system administrator: accounts ------------------------------------------------------------------
def _manageable_user_or_404(request, pk: int) -> User:
    require_role(request.user, Role.SYSADMIN)
    return get_visible_or_404(queries.users_manageable_by(request.user), pk=pk)


@login_required
def user_list(request):
    """Accounts whose roles all lie in the system administrator's subtree; administrators are read-only."""
    require_role(request.user, Role.SYSADMIN)
    users = queries.users_visible_to_sysadmin(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    grants = RoleAssignment.objects.select_related("org").order_by("role", "org__path")
    users = users.order_by("username").prefetch_related(Prefetch("role_assignments", queryset=grants))
    page, query = paged(request, users)
    for account in page:
        roles = account.role_assignments.all()
        account.is_administrator = account.is_superuser or any(r.role in ADMIN_ROLES for r in roles)
        account.manageable = not account.is_administrator and account.pk != request.user.pk
    return render(request, "accounts/users.html", {"page_obj": page, "q": q, "query": query})


@login_required
def user_create(request):
    require_role(request.user, Role.SYSADMIN)
    form = UserCreateForm(request.POST or None)
    if form.submitted(request, lambda d: services.user_create(actor=request.user, **d)):
        account, activation = form.result
        return render(request, "accounts/user_password.html", {"account": account, "activation": activation})
    return render(request, "accounts/user_form.html", {"form": form, "account": None})


@login_required
def user_edit(request, pk: int):
    account = _manageable_user_or_404(request, pk)
    form = UserEditForm(request.POST or None, initial={"full_name": account.full_name})
    if form.submitted(
        request, lambda d: services.user_update(actor=request.user, user=account, full_name=d["full_name"])
    ):
        messages.success(request, _("Saved."))
        return redirect("user-list")
    return render(request, "accounts/user_form.html", {"form": form, "account": account})


def _account_switch(service, message):
    """A POST-only page that runs ``service(actor=…, user=…)`` on a manageable account, then back to the list."""

    @require_POST
    @login_required
    def view(request, pk: int):
        account = _manageable_user_or_404(request, pk)
        service(actor=request.user, user=account)
        messages.success(request, message % {"name": account.get_username()})
        return redirect("user-list")

    return view


user_deactivate = _account_switch(services.user_deactivate, gettext_lazy("The account %(name)s was deactivated."))
user_activate = _account_switch(services.user_activate, gettext_lazy("The account %(name)s was reactivated."))


@require_POST
@login_required
def user_reset_password(request, pk: int):
    account = _manageable_user_or_404(request, pk)
    activation = services.user_reset_password(actor=request.user, user=account)
    return render(request, "accounts/user_password.html", {"account": account, "activation": activation, "reset": True})


@sensitive_post_parameters()
def activate(request):
    """The person sets their own password with the activation code they received (no login)."""
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.activation_complete(
                username=data["username"], code=data["code"], password=data["new_password1"]
            )
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            if user is not None:
                messages.success(request, _("Your password is set. Log in with it."))
                return redirect("login")
            form.add_error(None, _("The user name or the activation code is wrong, used or expired."))
    return render(request, "accounts/activate.html", {"form": form})


@login_required
def activation_list(request):
    """Activations awaiting the security administrator's approval (accounts without a delivery channel)."""
    require_role(request.user, Role.SECADMIN)
    return render(request, "accounts/activations.html", {"activations": queries.activations_awaiting(request.user)})


@require_POST
@login_required
def activation_release(request, pk: int):
    require_role(request.user, Role.SECADMIN)
    activation = get_visible_or_404(queries.activations_awaiting(request.user), pk=pk)
    try:
        code = services.activation_release(actor=request.user, activation=activation)
    except PermissionDenied as exc:
        raise Http404 from exc
    # Shown once in this response and kept nowhere (not in a message: those live in cookies).
    return render(request, "accounts/activation_code.html", {"activation": activation, "code": code})


# --- 三员分立, the security administrator: roles ---------------------------------------------------------------------
@login_required
def role_list(request):
    """Role assignments over the security administrator's subtree; grant a role here."""
    require_role(request.user, Role.SECADMIN)
    orgs = queries.organizations_for_secadmin(request.user)
    form = RoleGrantForm(request.POST or None, orgs=orgs)
    if form.submitted(
        request, lambda d: services.role_grant(actor=request.user, user=d["user"], role=d["role"], org=d["org"])
    ):
        data = form.cleaned_data
        messages.success(
            request,
            _("%(user)s now holds the role %(role)s over %(org)s.")
            % {"user": data["user"].get_username(), "role": Role(data["role"]).label, "org": data["org"].name},
        )
        return redirect("role-list")
    assignments = queries.role_assignments_for_secadmin(request.user).select_related("user", "org")
    q = request.GET.get("q", "").strip()
    if q:
        assignments = assignments.filter(Q(user__username__icontains=q) | Q(user__full_name__icontains=q))
    role = request.GET.get("role", "")
    if role in Role.values:
        assignments = assignments.filter(role=role)
    page, query = paged(request, assignments.order_by("org__path", "role", "user__username"))
    return render(
        request,
        "accounts/roles.html",
        {
            "form": form,
            "page_obj": page,
            "q": q,
            "role": role,
            "roles": Role.choices,
            "query": query,
            "login_alerts": queries.login_alerts_for_secadmin(request.user, days=1).count(),
        },
    )


@require_POST
@login_required
def role_revoke(request, pk: int):
    require_role(request.user, Role.SECADMIN)
    assignment = get_visible_or_404(
        queries.role_assignments_for_secadmin(request.user).select_related("user", "org"), pk=pk
    )
    try:
        services.role_revoke(actor=request.user, assignment=assignment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(user)s no longer holds the role %(role)s over %(org)s.")
            % {
                "user": assignment.user.get_username(),
                "role": assignment.get_role_display(),
                "org": assignment.org.name,
            },
        )
    return redirect("role-list")


@login_required
def lockout_list(request):
    """The login lockouts of the security administrator's accounts, and the alerts of many failures."""
    require_role(request.user, Role.SECADMIN)
    usernames = list(queries.users_for_secadmin(request.user).values_list("username", flat=True))
    return render(
        request,
        "accounts/lockouts.html",
        {
            "lockouts": lockout.current_lockouts(usernames),
            "alerts": queries.login_alerts_for_secadmin(request.user)[:50],
        },
    )


@require_POST
@login_required
def lockout_clear(request):
    require_role(request.user, Role.SECADMIN)
    username = request.POST.get("username", "")[:150]
    address = request.POST.get("address", "")[:64]
    try:
        services.lockout_clear(actor=request.user, username=username, address=address)
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(
        request, _("The lockout of %(name)s from %(address)s was lifted.") % {"name": username, "address": address}
    )
    return redirect("lockout-list")
