"""What every API router shares: authentication, tokens, errors, pagination and the offline docs page.

Errors all have one shape, in the request's language (Chinese unless the client asks otherwise)::

    {"detail": "提交的数据有误。", "errors": [{"field": "name", "message": "此项为必填项。"}]}

401 unauthenticated, 403 a failed CSRF check on a session request, 404 anything outside the
user's subtree (never 403), 409 a concurrent edit, 422 invalid data.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from pathlib import Path as FilePath
from typing import Any

import ninja
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import JSONField, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Field, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import DocsBase
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import AuthRateThrottle
from ninja.utils import check_csrf

from dangjian.core import audit, crypto, parameters, tree

# The input types live in apitypes; the modules that import them from here find them here too.
from dangjian.core.apitypes import ApiDate, Id, InputSchema, PageParams, PathId, RequiredText, Text  # noqa: F401
from dangjian.core.models import ApiToken, Parameter
from dangjian.core.services import ConcurrentEditError

logger = logging.getLogger("dangjian.api")

# --- Output --------------------------------------------------------------------


class FieldError(Schema):
    field: str | None = Field(None, description="The input field, or null for an error about the whole request.")
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


def paginate(queryset, params: PageParams) -> dict[str, Any]:
    """One page of a queryset: always two queries (count and rows), whatever the page size."""
    start = (params.page - 1) * params.page_size
    return {
        "count": queryset.count(),
        "page": params.page,
        "page_size": params.page_size,
        "items": list(queryset[start : start + params.page_size]),
    }


def in_subtree(queryset, org, field: str = "org_path"):
    """``queryset`` narrowed to the subtree of ``org`` (a list filter), or unchanged when it is None."""
    return queryset if org is None else queryset.filter(tree.subtree_q(field, org.path))


def none_to_blank(data: dict, names) -> dict:
    """A partial update's values as the service expects them: null for a text column means blank."""
    for name in names:
        if name in data and data[name] is None:
            data[name] = ""
    return data


def changes(payload, *, blank=(), choices=(), exclude=()) -> tuple[dict[str, Any], int | None]:
    """The fields a partial update (PATCH) sent, as the service reads them, and the version the client read.

    ``blank``: text fields whose null means blank; ``choices``: choice fields, passed on as plain
    strings; ``exclude``: fields the route reads itself (an attendance sheet). No body: no change.
    """
    if payload is None:
        return {}, None
    data = payload.model_dump(exclude_unset=True, exclude={"version", *exclude})
    none_to_blank(data, blank)
    for name in choices:
        if data.get(name) is not None:
            data[name] = str(data[name])
    return data, payload.version


def error_responses(*codes: int) -> dict[int, type[ErrorOut]]:
    """The documented error answers of an operation (every route may answer 401)."""
    return dict.fromkeys(sorted({401, *codes}), ErrorOut)


class UnicodeJSONRenderer(JSONRenderer):
    """JSON in UTF-8 rather than ``\\uXXXX`` escapes: Chinese stays readable on the wire."""

    json_dumps_params = {"ensure_ascii": False}


# --- Errors ----------------------------------------------------------------------

# Model fields whose errors belong to an input field of another name.
FIELD_ALIASES = {
    "id_number_enc": "id_number",
    "id_number_hash": "id_number",
    "phone_enc": "phone",
    "org_path": "org",
}


class ApiError(Exception):
    """An error answer with a status, a message and optional field errors."""

    def __init__(self, status: int, detail: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []


def field_error(field: str | None, message: str) -> ApiError:
    """A 422 answer about one input field."""
    return ApiError(422, _("The submitted data is not valid."), [{"field": field, "message": message}])


def django_errors(exc: DjangoValidationError) -> list[dict[str, Any]]:
    """A service's ``ValidationError`` as ``[{"field", "message"}]``."""
    if hasattr(exc, "error_dict"):
        return [
            {"field": None if name == NON_FIELD_ERRORS else FIELD_ALIASES.get(name, name), "message": message}
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": None, "message": message} for message in exc.messages]


def _limit(ctx: dict, *names: str):
    for name in names:
        if name in ctx:
            return ctx[name]
    return ""


def pydantic_message(error: dict[str, Any]) -> str:
    """A translated message for one pydantic error (pydantic's own messages are English only)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("This field is not accepted here.")
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])
    if kind == "string_too_long":
        n = ctx.get("max_length", 0)
        return ngettext("Enter at most %(n)d character.", "Enter at most %(n)d characters.", n) % {"n": n}
    if kind == "string_too_short":
        n = ctx.get("min_length", 0)
        return ngettext("Enter at least %(n)d character.", "Enter at least %(n)d characters.", n) % {"n": n}
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {
            "limit_value": _limit(ctx, "ge", "gt")
        }
    if kind in {"less_than_equal", "less_than"}:
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {
            "limit_value": _limit(ctx, "le", "lt")
        }
    if kind.startswith("int_"):
        return _("Enter a whole number.")
    if kind.startswith("bool_"):
        return _("Enter true or false.")
    if kind.startswith(("date_", "datetime_")):
        return _("Enter a valid date.")
    if kind in {"enum", "literal_error"}:
        return _("Select a valid choice. That choice is not one of the available choices.")
    if kind in {"model_type", "model_attributes_type", "dict_type", "json_invalid", "json_type"}:
        return _("The request body must be a JSON object.")
    return _("Enter a valid value.")


def pydantic_field(loc) -> str | None:
    """``("body", "payload", "name")`` → ``"name"``; ``("query", "page")`` → ``"page"``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[2:]  # the body parameter's own name says nothing to the client
    elif parts:
        parts = parts[1:]
    return ".".join(parts) or None


def _respond(api: ninja.NinjaAPI, request: HttpRequest, status: int, detail: str, errors=None) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


def install_error_handlers(api: ninja.NinjaAPI) -> None:
    """Every error the API can give, in one JSON shape and in the request's language."""

    @api.exception_handler(ApiError)
    def on_api_error(request, exc: ApiError):
        return _respond(api, request, exc.status, exc.detail, exc.errors)

    @api.exception_handler(NinjaValidationError)
    def on_invalid_input(request, exc: NinjaValidationError):
        errors = [{"field": pydantic_field(e.get("loc", ())), "message": pydantic_message(e)} for e in exc.errors]
        return _respond(api, request, 422, _("The submitted data is not valid."), errors)

    @api.exception_handler(ConcurrentEditError)
    def on_concurrent_edit(request, exc: ConcurrentEditError):
        return _respond(
            api, request, 409, " ".join(exc.messages), [{"field": "version", "message": m} for m in exc.messages]
        )

    @api.exception_handler(DjangoValidationError)
    def on_rejected_by_service(request, exc: DjangoValidationError):
        return _respond(api, request, 422, _("The submitted data is not valid."), django_errors(exc))

    @api.exception_handler(IntegrityError)
    def on_integrity_error(request, exc: IntegrityError):
        logger.warning("API write refused by the database: %s", exc)
        return _respond(
            api, request, 409, _("The change conflicts with data saved at the same time. Reload and try again.")
        )

    @api.exception_handler(Http404)
    def on_not_found(request, exc: Http404):
        return _respond(api, request, 404, _("Not found."))

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc: AuthenticationError):
        response = _respond(api, request, 401, _("Log in, or send a valid API token."))
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(HttpError)
    def on_http_error(request, exc: HttpError):
        messages = {
            400: _("The request body is not valid JSON."),
            403: _("CSRF verification failed. Request aborted."),
            429: _("Too many requests. Try again later."),
        }
        return _respond(api, request, exc.status_code, messages.get(exc.status_code, _("The request was refused.")))


# --- Rate limit -----------------------------------------------------------------


class UserRateLimit(AuthRateThrottle):
    """At most ``API_RATE_LIMIT`` requests (e.g. ``"1200/m"``) per user, or per address without a login.

    The rate is read on every request, so operators and tests can change it; an empty value
    switches the limit off. Counts live in Django's cache (per process with the default
    local-memory cache; configure a shared cache when several app servers run). Login attempts
    have their own, stricter limit: the lockout (django-axes).
    """

    def __init__(self):
        super().__init__(rate="1/s")  # replaced from the settings on each request

    def allow_request(self, request) -> bool:
        rate = getattr(settings, "API_RATE_LIMIT", None)
        if not rate:
            return True
        self.num_requests, self.duration = self.parse_rate(rate)
        return super().allow_request(request)

    def get_cache_key(self, request) -> str:
        user = getattr(request, "auth", None)
        ident = f"user{user.pk}" if getattr(user, "pk", None) is not None else self.get_ident(request)
        return f"dangjian_api_rate_{ident}"


# --- Authentication ------------------------------------------------------------

TOKEN_PREFIX = "dj_"  # noqa: S105 - marks our tokens, not a secret
TOKEN_TOUCH_SECONDS = 60  # write last_used_at at most once a minute per token


def token_hash(secret: str) -> str:
    """SM3 of the secret: tokens are 256 random bits, so a fast unkeyed hash cannot be reversed."""
    return crypto.sm3_hex(secret.encode())


def token_limits() -> tuple[dt.timedelta, dt.timedelta]:
    """The token lifetime from its issue and the idle time after its last use (rules a department sets:
    ``auth.token_lifetime_days``, ``auth.token_idle_days``), in one query."""
    values = parameters.get_many(["auth.token_lifetime_days", "auth.token_idle_days"])
    return dt.timedelta(days=values["auth.token_lifetime_days"]), dt.timedelta(days=values["auth.token_idle_days"])


def token_lifetime() -> dt.timedelta:
    return token_limits()[0]


@transaction.atomic
def api_token_issue(*, user, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it with its secret (shown once, stored only as a hash)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=token_hash(secret),
        prefix=secret[:10],
        name=name,
        expires_at=timezone.now() + token_lifetime(),
    )
    audit.record(actor=user, action="api_login", obj=token, object_repr=f"{user.get_username()} {token.prefix}…")
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(actor=actor, action="api_logout", obj=token, object_repr=f"{actor.get_username()} {token.prefix}…")


def api_tokens_revoke_all(user) -> int:
    """Revoke every usable token of ``user`` (a password change or reset, a deactivation): how many.
    The caller audits it, in its own transaction."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def token_usable(token: ApiToken, now: dt.datetime, limits: tuple[dt.timedelta, dt.timedelta]) -> bool:
    """Whether ``token`` works at ``now`` under the rules ``limits`` (:func:`token_limits`)."""
    lifetime, idle = limits
    return (
        token.is_usable(now)
        and token.created_at + lifetime > now
        and (token.last_used_at or token.created_at) + idle > now
    )


TOKEN_RULES = {"rule_lifetime": "auth.token_lifetime_days", "rule_idle": "auth.token_idle_days"}


def _rule_in_force(key: str, day: dt.date) -> Subquery:
    """The value of parameter ``key`` in force on ``day`` (NULL without a row: the default applies),
    as a subquery, so that the token and its rules come in one query."""
    rows = Parameter.objects.filter(key=key, effective_from__lte=day).order_by("-effective_from", "-id")
    return Subquery(rows.values("value")[:1], output_field=JSONField())


def token_user(secret: str):
    """The active user a usable token belongs to, or None; notes when the token was last used.

    Usable: not revoked, not expired, issued less than ``auth.token_lifetime_days`` ago and used (or
    issued) less than ``auth.token_idle_days`` ago: the rules in force now, so that shortening them
    also shortens the tokens already issued. One query (the rules are subqueries of it).
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 128:
        return None, None
    now = timezone.now()
    today = timezone.localdate(now)
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(secret), revoked_at__isnull=True, expires_at__gt=now)
        .annotate(**{name: _rule_in_force(key, today) for name, key in TOKEN_RULES.items()})
        .first()
    )
    if token is None or not token.user.is_active:
        return None, None
    limits = tuple(  # (lifetime, idle), a rule without a row at its default
        dt.timedelta(days=parameters.DEFAULTS[key][0] if getattr(token, name) is None else getattr(token, name))
        for name, key in TOKEN_RULES.items()
    )
    if not token_usable(token, now, limits):
        return None, None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= TOKEN_TOUCH_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer dj_…`` with a token from ``POST /auth/token``."""

    def authenticate(self, request: HttpRequest, token: str):
        user, api_token = token_user(token)
        if user is None:
            return None
        request.api_token = api_token
        return user


class SessionAuth(APIKeyCookie):
    """The web session, for pages that call the API. Unsafe methods need the CSRF token.

    Unlike ninja's ``SessionAuth``, the CSRF check runs only once a session user is known, so
    that a request without any credentials is answered 401 rather than 403.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check failed")
        return getattr(user, "_wrapped", user)


def api_auth() -> list:
    return [TokenAuth(), SessionAuth()]


# --- Docs without the internet -------------------------------------------------------

NINJA_STATIC = FilePath(ninja.__file__).parent / "static" / "ninja"
DOCS_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.png", "favicon.svg"}


class OfflineSwagger(DocsBase):
    """Swagger UI from the copy bundled with django-ninja, served by the API itself.

    ninja's own page loads Swagger UI from a CDN unless ``ninja`` is in INSTALLED_APPS; this
    page works on an intranet without internet access.
    """

    swagger_settings = {"layout": "BaseLayout", "deepLinking": True}

    def render_page(self, request: HttpRequest, api: ninja.NinjaAPI, **kwargs: Any) -> HttpResponse:
        config = {**self.swagger_settings, "url": self.get_openapi_url(api, kwargs)}

        def asset(name: str) -> str:
            return reverse(f"{api.urls_namespace}:docs-asset", kwargs={"name": name})

        html = f"""<!DOCTYPE html>
<html lang="{escape(getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE))}">
<head>
<meta charset="utf-8">
<title>{escape(api.title)}</title>
<link rel="stylesheet" href="{asset("swagger-ui.css")}">
<link rel="icon" href="{asset("favicon.svg")}" type="image/svg+xml">
</head>
<body data-csrf-token="{escape(get_token(request))}" data-api-csrf="true">
<script type="application/json" id="swagger-settings">{json.dumps(config).replace("<", "\\u003c")}</script>
<div id="swagger-ui"></div>
<script src="{asset("swagger-ui-bundle.js")}"></script>
<script src="{asset("swagger-ui-init.js")}"></script>
</body>
</html>"""
        return HttpResponse(html)


def docs_asset(request, name: str):
    if name not in DOCS_ASSETS:
        raise Http404
    response = FileResponse((NINJA_STATIC / name).open("rb"))
    response["Cache-Control"] = "public, max-age=86400"
    return response
