"""Generic write services: plain create/update/delete with validation and an audit event.

Apps wrap these in their own named services (``member_update``) and add invariants.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.parameters import parameter_set as parameter_set  # re-exported: callers import it from here

# Fields whose values never go into an audit event in clear.
SECRET_FIELDS = {"id_number_enc", "id_number_hash", "phone_enc", "password"}


class ConcurrentEditError(ValidationError):
    pass


class BatchValidationError(ValidationError):
    """Some entries of a batch are invalid: ``errors`` maps each entry's index to its ValidationError."""

    def __init__(self, errors: dict[int, ValidationError]):
        self.errors = errors
        first = errors[min(errors)]
        super().__init__(getattr(first, "error_dict", None) or first.error_list)


def field_value(instance: models.Model, name: str) -> Any:
    field = instance._meta.get_field(name)
    return getattr(instance, field.attname)


def snapshot(instance: models.Model, names) -> dict[str, Any]:
    return {name: field_value(instance, name) for name in names}


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    diff = {}
    for name, old in before.items():
        new = after.get(name)
        if old != new:
            if name in SECRET_FIELDS:
                diff[name] = [audit.SENSITIVE_MARK, audit.SENSITIVE_MARK]
            else:
                diff[name] = [audit.jsonable(old), audit.jsonable(new)]
    return diff


def created_changes(instance: models.Model, names, *, set_only: bool = True) -> dict[str, list[Any]]:
    """The audit changes of a new record: ``[None, value]`` for each of ``names`` (only those set, unless
    ``set_only`` is false)."""
    return {n: [None, audit.jsonable(getattr(instance, n))] for n in names if not set_only or getattr(instance, n)}


def refuse_unknown(data: dict[str, Any], allowed) -> None:
    """Refuse a change that names fields outside ``allowed`` (the fields a service lets one change)."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)))


def check_version(instance: models.Model, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != instance.version:
        raise ConcurrentEditError(
            _("Someone else saved this record while you were editing it. Reload the page and apply your change again."),
            code="stale",
        )


@transaction.atomic
def save_new_version(instance: models.Model, *, update_fields: list[str] | None = None) -> None:
    """Save ``instance`` as its next version: the number is raised in the database (``F``), so that two
    writers cannot both save the same version, and read back for the answer and the next form."""
    instance.version = F("version") + 1
    instance.save(update_fields=update_fields)
    instance.refresh_from_db(fields=["version"])


def object_update(
    *, actor, instance: models.Model, data: dict[str, Any], expected_version: int | None = None, action: str = "update"
) -> dict[str, list[Any]]:
    """Apply ``data`` to ``instance``; validate; save with a version bump; audit the change."""
    if hasattr(instance, "version"):
        fresh = type(instance).objects.select_for_update().only("version").get(pk=instance.pk)
        instance.version = fresh.version
        check_version(instance, expected_version)
    before = snapshot(instance, data.keys())
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    diff = changed_fields(before, snapshot(instance, data.keys()))
    if not diff:
        return diff
    if hasattr(instance, "version"):
        save_new_version(instance)
    else:
        instance.save()
    audit.record(actor=actor, action=action, obj=instance, changes=diff)
    return diff


def record_cancel(
    instance: models.Model, reason: str, expected_version: int | None, *, already: str, missing: str
) -> tuple[models.Model, dict[str, list[Any]]]:
    """Lock a dated record (meeting, session, activity) and mark it cancelled with ``reason``: it stays,
    but no longer counts. ``already`` and ``missing`` are the record's messages for a second cancel and
    for a missing reason. Returns the locked record and the audit changes; the caller clears what
    counted (its sheet) and writes the audit event. Call it inside the caller's transaction."""
    model = type(instance)
    instance = model.objects.select_for_update().get(pk=instance.pk)
    check_version(instance, expected_version)
    reason = (reason or "").strip()
    cancelled = model.State.CANCELLED
    if instance.state == cancelled:
        raise ValidationError({"state": already})
    if not reason:
        raise ValidationError({"cancel_reason": missing})
    if len(reason) > 200:
        raise ValidationError({"cancel_reason": _("At most 200 characters.")})
    old = instance.state
    instance.state = cancelled
    instance.cancel_reason = reason
    save_new_version(instance, update_fields=["state", "cancel_reason", "version", "updated_at"])
    return instance, {"state": [old, cancelled], "cancel_reason": [None, reason]}


@transaction.atomic
def object_create(*, actor, instance: models.Model, action: str = "create") -> models.Model:
    instance.full_clean()
    instance.save()
    names = [f.name for f in instance._meta.concrete_fields if f.name not in {"id", "created_at", "updated_at"}]
    audit.record(
        actor=actor,
        action=action,
        obj=instance,
        changes=changed_fields(dict.fromkeys(names), snapshot(instance, names)),
    )
    return instance
