"""The ``/auth`` routes of the API: a token for a username and password (with the web login's lockout,
password and second-factor rules), revoking it, and who the caller is."""

from __future__ import annotations

import datetime as dt

import ninja
from django.contrib.auth import get_backends
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from ninja import Field, Router, Schema

from dangjian.accounts.lockout import api_login_failed as lockout_count_failure
from dangjian.accounts.queries import own_tokens, token_refusal
from dangjian.accounts.services import login_failure_watch, own_token_revoke
from dangjian.core import audit
from dangjian.core.api import (
    ApiError,
    InputSchema,
    PathId,
    Text,
    TokenAuth,
    api_token_issue,
    api_token_revoke,
    error_responses,
)
from dangjian.core.models import AuditEvent, RoleAssignment, User
from dangjian.core.scoping import can_see_full_id


def api_login_failed(*, username: str) -> None:
    username = username[:150].replace("\r", "\\r").replace("\n", "\\n")  # one line per attempt in the log
    audit.record(
        actor=username or "anonymous",
        action="api_login",
        outcome=AuditEvent.Outcome.FAILURE,
        object_type="core.user",
        object_repr=username,
    )
    login_failure_watch(username=username)


router = Router(tags=["auth"])
# The operation ids these routes had when they lived in ``dangjian.core.api``: clients generated from the
# OpenAPI document keep their method names.
OPERATION_IDS = {name: f"dangjian_core_api_{name}" for name in ("token_issue", "token_revoke", "me")}
OPERATION_IDS |= {"token_list": "accounts_token_list", "token_revoke_one": "accounts_token_revoke_one"}


class LoginIn(InputSchema):
    username: Text = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=4096)
    name: Text = Field("", max_length=64, description="A label for the token, e.g. the script that uses it.")
    otp: str | None = Field(
        None,
        pattern=r"^[0-9]{6,8}$",
        description="The current two-factor (TOTP) code: required when the account has a device.",
    )


class TokenOut(Schema):
    token: str = Field(..., description="Send as `Authorization: Bearer <token>`. Shown only once.")
    token_type: str = "Bearer"  # noqa: S105 - the scheme name
    expires_at: dt.datetime


class TokenInfoOut(Schema):
    id: int
    prefix: str = Field(..., description="The first characters of the secret, to tell tokens apart.")
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    usable: bool = Field(..., description="Whether the token works now (lifetime and idle rules included).")


class RoleOut(Schema):
    role: str
    role_label: str
    org_id: int
    org_name: str


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    roles: list[RoleOut]
    can_see_full_id: bool
    auth: str = Field(..., description="`token` or `session`.")


@sensitive_variables("password")
def _check_credentials(request, username: str, password: str):
    """The user these credentials belong to, asking each authentication backend in turn.

    Like ``django.contrib.auth.authenticate`` but without its ``user_login_failed`` signal, whose
    receiver audits web logins: a failed token request is audited once, as ``api_login``.
    """
    for backend in get_backends():
        try:
            user = backend.authenticate(request, username=username, password=password)
        except PermissionDenied:
            return None
        if user is not None:
            return user
    return None


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, **error_responses(400, 422, 429)},
    summary="Issue an API token",
    operation_id=OPERATION_IDS["token_issue"],
)
def token_issue(request, payload: LoginIn):
    """Exchange a username and password for a bearer token (valid ``auth.token_lifetime_days`` days,
    default 7, and until unused for ``auth.token_idle_days`` days, default 2; a password change revokes it).

    Failures count towards the same lockout as web logins (per account and per address): while
    locked, even the right password is refused with 429.
    """
    user = _check_credentials(request, payload.username, payload.password)
    if user is None or not user.is_active:
        api_login_failed(username=payload.username)
        lockout = lockout_count_failure(request, payload.username)
        if lockout is not None:
            raise ApiError(429, lockout.message())
        label = User._meta.get_field(User.USERNAME_FIELD).verbose_name
        raise ApiError(
            401,
            _("Please enter a correct %(username)s and password. Note that both fields may be case-sensitive.")
            % {"username": label},
        )
    refusal = token_refusal(user, payload.otp)
    if refusal is not None:
        status, message = refusal
        api_login_failed(username=payload.username)
        if status == 401:
            lockout = lockout_count_failure(request, payload.username)
            if lockout is not None:
                raise ApiError(429, lockout.message())
        raise ApiError(status, message)
    token, secret = api_token_issue(user=user, name=payload.name)
    return {"token": secret, "token_type": "Bearer", "expires_at": token.expires_at}


@router.delete(
    "/token",
    auth=[TokenAuth()],
    response={204: None, **error_responses()},
    summary="Revoke this token",
    operation_id=OPERATION_IDS["token_revoke"],
)
def token_revoke(request):
    """Revoke the bearer token this request was made with."""
    api_token_revoke(actor=request.auth, token=request.api_token)
    return ninja.Status(204, None)


@router.get(
    "/tokens",
    response={200: list[TokenInfoOut], **error_responses()},
    summary="Your API tokens",
    operation_id=OPERATION_IDS["token_list"],
)
def token_list(request):
    """The caller's own tokens, newest first (at most 100), revoked and expired ones included."""
    return own_tokens(request.auth)


@router.delete(
    "/tokens/{token_id}",
    response={204: None, **error_responses(404, 422)},
    summary="Revoke one of your API tokens",
    operation_id=OPERATION_IDS["token_revoke_one"],
)
def token_revoke_one(request, token_id: PathId):
    """Revoke one of the caller's own usable tokens; 404 for any other id (someone else's, revoked)."""
    if not own_token_revoke(user=request.auth, token_id=token_id):
        raise ApiError(404, _("Not found."))
    return ninja.Status(204, None)


@router.get(
    "/me",
    response={200: MeOut, **error_responses()},
    summary="The current user and their roles",
    operation_id=OPERATION_IDS["me"],
)
def me(request):
    user = request.auth
    assignments = (
        RoleAssignment.objects.filter(user=user, org__dissolved_on__isnull=True)
        .select_related("org")
        .order_by("org__path", "role")
    )
    return {
        "id": user.pk,
        "username": user.get_username(),
        "full_name": user.full_name,
        "roles": [
            {"role": a.role, "role_label": a.get_role_display(), "org_id": a.org_id, "org_name": a.org.name}
            for a in assignments
        ],
        "can_see_full_id": can_see_full_id(user),
        "auth": "token" if getattr(request, "api_token", None) else "session",
    }
