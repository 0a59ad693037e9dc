"""Middleware that puts the source address and a request id where services can read them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.utils import translation

from dangjian.core import context


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        ctx = context.RequestContext(source=context.client_address(request), request_id=request.request_id)
        with context.using(ctx):
            response = self.get_response(request)
        response.headers.setdefault("Cache-Control", "no-store")
        return response


class LanguageMiddleware:
    """Simplified Chinese unless the user chose another language (the language cookie).

    Department PCs and phones often run English-language browsers; the interface must not
    switch to English because of a browser setting. API clients, which are programs, may
    still ask for a language with Accept-Language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supported = dict(settings.LANGUAGES)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in supported:
            language = settings.LANGUAGE_CODE
            if request.path.startswith("/api/"):
                asked = translation.get_language_from_request(request)
                language = asked if asked in supported else language
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
