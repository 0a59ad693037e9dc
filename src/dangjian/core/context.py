"""Request context (source address, request id) for audit events written by services."""

from __future__ import annotations

import contextvars
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
