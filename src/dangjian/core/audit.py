"""Writing audit events. Services call :func:`record` inside their own transaction."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core import context
from dangjian.core.models import AuditEvent

SENSITIVE_MARK = "••••"

# How each action reads on screen; an action missing here is shown as its code.
ACTION_LABELS = {
    "create": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
    "move": _("moved"),
    "transfer": _("transferred"),
    "dissolve": _("dissolved"),
    "view_sensitive": _("viewed personal information"),
    "export": _("exported"),
    "import": _("imported"),
    "login": _("logged in"),
    "login_failed": _("failed to log in"),
    "api_login": _("logged in to the API"),
    "api_logout": _("revoked an API token"),
    "logout": _("logged out"),
    "role_grant": _("granted a role"),
    "parameter_set": _("changed a rule"),
    "demo_load": _("loaded demo data"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return value


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    org=None,
    changes: dict | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    object_type: str = "",
    object_repr: str = "",
) -> AuditEvent:
    ctx = context.current.get()
    if org is None and obj is not None:
        org = obj if obj._meta.label_lower == "organizations.organization" else getattr(obj, "org", None)
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_name=(user.get_username() if user else str(actor or _("system")))[:150],
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        org=org,
        org_path=getattr(org, "path", "") or "",
        changes={k: jsonable(v) for k, v in (changes or {}).items()},
        source=ctx.source,
        request_id=ctx.request_id,
        outcome=outcome,
    )


def describe_changes(model: type[models.Model], changes: dict) -> list[tuple[str, Any, Any]]:
    """``[(field label, old, new)]`` with choice codes shown as their labels, for display."""
    rows = []
    for name, pair in (changes or {}).items():
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        field = None
        for candidate in (name, f"{name}_enc", name.removesuffix("_enc")):
            try:
                field = model._meta.get_field(candidate)
                break
            except FieldDoesNotExist:  # a non-field key such as "field" or "filter"
                continue
        if field is None:
            rows.append((name, old, new))
            continue
        label = str(field.verbose_name)
        if field.choices:
            labels = dict(field.flatchoices)
            old, new = labels.get(old, old), labels.get(new, new)
        elif isinstance(old, bool) or isinstance(new, bool):
            yes_no = {True: "✓", False: "✗"}
            old, new = yes_no.get(old, old), yes_no.get(new, new)
        rows.append((label, old, new))
    return rows
