"""How an audit event's changed values are shown: the one masking rule of the audit views.

Events keep what the service recorded (secrets already hidden there, see ``core.audit``); what a
reader sees of the values is decided here, when they are shown, so that an event written before a
rule changed is shown by today's rule too:

- ID numbers anywhere in a value (full, or masked by an older rule) are masked by
  ``idnumber.mask``; a birth date is shown as its year only (``idnumber.birth_year``), unless the
  reader may see full ID numbers;
- for the audit administrator (``business=False``), a person's business data — party standing,
  the hardship flag, mobile member, post, phone and the like — are hidden the way secrets are
  (``••••``): the auditor sees who changed which field when, not the member's record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dangjian.core import idnumber, tree

HIDDEN = "••••"  # the same mark as ``core.audit.SENSITIVE_MARK``

BIRTH_KEYS = frozenset({"birth_date", "person_birth_date"})

# A person's business data: shown to the business roles that keep the record, hidden from the auditor.
BUSINESS_KEYS = frozenset(
    {
        "in_hardship",
        "status",
        "joined_on",
        "full_member_on",
        "left_on",
        "party_standing",
        "mobile",
        "mobile_destination",
        "holds_post",
        "phone",
        "phone_enc",
        "ethnicity",
        "education",
        "occupation",
        "gender",
        "drop_reason",
        "rating",
        "classification",
    }
)


def _value(key: str, value: Any, *, full_id: bool, business: bool) -> Any:
    if isinstance(value, list):  # [old, new], or a list of values
        return [_value(key, v, full_id=full_id, business=business) for v in value]
    if isinstance(value, dict):
        return {k: _value(k, v, full_id=full_id, business=business) for k, v in value.items()}
    if value is None or value == "":
        return value
    if not business and key in BUSINESS_KEYS:
        return HIDDEN
    if key in BIRTH_KEYS and not full_id:
        return idnumber.birth_year(value)
    if isinstance(value, str):
        return idnumber.mask_in_text(value)
    return value


def mask_changes(changes: dict | None, *, full_id: bool = False, business: bool = False) -> dict:
    """``changes`` of an event as a reader may see them (see the module docstring).

    ``full_id``: the reader may see full ID numbers (then birth dates are shown too; ID numbers in
    events are never shown in full). ``business``: the reader keeps the business record (a
    secretary on a member's page); the audit administrator's views pass ``False``.
    """
    if not changes:
        return {}
    return {k: _value(k, v, full_id=full_id, business=business) for k, v in changes.items()}


def change_rows(changes: dict | None, **kwargs) -> list[tuple[str, Any, Any]]:
    """``[(key, old, new)]`` of :func:`mask_changes` for a table: ``[old, new]`` pairs split, other values as new."""
    rows = []
    for key, value in mask_changes(changes, **kwargs).items():
        if isinstance(value, list) and len(value) == 2:
            rows.append((key, value[0], value[1]))
        else:
            rows.append((key, None, value))
    return rows


# --- In words a reader understands ---------------------------------------------------------------------
# Object types that name no model, and keys of ``changes`` that name no field of the object's model.
OTHER_OBJECTS = {
    "core.backup": _("database backup"),
    "core.fieldkey": _("encryption key"),
    "points.batch": _("batch of points"),
}
OTHER_KEYS = {
    "format": _("format"),
    "unmasked": _("full ID numbers shown"),
    "register": _("register"),
    "filter": _("filter"),
    "rows": _("rows"),
    "field": _("field"),
    "reason": _("reason"),
    "file": _("file"),
    "count": _("count"),
    "members": _("members"),
    "username": _("username"),
    "role": _("role"),
    "org": _("organization"),
    "address": _("address"),
    "note": _("note"),
    "key": _("rule"),
    "value": _("value"),
    "effective_from": _("effective from"),
    "step": _("approval step"),
    "steps": _("approval steps done"),
    "assignment": _("post assignment"),
    "added": _("entries added"),
    "reversed": _("entries reversed"),
    "adjusted": _("entries adjusted"),
    "balances": _("balances"),
    "written_on": _("date"),
    "text": _("content"),
    "problem": _("problem"),
    "done_on": _("done on"),
    "description": _("description"),
    "countermeasure": _("countermeasure"),
    "responsible": _("responsible"),
    "deadline": _("deadline"),
    "team": _("work team"),
    "captain": _("captain"),
    "scale": _("scale"),
    "seed": _("random seed"),
    "committee_seats": _("committee seats"),
    "current_members": _("members on the rolls"),
    "page": _("page"),
    "rectification_items": _("follow-up items"),
    "training_programmes": _("training programmes"),
    "rectification_cases": _("rectification cases"),
    "rectification_problems": _("rectification problems"),
    "training_attendance": _("training attendance"),
    "training_sessions": _("training sessions"),
}
# Labels of the values of a key whose field has no choices of its own (a JSON list of kinds, say):
# the app that owns the key registers them from its ``AppConfig.ready`` (core cannot import it).
VALUE_CHOICES: dict[str, dict[str, Any]] = {
    "format": {"page": _("web page"), "xlsx": "Excel", "pdf": "PDF"},  # a personal-information report's form
}


def register_value_choices(key: str, choices: Iterable[tuple[str, Any]]) -> None:
    VALUE_CHOICES[key] = dict(choices)


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, key: str):
    if model is None:
        return None
    for candidate in (key, f"{key}_enc", key.removesuffix("_enc"), key.removesuffix("_id")):
        try:
            field = model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        return field if hasattr(field, "verbose_name") else None
    return None


SOURCES = {"cli": _("command line")}  # where an event came from when not from an address


def source_label(source: str) -> str:
    return str(SOURCES.get(source, source))


def object_label(object_type: str) -> str:
    """``core.user`` → 用户: the kind of record an event is about."""
    if object_type in OTHER_OBJECTS:
        return str(OTHER_OBJECTS[object_type])
    model = _model(object_type)
    return str(model._meta.verbose_name) if model else object_type


def object_type_choices() -> list[tuple[str, str]]:
    """Every kind of record an event may be about, by its name (the audit log's filter)."""
    found = {f"{m._meta.app_label}.{m._meta.model_name}": str(m._meta.verbose_name) for m in apps.get_models()}
    found = {k: v for k, v in found.items() if k.split(".")[0] in LOCAL_APPS}
    found.update((k, str(v)) for k, v in OTHER_OBJECTS.items())
    return sorted(found.items(), key=lambda item: item[1])


LOCAL_APPS = frozenset(
    {"core", "accounts", "organizations", "members", "orglife", "training", "community"}
    | {"rectification", "posts", "cadres", "points", "dashboard"}
)


def field_label(model: type[models.Model] | None, key: str) -> str:
    """A key of ``changes`` by the name of its field (the field's verbose name), or of the records
    it counts (``meetings`` → 会议记录, as the demo's load and the imports record their counts)."""
    field = _field(model, key)
    if field is not None:  # a field named without a label of its own (``user``) is named in the catalog
        return str(field.verbose_name) if not isinstance(field.verbose_name, str) else gettext(field.verbose_name)
    if key in OTHER_KEYS:
        return str(OTHER_KEYS[key])
    plain = key.replace("_", "")
    for model_name in (plain, plain.removesuffix("s"), plain.removesuffix("ies") + "y"):
        if counted := _model_named(model_name):
            return str(counted._meta.verbose_name)
    return key


def _model_named(model_name: str) -> type[models.Model] | None:
    for app_label in LOCAL_APPS:
        try:
            return apps.get_model(app_label, model_name)
        except LookupError:
            continue
    return None


def value_text(model: type[models.Model] | None, key: str, value: Any, links: Links | None = None) -> str:
    """A recorded value as a person reads it: choice codes by their labels, yes/no, lists joined, and
    the id of a linked record by its name when ``links`` (see :func:`link_names`) lets the reader see it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return "、".join(value_text(model, key, v, links) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{field_label(model, k)}：{value_text(model, k, v, links)}" for k, v in value.items())
    field = _field(model, key)
    target = _linked_model(field)
    if links is not None and target is not None and _is_id(value):
        return links.text(target, value)
    labels = dict(field.flatchoices) if field is not None and field.choices else VALUE_CHOICES.get(key, {})
    return str(labels.get(value, value))


def readable_rows(
    object_type: str, changes: dict | None, links: Links | None = None, **kwargs
) -> list[tuple[str, str, str]]:
    """``[(field name, old, new)]`` of :func:`change_rows`, every part in words (see :func:`value_text`)."""
    model = _model(object_type)
    return [
        (field_label(model, key), value_text(model, key, old, links), value_text(model, key, new, links))
        for key, old, new in change_rows(changes, **kwargs)
    ]


# --- Linked records by name ----------------------------------------------------------------------------
# A changed foreign key is recorded as an id ("党组织：3 → 7"); a reader sees the record's name instead
# ("东街村党支部 → 西街村党支部"), but only a name they may see: a record outside the reader's subtrees
# shows no name, one deleted since shows its id. Names are fetched per page, one query per model.
NAME_FIELDS = ("name", "username", "title")


def _linked_model(field) -> type[models.Model] | None:
    if field is None or not (getattr(field, "many_to_one", False) or getattr(field, "one_to_one", False)):
        return None
    return field.related_model if isinstance(field.related_model, type) else None


def _is_id(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.isdigit())


def _name_field(model: type[models.Model]) -> str | None:
    names = {f.name for f in model._meta.concrete_fields}
    return next((n for n in NAME_FIELDS if n in names), None)


class Links:
    """The names of linked records a reader may see: ``{(model, pk): name}``, and the pks found outside
    the reader's subtrees (shown without a name). A pk in neither was deleted since."""

    def __init__(self):
        self.names: dict[tuple[type[models.Model], int], str] = {}
        self.outside: set[tuple[type[models.Model], int]] = set()

    def text(self, model: type[models.Model], value: Any) -> str:
        key = (model, int(value))
        if key in self.names:
            return self.names[key]
        if key in self.outside:
            return gettext("(outside your organization)")
        return gettext("#%(id)s (deleted)") % {"id": value}


def _within(path: str | None, paths: list[str], everywhere: bool) -> bool:
    if path is None:  # a record placed nowhere in the tree (a user account): readers at a root only
        return everywhere
    return any(path.startswith(p) for p in paths)


def link_names(events: Iterable[tuple[str, dict | None]], paths: Iterable[str]) -> Links:
    """The names of the records the changes of ``events`` (``(object_type, changes)`` pairs) link to, as
    a reader whose subtrees are ``paths`` may see them: one query per linked model, however many events."""
    paths = list(paths)
    everywhere = any(tree.depth(p) == 1 for p in paths)
    wanted: dict[type[models.Model], set[int]] = {}
    for object_type, changes in events:
        model = _model(object_type)
        for key, value in (changes or {}).items():
            target = _linked_model(_field(model, key))
            if target is None:
                continue
            values = value if isinstance(value, list) else [value]
            wanted.setdefault(target, set()).update(int(v) for v in values if _is_id(v))
    links = Links()
    for model, pks in wanted.items():
        if not pks:
            continue
        name_field = _name_field(model)
        scope = getattr(model, "scope_field", None)
        columns = ["pk", name_field or "pk", scope or "pk"]
        for pk, name, path in model._base_manager.filter(pk__in=pks).values_list(*columns):
            visible = _within(path if scope else None, paths, everywhere)
            if visible and name_field:
                links.names[(model, pk)] = str(name)
            elif visible:
                links.names[(model, pk)] = f"#{pk}"
            else:
                links.outside.add((model, pk))
    return links


def changes_text(object_type: str, changes: dict | None, links: Links | None = None, **kwargs) -> str:
    """:func:`readable_rows` on one line ("党组织：东街村党支部 → 西街村党支部；…"), for a spreadsheet cell."""
    return "；".join(
        f"{name}：{old} → {new}" for name, old, new in readable_rows(object_type, changes, links, **kwargs)
    )
