"""``assert_one_audit_event``: a write is audited by exactly one event, written in its block; and what
the audit chain's tests need to play the attacker."""

from __future__ import annotations

import contextlib
from types import SimpleNamespace

from django.db import connection

from dangjian.core.models import AuditEvent


def _new_events(last_id: int):
    return list(AuditEvent.objects.filter(pk__gt=last_id).order_by("pk"))


def _last_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@contextlib.contextmanager
def assert_one_audit_event(action: str | None = None, *, object_type: str | None = None, alone: bool = True):
    """Exactly one ``AuditEvent`` with ``action`` (and ``object_type``) is written inside the block;
    with ``alone`` (the default) it is the only event written. ``as audited`` gives the event after
    the block: ``audited.event``.

    ``action=None`` accepts any action (the event is still the only one written)."""
    audited = SimpleNamespace(event=None)
    last = _last_id()
    yield audited
    new = _new_events(last)
    matching = [e for e in new if action in (None, e.action) and object_type in (None, e.object_type)]
    described = [(e.action, e.object_type) for e in new]
    assert len(matching) == 1, f"expected one {action or 'audit'} event ({object_type or 'any type'}), got {described}"
    if alone:
        assert len(new) == 1, f"expected one audit event only, got {described}"
    audited.event = matching[0]


@contextlib.contextmanager
def assert_no_audit_event(action: str | None = None):
    """No ``AuditEvent`` (with ``action``, if given) is written inside the block: a refused write left no trace."""
    last = _last_id()
    yield
    new = [e for e in _new_events(last) if action is None or e.action == action]
    assert not new, f"expected no audit event, got {[(e.action, e.object_type) for e in new]}"


APPEND_ONLY_TRIGGERS = {
    "postgresql": ["DROP TRIGGER core_auditevent_append_only ON core_auditevent"],
    "sqlite": ["DROP TRIGGER core_auditevent_no_update"],
}


def drop_append_only_trigger() -> None:
    """What an attacker with DDL rights does first. Inside the test's transaction: rolled back after."""
    with connection.cursor() as cursor:
        for sql in APPEND_ONLY_TRIGGERS[connection.vendor]:
            cursor.execute(sql)
