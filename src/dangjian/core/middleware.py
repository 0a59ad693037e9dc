"""Middleware that puts the source address and a request id where services can read them."""

from __future__ import annotations

import uuid

from dangjian.core import context


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        ctx = context.RequestContext(source=request.META.get("REMOTE_ADDR", ""), request_id=request.request_id)
        with context.using(ctx):
            response = self.get_response(request)
        response.headers.setdefault("Cache-Control", "no-store")
        return response
