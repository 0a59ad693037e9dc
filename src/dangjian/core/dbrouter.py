"""Report and dashboard reads on a read replica (``DANGJIAN_REPLICA_URL``), everything else on the primary.

A read goes to the ``replica`` alias only when all of these hold:

- a replica is configured (the ``replica`` alias exists: settings' replica block, from ``DANGJIAN_REPLICA_URL``);
- the code runs inside :func:`reporting` (a context manager and decorator), which
  :class:`ReportingMiddleware` enters for the GET/HEAD views named in ``settings.REPORT_VIEWS``
  (dashboards, figures tables, exports) — a view may also use ``with reporting():`` itself;
- nothing has been written in this request (or this ``reporting()`` block) yet: after the first write,
  every read of the request stays on the primary, so a request reads what it wrote;
- the primary connection is not inside a transaction (a read inside a write's transaction, such as the
  audit chain's ``select_for_update``, must see that transaction);
- the model is not one of :data:`PRIMARY_ONLY` (sessions, accounts, roles, tokens, the audit chain: what
  decides who may see what is never read from a copy that may lag behind a revocation).

Without a replica the router answers ``None`` for every read, and Django uses ``default`` as it would
without a router. Writes and migrations always go to ``default``; the replica is a byte-for-byte
streaming standby of it (docs/scale.md "Read replicas"), so migrations never run there and relations
between the two aliases are allowed (they are the same rows).

A replica lags behind the primary by the time it takes to replay the WAL (milliseconds on a LAN): a
report may miss a record saved a moment ago in another request. Reports are read-only summaries, for
which that is acceptable; forms and detail pages never read from the replica.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

# Apps and models read on the primary only, whatever the request.
PRIMARY_ONLY_APPS = frozenset(
    {"sessions", "auth", "contenttypes", "axes", "otp_totp", "otp_static", "django_otp", "accounts"}
)
PRIMARY_ONLY = frozenset(
    {"core.user", "core.roleassignment", "core.apitoken", "core.auditevent", "core.auditchainhead"}
)


@dataclass
class _State:
    reporting: bool = False
    wrote: bool = False


_state: contextvars.ContextVar[_State | None] = contextvars.ContextVar("dangjian_db_state", default=None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def reporting() -> Iterator[None]:
    """Reads inside are report reads: on the replica where one is configured (see the module).

    Nested inside a request's state it marks that state (a write before it still pins the request to
    the primary); on its own (a command, a test) it makes a state of its own.
    """
    state = _state.get()
    if state is not None:
        before = state.reporting
        state.reporting = True
        try:
            yield
        finally:
            state.reporting = before
        return
    token = _state.set(_State(reporting=True))
    try:
        yield
    finally:
        _state.reset(token)


def report_view(view):
    """Decorator: the whole view's reads are report reads (only GET and HEAD: a POST writes)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        with reporting():
            return view(request, *args, **kwargs)

    return wrapped


def reads_on_replica() -> bool:
    state = _state.get()
    return bool(
        state is not None and state.reporting and not state.wrote and replica_configured() and not _in_transaction()
    )


def _in_transaction() -> bool:
    """Inside a transaction on the primary (not counting the one a test case wraps each test in)."""
    return any(not getattr(block, "_from_testcase", False) for block in connections[DEFAULT_DB_ALIAS].atomic_blocks)


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry (settings' replica block)."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label in PRIMARY_ONLY_APPS or model._meta.label_lower in PRIMARY_ONLY:
            return None
        return REPLICA if reads_on_replica() else None

    def db_for_write(self, model, **hints):
        state = _state.get()
        if state is not None:
            state.wrote = True  # the rest of the request reads what it wrote: on the primary
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # a standby replays the primary's schema; it is never migrated


class ReportingMiddleware:
    """A fresh routing state per request; report reads for the GET/HEAD views named in
    ``settings.REPORT_VIEWS`` (URL names), including a streamed response's body (exports)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = _State()
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if state.reporting and getattr(response, "streaming", False):
            response.streaming_content = _replayed(response.streaming_content, state)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if request.method in ("GET", "HEAD") and match is not None and is_report_view(match.url_name or ""):
            _state.get().reporting = True


def _replayed(chunks, state: _State):
    """A streamed body produced under the request's routing state (it is iterated after the view returned)."""
    token = _state.set(state)
    try:
        yield from chunks
    finally:
        _state.reset(token)


@functools.cache
def _report_views(names: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    exact = frozenset(n for n in names if not n.endswith("*"))
    return exact, tuple(n[:-1] for n in names if n.endswith("*"))


def is_report_view(url_name: str) -> bool:
    """``settings.REPORT_VIEWS`` holds URL names, or prefixes ending in ``*`` (``io-export-*``)."""
    exact, prefixes = _report_views(tuple(getattr(settings, "REPORT_VIEWS", ())))
    return url_name in exact or (bool(url_name) and url_name.startswith(prefixes))
