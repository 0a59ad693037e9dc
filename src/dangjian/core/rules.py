"""Rules as rows: revising and ending a version of any :class:`~dangjian.core.models.RuleVersion`.

A revision never rewrites a version. :func:`rule_revise` closes the version the day before the
change takes effect (for a model whose versions carry an end) and opens a new row carrying the
change, linked to the old one by ``replaces`` where the model has that field; :func:`rule_end`
gives a version its last day. Each writes one audit event in its transaction. Errors name the
field (``effective_from`` or ``effective_to``), with the messages the rule pages already show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.fields import linked_user
from dangjian.core.models import RuleVersion

# Not copied from a version to the next: the dates and the bookkeeping of each row.
BOOKKEEPING = frozenset({"effective_from", "effective_to", "replaces", "created_by", "created_at", "updated_at"})


def _has(model: type[RuleVersion], name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def version_fields(model: type[RuleVersion]) -> dict[str, str]:
    """``{field name: attribute}`` of what a new version copies from the one it replaces: every
    concrete field but the key, the dates and the bookkeeping (a foreign key by its id)."""
    return {
        f.name: f.attname
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in BOOKKEEPING and f.editable
    }


def check_revision(rule: RuleVersion, effective_from: dt.date) -> None:
    """Raise unless ``rule`` may be changed from ``effective_from``."""
    end = getattr(rule, "effective_to", None)
    if end is not None and end < effective_from:
        raise ValidationError({"effective_from": _("This version of the rule has already ended.")})
    if effective_from <= rule.effective_from:
        raise ValidationError(
            {
                "effective_from": _("The change must take effect after %(day)s, when this version started.")
                % {"day": rule.effective_from.isoformat()}
            }
        )


@transaction.atomic
def rule_revise[R: RuleVersion](
    *,
    actor,
    rule: R,
    data: dict[str, Any],
    effective_from: dt.date,
    fields: Iterable[str] | None = None,
    validate: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    org=None,
    action: str = "update",
    object_repr: str = "",
) -> R:
    """Change ``rule`` from ``effective_from``: this version ends the day before, a new row carries
    the change and returns. ``fields`` are the names ``data`` may change (default: every copied
    field; never the ``version_key``); ``validate`` cleans the new version's values (by attribute) and
    raises every error at once; ``org`` is the audit event's organization."""
    model = type(rule)
    rule = model._default_manager.select_for_update().get(pk=rule.pk)
    check_revision(rule, effective_from)
    copied = version_fields(model)
    allowed = (set(copied) if fields is None else set(fields)) - set(model.version_key)
    values = {attname: getattr(rule, attname) for attname in copied.values()}
    values.update({copied[k]: v for k, v in data.items() if k in allowed and k in copied})
    if validate is not None:
        values = validate(values)
    extra: dict[str, Any] = {"effective_from": effective_from}
    if model.has_end():
        extra["effective_to"] = rule.effective_to
    if _has(model, "replaces"):
        extra["replaces"] = rule
    if _has(model, "created_by"):
        extra["created_by"] = linked_user(actor)
    new = model(**{attname: values[attname] for attname in copied.values()}, **extra)
    new.full_clean(validate_constraints=False)
    if model.has_end():
        rule.effective_to = effective_from - dt.timedelta(days=1)
        rule.save(update_fields=["effective_to"])
    new.save()
    changes = {
        name: [audit.jsonable(getattr(rule, attname)), audit.jsonable(getattr(new, attname))]
        for name, attname in copied.items()
        if getattr(rule, attname) != getattr(new, attname)
    }
    changes["effective_from"] = [None, effective_from.isoformat()]
    if "replaces" in extra:
        changes["replaces"] = [None, rule.pk]
    audit.record(actor=actor, action=action, obj=new, org=org, changes=changes, object_repr=object_repr)
    return new


@transaction.atomic
def rule_end[R: RuleVersion](*, actor, rule: R, on: dt.date, org=None, action: str = "update") -> R:
    """Stop ``rule`` after ``on``, the last day it applies."""
    model = type(rule)
    if not model.has_end():
        raise TypeError(f"a {model.__name__} ends when the next version of its key starts: revise it instead")
    rule = model._default_manager.select_for_update().get(pk=rule.pk)
    if on < rule.effective_from:
        raise ValidationError({"effective_to": _("A rule cannot end before it starts.")})
    if rule.effective_to is not None and rule.effective_to <= on:
        raise ValidationError({"effective_to": _("This version of the rule has already ended.")})
    old = rule.effective_to
    rule.effective_to = on
    rule.save(update_fields=["effective_to"])
    audit.record(
        actor=actor, action=action, obj=rule, org=org, changes={"effective_to": [audit.jsonable(old), on.isoformat()]}
    )
    return rule
