"""Writes to member records: validation of the invariants, encryption, standing history, audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, bulk, idnumber
from dangjian.core.dates import is_future
from dangjian.core.services import BatchValidationError, object_update, refuse_unknown
from dangjian.members.collisions import Screening, member_register, parse_id_number
from dangjian.members.models import Member, StandingChange, Status, years_before
from dangjian.organizations.models import Level

# Fields a form, an import row or an API payload may set. ``id_number`` and ``phone`` are
# plaintext here and stored encrypted.
EDITABLE_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "phone",
    "education",
    "occupation",
    "joined_on",
    "full_member_on",
    "status",
    "mobile",
    "mobile_destination",
    "in_hardship",
    "holds_post",
)


# Fields the service fills itself (ids, timestamps, ciphertexts and their index, pinyin, the organization
# checked as an instance): a new member's full_clean checks only what the caller supplied.
_NOT_SUPPLIED = [f.name for f in Member._meta.fields if f.name not in EDITABLE_FIELDS]


def phone_digits(phone: str) -> str | None:
    """The digits of a mobile (11, starting with 1) or landline (7 to 12) number; None when it is neither."""
    digits = phone.replace("-", "").replace(" ", "")
    if not digits.isdigit() or not (7 <= len(digits) <= 12) or (len(digits) == 11 and digits[0] != "1"):
        return None
    return digits


def validate_member_data(
    data: dict[str, Any], *, instance: Member | None = None, screening: Screening | None = None
) -> dict[str, Any]:
    """Check the cross-field rules; fill birth date and gender from the ID number; raise all errors at once.

    With ``screening`` a new ID number is looked up among the registered ones (``members.collisions``:
    its refusals are audited as they are found, so call this before opening the write's transaction);
    without, the caller looks up a whole batch at once (:func:`member_create_many`, the import).
    """
    errors: dict[str, str] = {}
    data = dict(data)
    for name in ("birth_date", "joined_on", "full_member_on", "left_on"):
        value = data.get(name)
        if value and is_future(value):
            errors[name] = _("The date cannot be in the future.")
        elif value and value.year < 1900:
            errors[name] = _("The date is too far in the past.")
    number = data.get("id_number")
    info = None
    if number:
        exclude = instance.pk if instance is not None else None
        info = parse_id_number(data, errors, screening=screening, registers=[member_register(exclude=exclude)])
    elif instance is None or "id_number" in data:
        errors["id_number"] = _("The ID number is required.")
    elif "birth_date" in data or "gender" in data:
        info = idnumber.parse(instance.id_number)  # the stored number still decides birth date and gender
    if info is not None:
        data["birth_date"] = data.get("birth_date") or info.birth_date
        data["gender"] = data.get("gender") or info.gender
        if data["birth_date"] != info.birth_date and number:
            errors.setdefault(
                "birth_date",
                _("The birth date does not agree with the ID number (%(d)s).") % {"d": info.birth_date.isoformat()},
            )
        elif data["birth_date"] != info.birth_date:  # the stored number: its birth date is not told
            errors.setdefault("birth_date", _("The birth date does not agree with the ID number on record."))
        if data["gender"] != info.gender:
            errors["gender"] = _("The gender does not agree with the ID number.")

    birth = data.get("birth_date", instance.birth_date if instance else None)
    joined = data.get("joined_on", instance.joined_on if instance else None)
    full_on = data.get("full_member_on", instance.full_member_on if instance else None)
    status = data.get("status", instance.status if instance else None)
    if birth and joined and not {"birth_date", "joined_on"} & set(errors) and joined < years_before(birth, -18):
        errors.setdefault("joined_on", _("A member must be at least 18 years old when joining the party."))
    if status == Status.FULL and not full_on:
        errors.setdefault("full_member_on", _("A full member needs the date they became a full member."))
    if status == Status.PROBATIONARY and full_on:
        errors.setdefault("full_member_on", _("A probationary member has no full-member date yet."))
    if joined and full_on and full_on < joined:
        errors.setdefault("full_member_on", _("A member becomes full after joining, not before."))
    phone = data.get("phone")
    if phone:
        digits = phone_digits(phone)
        if digits is None:
            errors["phone"] = _("Enter an 11-digit mobile number or a landline number.")
        else:
            data["phone"] = digits
    mobile = data.get("mobile", instance.mobile if instance else False)
    if mobile and not data.get("mobile_destination", instance.mobile_destination if instance else ""):
        errors["mobile_destination"] = _("Say where the mobile member lives or works.")
    if errors:
        raise ValidationError(errors)
    return data


def _check_org(org) -> None:
    if org is None:
        raise ValidationError({"org": _("Choose the organization the member belongs to.")})
    if not org.is_active:
        raise ValidationError({"org": _("The organization has been dissolved.")})
    if org.level == Level.PARTY_GROUP:
        raise ValidationError({"org": _("Members belong to a branch, not to a party group.")})


def member_create(*, actor, org, data: dict[str, Any]) -> Member:
    """Register a member in ``org``; record the standing history implied by the dates."""
    try:
        (member,) = member_create_many(actor=actor, entries=[(org, data)], where="member")
    except BatchValidationError as exc:
        raise exc.errors[0] from None
    return member


def member_create_many(
    *, actor, entries: Sequence[tuple[Any, dict[str, Any]]], where: str = "member import"
) -> list[Member]:
    """Register members, each ``(org, data)`` checked exactly as one at a time; all or none.

    The writes are batched (a county's register of 40,000 members is one import): ID numbers
    already registered are found with a few queries per batch (``members.collisions``, whose
    refusals are audited before the write's transaction opens), members and their standing history
    are inserted in bulk, and each member's ``create`` event is appended to the audit chain in
    one batch. Raises :class:`BatchValidationError` naming every invalid entry by its index.
    """
    members, errors = [], {}
    hashes: dict[str, int] = {}
    for i, (org, data) in enumerate(entries):
        try:
            _check_org(org)
            data = validate_member_data(data)
            member = Member(org=org, org_path=org.path)
            for name, value in member.take_secrets(data).items():
                setattr(member, name, value)
            # The ID number's uniqueness is checked for the whole batch below: no query per member.
            member.full_clean(exclude=_NOT_SUPPLIED, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors[i] = exc
            continue
        if member.id_number_hash in hashes:
            message = _("The same ID number appears twice (entry %(n)s).") % {"n": hashes[member.id_number_hash] + 1}
            errors[i] = ValidationError({"id_number": message})
            continue
        hashes[member.id_number_hash] = i
        members.append((i, member))
    screening = Screening(actor, where=where, org=entries[0][0] if len(entries) == 1 else None)
    taken = screening.check({i: h for h, i in hashes.items()}, [member_register()])
    for i, message in taken.items():
        errors[i] = ValidationError({"id_number": message})
    if screening.refusal:
        errors[0] = ValidationError({"id_number": screening.refusal})  # the whole batch
    if errors:
        raise BatchValidationError(errors)
    return _insert_members(actor, [member for _i, member in members])


@transaction.atomic
def _insert_members(actor, created: list[Member]) -> list[Member]:
    for member in created:
        member.prepare_names()
    bulk.insert_objects(Member, created)
    kind = StandingChange.Kind
    history = []
    for member in created:
        history.append({"member_id": member.pk, "kind": kind.JOINED, "on": member.joined_on})
        if member.full_member_on:
            history.append({"member_id": member.pk, "kind": kind.BECAME_FULL, "on": member.full_member_on})
    bulk.RawInserter(StandingChange, with_pk=False).insert(history)
    fields = [f for f in EDITABLE_FIELDS if f not in {"id_number", "phone"}]
    events = []
    for member in created:
        # What was set: an empty field says nothing (and 40,000 of them are a county import's audit).
        changes = {f: [None, v] for f in fields if (v := getattr(member, f)) is not None and v != "" and v is not False}
        changes["id_number"] = [None, audit.SENSITIVE_MARK]
        events.append(audit.event_values(actor=actor, action="create", obj=member, changes=changes))
    audit.record_many(events)
    return created


def member_update(*, actor, member: Member, data: dict[str, Any], expected_version: int | None = None) -> dict:
    """Apply a change to a member record; status changes add to the standing history."""
    refuse_unknown(data, EDITABLE_FIELDS)
    if data.get("id_number") and idnumber.normalize(data["id_number"]) == member.id_number:
        data = {k: v for k, v in data.items() if k != "id_number"}
    if "phone" in data and (data["phone"] or "") == member.phone:
        data = {k: v for k, v in data.items() if k != "phone"}
    # Checked (and a refused ID number audited) before the write's transaction opens.
    data = validate_member_data(data, instance=member, screening=Screening(actor, where="member", org=member.org))
    return _update_member(actor, member, data, expected_version)


@transaction.atomic
def _update_member(actor, member: Member, data: dict[str, Any], expected_version: int | None) -> dict:
    old_status = member.status
    model_data = {}
    if "id_number" in data:
        number = data.pop("id_number")
        member.set_id_number(number)
        model_data["id_number_enc"] = member.id_number_enc
        model_data["id_number_hash"] = member.id_number_hash
    if "phone" in data:
        member.set_phone(data.pop("phone") or "")
        model_data["phone_enc"] = member.phone_enc
    model_data.update(data)
    # Restore the stored ciphertexts so that the diff sees the change.
    if "id_number_enc" in model_data or "phone_enc" in model_data:
        stored = Member.objects.values("id_number_enc", "id_number_hash", "phone_enc").get(pk=member.pk)
        for name, value in stored.items():
            setattr(member, name, value)
    diff = object_update(actor=actor, instance=member, data=model_data, expected_version=expected_version)
    if member.status == Status.FULL and old_status == Status.PROBATIONARY:
        StandingChange.objects.create(
            member=member, kind=StandingChange.Kind.BECAME_FULL, on=member.full_member_on or timezone.localdate()
        )
    return diff


@transaction.atomic
def member_move(*, actor, member: Member, org, on: dt.date | None = None, note: str = "") -> Member:
    """Transfer a member to another organization within the district."""
    _check_org(org)
    if org.pk == member.org_id:
        raise ValidationError({"org": _("The member already belongs to this organization.")})
    old_org = member.org
    object_update(actor=actor, instance=member, data={"org": org, "org_path": org.path}, action="transfer")
    on = on or timezone.localdate()
    StandingChange.objects.create(
        member=member, kind=StandingChange.Kind.TRANSFERRED_OUT, on=on, note=f"{old_org} → {org}"[:200]
    )
    return member


def reveal_id_number(*, actor, member: Member) -> str:
    """Return the full ID number and log the access (an unmasked view of personal information)."""
    audit.record(actor=actor, action="view_sensitive", obj=member, changes={"field": [None, "id_number"]})
    return member.id_number
