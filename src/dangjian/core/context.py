"""Request context (source address, request id) for audit events written by services."""

from __future__ import annotations

import contextvars
import ipaddress
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    source: str = "cli"
    request_id: str = ""


current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("dangjian_request", default=RequestContext())  # noqa: B039 - frozen dataclass


@contextmanager
def using(ctx: RequestContext):
    token = current.set(ctx)
    try:
        yield ctx
    finally:
        current.reset(token)


def client_address(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind ``TRUSTED_PROXIES`` reverse proxies the
    address the outermost trusted proxy saw, read from ``X-Forwarded-For``.

    Each trusted proxy appends the address it received the request from, so with N proxies the
    client is the N-th entry from the right; entries further left were written by the client and
    are never believed. With too few entries (a request that bypassed a proxy) the leftmost one
    the proxies vouch for is used. The audit's source and the login lockout both read this.
    """
    from django.conf import settings

    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if not forwarded:
        return remote
    candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # not an address: what the nearest proxy connected from is all we know
        return remote
