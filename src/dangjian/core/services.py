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


def check_version(instance: models.Model, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != instance.version:
        raise ConcurrentEditError(
            _("Someone else saved this record while you were editing it. Reload the page and apply your change again."),
            code="stale",
        )


@transaction.atomic
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
        instance.version = F("version") + 1
    instance.save()
    if hasattr(instance, "version"):
        instance.refresh_from_db(fields=["version"])
    audit.record(actor=actor, action=action, obj=instance, changes=diff)
    return diff


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
