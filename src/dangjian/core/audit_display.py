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

from typing import Any

from dangjian.core import idnumber

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
