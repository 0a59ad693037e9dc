"""The API client of the tests and the helpers that read its answers."""

from __future__ import annotations

import json
import re

from django.test import Client
from django.utils import translation

from dangjian.core.api import api_token_issue

CJK = re.compile(r"[\u4e00-\u9fff]")


class ApiClient:
    """``api.get("/organizations")`` → the Django test response, against ``/api/v1``."""

    def __init__(self, client: Client, headers: dict[str, str] | None = None):
        self.client = client
        self.headers = headers or {}

    def _call(self, method: str, path: str, data=None, **extra):
        url = path if path.startswith("/api/v1/") else "/api/v1" + path
        kwargs = {**self.headers, **extra}
        if method == "get":
            return self.client.get(url, data or {}, **kwargs)
        body = "" if data is None else json.dumps(data)
        return getattr(self.client, method)(url, body, content_type="application/json", **kwargs)

    def get(self, path, params=None, **extra):
        return self._call("get", path, params, **extra)

    def post(self, path, data=None, **extra):
        return self._call("post", path, data, **extra)

    def put(self, path, data=None, **extra):
        return self._call("put", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self._call("patch", path, data, **extra)

    def delete(self, path, **extra):
        return self._call("delete", path, **extra)


def api_client_for(user) -> ApiClient:
    """A client sending a fresh bearer token of ``user``."""
    _token, secret = api_token_issue(user=user)
    return ApiClient(Client(), {"HTTP_AUTHORIZATION": f"Bearer {secret}"})


def field_errors(response) -> dict[str, str]:
    """``{field: message}`` of a 422 answer."""
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def zh(msgid: str) -> str:
    """What a message reads in the site's default language (the catalog's translation, if any)."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def has_chinese(text: str) -> bool:
    return bool(CJK.search(text))
