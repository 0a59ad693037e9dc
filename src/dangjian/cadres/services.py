"""Writes of reserve cadres (后备干部). Each service validates (raising ``ValidationError`` naming the
field), writes in one transaction and records exactly one audit event; the audit events of a cadre
are its history. Reads are in ``reserve_queries.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dangjian.cadres.models import ReserveAssessment, ReserveCadre, ReservePost, ReserveSource, ReserveState
from dangjian.core import audit, idnumber
from dangjian.core.dates import is_future
from dangjian.core.services import check_version, object_update
from dangjian.members.collisions import Register, Screening, member_register, parse_id_number
from dangjian.members.models import Education, EvaluationRating, Gender
from dangjian.members.services import phone_digits
from dangjian.organizations.models import Unit

PERSON_FIELDS = ("name", "gender", "birth_date", "education", "id_number", "phone")
CADRE_FIELDS = ("selected_on", "source", "planned_post", "mentor", "note")
FIELDS = ("member", *PERSON_FIELDS, *CADRE_FIELDS)
VILLAGE_KINDS = (Unit.Kind.VILLAGE, Unit.Kind.COMMUNITY)
EARLIEST = dt.date(1990, 1, 1)


def is_village(org) -> bool:
    """Whether ``org`` is the party organization of a village or community (keeps reserve cadres)."""
    return org.units.filter(kind__in=VILLAGE_KINDS).exists()


def _refuse_unknown(data: dict[str, Any]) -> None:
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be set here: %s") % ", ".join(sorted(unknown)))


def _check_org(org) -> None:
    if org is None:
        raise ValidationError({"org": _("Choose the village or community the reserve cadre belongs to.")})
    if not org.is_active:
        raise ValidationError({"org": _("The organization has been dissolved.")})
    if not is_village(org):
        raise ValidationError({"org": _("Reserve cadres belong to the organization of a village or community.")})


def _check_date(errors: dict[str, str], name: str, value, *, required: str | None = None) -> None:
    if value is None:
        if required:
            errors[name] = required
    elif not isinstance(value, dt.date):
        errors[name] = _("Give a valid date.")
    elif is_future(value):
        errors[name] = _("The date cannot be in the future.")
    elif value < EARLIEST:
        errors[name] = _("The date is too far in the past.")


def registers(instance: ReserveCadre | None = None) -> list[Register]:
    """Where a non-member cadre's ID number may already be held: a member, another reserve cadre."""
    return [
        member_register(taken=_("This person is a party member: choose the member instead.")),
        Register(
            ReserveCadre,
            _("A reserve cadre with this ID number is already registered."),
            exclude=instance.pk if instance is not None else None,
        ),
    ]


def validate(
    org, data: dict[str, Any], instance: ReserveCadre | None = None, *, screening: Screening | None = None
) -> dict[str, Any]:
    """Check a cadre's fields (merged over ``instance``); fill birth date and gender of a non-member
    from the ID number; raise every error at once. With ``screening`` the ID number is looked up
    among the registered ones (``members.collisions``, audited: call this before the write's
    transaction); without, the caller (the import) has looked up its batch."""
    data = dict(data)
    for name in ("name", "mentor", "note", "id_number", "phone"):
        if name in data:
            data[name] = (data[name] or "").strip()
    errors: dict[str, str] = {}
    member = data["member"] if "member" in data else (instance.member if instance else None)
    if member is not None:
        given = [n for n in PERSON_FIELDS if data.get(n)]
        if given:
            errors[given[0]] = _("A member's personal data are the member's record: leave this blank.")
        elif not member.org_path.startswith(org.path):
            errors["member"] = _("The member does not belong to this village or community.")
        elif member.left_on is not None:
            errors["member"] = _("The member has left the party.")
        else:
            pool = ReserveCadre.objects.filter(member=member, state=ReserveState.POOL)
            if instance is not None:
                pool = pool.exclude(pk=instance.pk)
            other = pool.select_related("org").first()
            if other is not None:
                errors["member"] = _("The member is already a reserve cadre of %(org)s.") % {"org": other.org.name}
    else:
        if instance is None or "name" in data:
            if not data.get("name"):
                errors["name"] = _("Give the full name.")
            elif len(data["name"]) > 64:
                errors["name"] = _("At most 64 characters.")
        number = data.get("id_number")
        if number:
            info = parse_id_number(data, errors, screening=screening, registers=registers(instance))
            if info is not None:
                data["birth_date"] = data.get("birth_date") or info.birth_date
                data["gender"] = data.get("gender") or info.gender
                if data["birth_date"] != info.birth_date:
                    errors["birth_date"] = _("The birth date does not agree with the ID number (%(d)s).") % {
                        "d": info.birth_date.isoformat()
                    }
                if data["gender"] != info.gender:
                    errors["gender"] = _("The gender does not agree with the ID number.")
        elif instance is None or "id_number" in data:
            errors["id_number"] = _("The ID number is required for a reserve cadre who is not a party member.")
        if "education" in data and data["education"] not in Education.values:
            errors["education"] = _("Choose the education from the list.")
        elif instance is None and not data.get("education"):
            errors["education"] = _("Choose the education from the list.")
        if data.get("phone"):
            digits = phone_digits(data["phone"])
            if digits is None:
                errors["phone"] = _("Enter an 11-digit mobile number or a landline number.")
            else:
                data["phone"] = digits
    if "gender" in data and data["gender"] and data["gender"] not in Gender.values:
        errors["gender"] = _("Choose the gender from the list.")
    if instance is None or "selected_on" in data:
        _check_date(errors, "selected_on", data.get("selected_on"), required=_("Give the day the cadre was selected."))
    if instance is None or "source" in data:
        if data.get("source") not in ReserveSource.values:
            errors["source"] = _("Choose how the cadre was selected from the list.")
    if instance is None or "planned_post" in data:
        if data.get("planned_post") not in ReservePost.values:
            errors["planned_post"] = _("Choose the planned post from the list.")
    for name, limit in (("mentor", 64), ("note", 500)):
        if len(data.get(name) or "") > limit:
            errors[name] = _("At most %(n)s characters.") % {"n": limit}
    if errors:
        raise ValidationError(errors)
    return data


def _apply(cadre: ReserveCadre, data: dict[str, Any]) -> dict[str, Any]:
    """Move the plaintext secrets into their encrypted columns; return the plain model fields."""
    plain = cadre.take_secrets(data)
    if "education" in plain:
        plain["education_own"] = plain.pop("education") or ""
    return plain


def reserve_create(*, actor, org, data: dict[str, Any]) -> ReserveCadre:
    """Put a person in the reserve pool of the village or community ``org``."""
    _refuse_unknown(data)
    _check_org(org)
    # Checked (a refused ID number audited) before the write's transaction opens.
    data = validate(org, data, screening=Screening(actor, where="reserve cadre", org=org))
    return _create(actor, org, data)


@transaction.atomic
def _create(actor, org, data: dict[str, Any]) -> ReserveCadre:
    cadre = ReserveCadre(org=org)
    for name, value in _apply(cadre, data).items():
        setattr(cadre, name, value)
    if cadre.member_id:
        cadre.id_number_hash = None
    cadre.full_clean(exclude=["id_number_hash"])
    cadre.save()
    changes = {n: [None, audit.jsonable(data.get(n))] for n in CADRE_FIELDS if data.get(n)}
    changes["member" if cadre.member_id else "name"] = [None, cadre.member_id or cadre.name]
    if data.get("id_number"):
        changes["id_number"] = [None, idnumber.mask(data["id_number"])]
    audit.record(actor=actor, action="create", obj=cadre, changes=changes)
    return cadre


def reserve_update(
    *, actor, cadre: ReserveCadre, data: dict[str, Any], expected_version: int | None = None
) -> dict[str, list[Any]]:
    """Change a cadre's fields (``member`` cannot change: drop the cadre and select the other person)."""
    _refuse_unknown(data)
    if "member" in data and (data["member"].pk if data["member"] else None) != cadre.member_id:
        raise ValidationError({"member": _("The person of a reserve cadre cannot be changed.")})
    data.pop("member", None)
    if data.get("id_number") and idnumber.normalize(data["id_number"]) != cadre.id_number:
        # A new ID number is screened (and a refusal audited) before the write's transaction opens.
        validate(cadre.org, data, cadre, screening=Screening(actor, where="reserve cadre", org=cadre.org))
    return _update(actor, cadre, data, expected_version)


@transaction.atomic
def _update(actor, cadre: ReserveCadre, data: dict[str, Any], expected_version: int | None) -> dict[str, list[Any]]:
    cadre = ReserveCadre.objects.select_for_update(of=("self",)).select_related("org", "member").get(pk=cadre.pk)
    check_version(cadre, expected_version)
    data = validate(cadre.org, data, cadre)
    masked: dict[str, list[Any]] = {}
    if "id_number" in data and data["id_number"] != cadre.id_number:
        masked["id_number"] = [idnumber.mask(cadre.id_number), idnumber.mask(data["id_number"])]
    if "phone" in data and data["phone"] != cadre.phone:
        masked["phone"] = [idnumber.mask_phone(cadre.phone), idnumber.mask_phone(data["phone"])]
    plain = {k: v for k, v in data.items() if k not in ("id_number", "phone")}
    if "education" in plain:
        plain["education_own"] = plain.pop("education") or ""
    if masked:
        _apply(cadre, {k: data[k] for k in masked})
        plain.update({"id_number_enc": cadre.id_number_enc, "phone_enc": cadre.phone_enc})
        if "id_number" in masked:
            plain["id_number_hash"] = cadre.id_number_hash
    diff = object_update(actor=actor, instance=cadre, data=plain, expected_version=None)
    for secret in ("id_number_enc", "phone_enc", "id_number_hash"):
        diff.pop(secret, None)
    return {**diff, **masked}


def _lock_in_pool(cadre: ReserveCadre, expected_version: int | None) -> ReserveCadre:
    cadre = ReserveCadre.objects.select_for_update(of=("self",)).select_related("org").get(pk=cadre.pk)
    check_version(cadre, expected_version)
    if cadre.state != ReserveState.POOL:
        raise ValidationError({"state": _("Only a reserve cadre still in the pool can be appointed or dropped.")})
    return cadre


def _after_selection(errors: dict[str, str], name: str, day, cadre: ReserveCadre, required: str) -> None:
    _check_date(errors, name, day, required=required)
    if name not in errors and day < cadre.selected_on:
        errors[name] = _("The date cannot be before the cadre was selected (%(d)s).") % {
            "d": cadre.selected_on.isoformat()
        }


@dataclass(frozen=True)
class _PoolExit:
    """How a cadre leaves the pool: the state, the audit action, the day's field and the text's field
    (the post taken or the reason), with their messages (translated when used)."""

    state: str
    action: str
    day_field: str
    day_missing: str
    text_field: str
    text_missing: str
    text_max: int


_APPOINT = _PoolExit(
    ReserveState.APPOINTED,
    "reserve_appoint",
    "appointed_on",
    gettext_noop("Give the day of the appointment."),
    "appointed_to",
    gettext_noop("Say which post the cadre was appointed to."),
    100,
)
_DROP = _PoolExit(
    ReserveState.DROPPED,
    "reserve_drop",
    "dropped_on",
    gettext_noop("Give the day the cadre was dropped."),
    "drop_reason",
    gettext_noop("Give the reason for dropping the cadre."),
    200,
)


def _leave_pool(
    way: _PoolExit, *, actor, cadre: ReserveCadre, on: dt.date | None, text: str, expected_version: int | None
) -> ReserveCadre:
    cadre = _lock_in_pool(cadre, expected_version)
    text = (text or "").strip()
    errors: dict[str, str] = {}
    _after_selection(errors, way.day_field, on, cadre, _(way.day_missing))
    if not text:
        errors[way.text_field] = _(way.text_missing)
    elif len(text) > way.text_max:
        errors[way.text_field] = _("At most %(n)s characters.") % {"n": way.text_max}
    if errors:
        raise ValidationError(errors)
    object_update(
        actor=actor,
        instance=cadre,
        data={"state": way.state, way.day_field: on, way.text_field: text},
        action=way.action,
    )
    return cadre


@transaction.atomic
def reserve_appoint(
    *, actor, cadre: ReserveCadre, on: dt.date | None, post: str, expected_version: int | None = None
) -> ReserveCadre:
    """The cadre took a post (e.g. 村委会委员) on ``on``: they leave the pool."""
    return _leave_pool(_APPOINT, actor=actor, cadre=cadre, on=on, text=post, expected_version=expected_version)


@transaction.atomic
def reserve_drop(
    *, actor, cadre: ReserveCadre, on: dt.date | None, reason: str, expected_version: int | None = None
) -> ReserveCadre:
    """The cadre leaves the pool without a post (moved away, failed the assessment, …)."""
    return _leave_pool(_DROP, actor=actor, cadre=cadre, on=on, text=reason, expected_version=expected_version)


@transaction.atomic
def reserve_assess(*, actor, cadre: ReserveCadre, year: int | None, rating: str, note: str = "") -> ReserveAssessment:
    """Record (or correct) the yearly assessment of ``year``."""
    cadre = ReserveCadre.objects.select_for_update().get(pk=cadre.pk)
    note = (note or "").strip()
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if not isinstance(year, int) or year < cadre.selected_on.year or year > today.year:
        errors["year"] = _("The year must lie between the year of selection (%(from)s) and this year.") % {
            "from": cadre.selected_on.year
        }
    if rating not in EvaluationRating.values:
        errors["rating"] = _("Choose the rating from the list.")
    if len(note) > 500:
        errors["note"] = _("At most %(n)s characters.") % {"n": 500}
    if errors:
        raise ValidationError(errors)
    row = ReserveAssessment.objects.filter(cadre=cadre, year=year).first()
    before = [row.rating, row.note] if row else [None, None]
    if row is None:
        row = ReserveAssessment.objects.create(cadre=cadre, year=year, rating=rating, note=note)
    else:
        row.rating, row.note = rating, note
        row.save(update_fields=["rating", "note", "updated_at"])
    audit.record(
        actor=actor,
        action="reserve_assess",
        obj=cadre,
        changes={"year": [None, year], "rating": [before[0], rating], "note": [before[1], note]},
    )
    return row


def reveal_id_number(*, actor, cadre: ReserveCadre) -> str:
    """Return the full ID number and log the access (an unmasked view of personal information)."""
    audit.record(actor=actor, action="view_sensitive", obj=cadre, changes={"field": [None, "id_number"]})
    return cadre.id_number
