"""The REST API under ``/api/v1/``: one NinjaAPI, one router per app.

OpenAPI 3 schema at ``/api/v1/openapi.json``, Swagger UI at ``/api/v1/docs`` (served from the
copy bundled with django-ninja, no CDN). Every route takes a bearer token (``POST /auth/token``)
or the web session (with the CSRF token on unsafe methods). With ``API_DOCS_LOGIN_REQUIRED`` (on
in production) the schema and the docs page need one too: the schema maps every route and field
of the personal data an attacker would look for.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from dangjian.accounts.api import router as accounts_router
from dangjian.cadres.api import router as reserve_router
from dangjian.community.api import router as community_router
from dangjian.core import api as core_api
from dangjian.members.api import router as members_router
from dangjian.organizations.api import router as organizations_router
from dangjian.orglife.api import router as orglife_router
from dangjian.points.api import router as points_router
from dangjian.posts.api import router as posts_router
from dangjian.rectification.api import router as rectification_router
from dangjian.reports.api import router as reports_router
from dangjian.training.api import router as training_router


class API(NinjaAPI):
    """Operation ids are made from the view's module and name; a module that moved to another app
    keeps the ids it gave (clients generated from the schema name their methods after them)."""

    MOVED_MODULES = {
        "dangjian.posts.api": "dangjian.members.post_api",
        "dangjian.cadres.api": "dangjian.members.reserve_api",
    }

    def get_openapi_operation_id(self, operation) -> str:
        module = self.MOVED_MODULES.get(operation.view_func.__module__, operation.view_func.__module__)
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")


def docs_login_required(view):
    """The schema and the docs page for a signed-in session or a valid bearer token only (when
    ``API_DOCS_LOGIN_REQUIRED``): the schema answers 401 in the API's error shape, the page sends
    a browser to the login page."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not getattr(settings, "API_DOCS_LOGIN_REQUIRED", True) or _signed_in(request):
            return view(request, *args, **kwargs)
        if request.resolver_match and request.resolver_match.url_name == "openapi-view":
            return redirect_to_login(request.get_full_path())
        detail = _("Log in, or send a valid API token.")  # as every route answers (core.api)
        response = api.create_response(request, {"detail": detail, "errors": []}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    return guarded


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated) or core_api.TokenAuth()(request) is not None


api = API(
    title="Dangjian API",
    version="1",
    description=(
        "Party-building platform API. Authenticate with `POST /api/v1/auth/token` and send "
        "`Authorization: Bearer <token>`, or use the web session (send `X-CSRFToken` on unsafe methods). "
        "Records outside your subtree answer 404. Errors: "
        '`{"detail": "...", "errors": [{"field": "...", "message": "..."}]}` in the request\'s language '
        "(Chinese by default)."
    ),
    urls_namespace="api-v1",
    auth=core_api.api_auth(),
    docs=core_api.OfflineSwagger(),
    docs_decorator=docs_login_required,
    renderer=core_api.UnicodeJSONRenderer(),
    throttle=[core_api.UserRateLimit()],
)
core_api.install_error_handlers(api)
api.get("/docs/assets/{name}", auth=None, include_in_schema=False, url_name="docs-asset")(core_api.docs_asset)

api.add_router("/auth", accounts_router)
api.add_router("/organizations", organizations_router)
api.add_router("/members", members_router)
api.add_router("/posts", posts_router)
api.add_router("/reserve-cadres", reserve_router)
api.add_router("/orglife", orglife_router)
api.add_router("/points", points_router)
api.add_router("/training", training_router)
api.add_router("/rectification", rectification_router)
api.add_router("/community", community_router)
api.add_router("/reports", reports_router)
