"""Rules and schemes: validation of a rule, a scheme (optionally copied), a rule's first version, and
its revisions and end through :mod:`dangjian.core.rules`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dangjian.core import audit, rules
from dangjian.core.fields import linked_user
from dangjian.core.services import created_changes
from dangjian.points.models import (
    SOURCE_BASE,
    SOURCE_MEETING,
    SOURCE_MEETING_ABSENT,
    SOURCE_SERVICE_HOURS,
    SOURCE_TRAINING,
    CapPeriod,
    Category,
    Direction,
    PointRule,
    PointScheme,
    Step,
    is_automatic,
    source_kind_choices,
)
from dangjian.points.services.book import ONE_PLACE, STEP_ORDER

RULE_FIELDS = (
    "code",
    "name",
    "category",
    "direction",
    "points",
    "allow_fraction",
    "cap",
    "cap_period",
    "source_kind",
    "evidence_required",
    "chain",
    "note",
)


REVISABLE = tuple(f for f in RULE_FIELDS if f != "code")


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return Decimal("NaN")
    return number


def _check_points(name: str, value: Any, errors: dict, *, whole: bool, positive: bool = True) -> Decimal | None:
    number = _decimal(value)
    if number is None:
        return None
    if not number.is_finite():
        errors[name] = _("Enter a number.")
        return None
    if number < 0 or (positive and number == 0):
        errors[name] = _("Enter a positive number; a deduction rule subtracts it.")
        return None
    if number != number.quantize(ONE_PLACE):
        errors[name] = _("At most one decimal place.")
        return None
    if whole and number != number.to_integral_value():
        errors[name] = _("This rule gives whole points only.")
        return None
    if number >= 100000:
        errors[name] = _("The number is too large.")
        return None
    return number.quantize(ONE_PLACE)


def validate_rule(data: dict[str, Any]) -> dict[str, Any]:
    """Clean and check a rule's fields; raise every error at once."""
    errors: dict[str, str] = {}
    data = dict(data)
    for name in ("code", "name", "note"):
        data[name] = (data.get(name) or "").strip()
    if not data["name"]:
        errors["name"] = _("Give the rule a name.")
    if not data["code"]:
        errors["code"] = _("Give the rule a short code (letters, digits and hyphens).")
    elif not all(c.isascii() and (c.isalnum() or c in "-_") for c in data["code"]) or len(data["code"]) > 40:
        errors["code"] = _("Use at most 40 letters, digits and hyphens.")
    if data.get("category") not in Category.values:
        errors["category"] = _("Choose a category from the list.")
    direction = data.get("direction")
    if direction not in Direction.values:
        errors["direction"] = _("Choose award, deduction or base.")
    data["allow_fraction"] = bool(data.get("allow_fraction"))
    data["evidence_required"] = bool(data.get("evidence_required"))
    points = _check_points("points", data.get("points"), errors, whole=not data["allow_fraction"])
    if points is None and "points" not in errors:
        errors["points"] = _("Give the points per event.")
    data["points"] = points
    cap = _check_points("cap", data.get("cap"), errors, whole=False)
    data["cap"] = cap
    period = data.get("cap_period") or ""
    if period and period not in CapPeriod.values:
        errors["cap_period"] = _("Choose month, quarter or year.")
    if cap is not None and not period:
        errors["cap_period"] = _("Say over which period the cap counts.")
    if period and cap is None and "cap" not in errors:
        errors["cap"] = _("Give the cap, or no period.")
    if cap is not None and points is not None and cap < points:
        errors["cap"] = _("The cap is less than the points of one event.")
    data["cap_period"] = period
    source = data.get("source_kind") or ""
    if source not in dict(source_kind_choices()):
        errors["source_kind"] = _("Choose what feeds the rule from the list.")
    elif direction == Direction.BASE and source != SOURCE_BASE:
        errors["source_kind"] = _("Base points are given to every member once a year: choose that source.")
    elif source == SOURCE_BASE and direction != Direction.BASE:
        errors["direction"] = _("A rule fed once a year to every member gives base points.")
    elif source.startswith(SOURCE_MEETING_ABSENT + ":") and direction != Direction.DEDUCTION:
        errors["direction"] = _("Absence without leave can only cost points.")
    elif source.startswith((SOURCE_MEETING + ":", SOURCE_TRAINING + ":")) and direction != Direction.AWARD:
        errors["direction"] = _("Attendance can only earn points.")
    elif source == SOURCE_SERVICE_HOURS and direction != Direction.AWARD:
        errors["direction"] = _("Volunteer service can only earn points.")
    automatic = is_automatic(source)
    data["source_kind"] = source
    chain = data.get("chain") or []
    if isinstance(chain, str):
        chain = [s for s in chain.replace(",", "|").split("|") if s]
    if not isinstance(chain, list | tuple) or any(s not in Step.values for s in chain):
        errors["chain"] = _("Choose the approval steps from the list.")
    elif len(set(chain)) != len(chain) or list(chain) != sorted(chain, key=STEP_ORDER.index):
        errors["chain"] = _("Each step once, from the party group up to the township.")
    elif automatic and chain:
        errors["chain"] = _("Automatic points come from the records and need no approval.")
    data["chain"] = list(chain) if isinstance(chain, list | tuple) else []
    if automatic and data["evidence_required"]:
        errors["evidence_required"] = _("Automatic points come from the records and need no evidence.")
    if errors:
        raise ValidationError(errors)
    return data


def _rule_changes(rule: PointRule) -> dict:
    names = (*RULE_FIELDS, "effective_from", "effective_to")
    return created_changes(rule, names, set_only=False)


@transaction.atomic
def scheme_create(
    *, actor, name: str, org=None, effective_from: dt.date, note: str = "", copy_from: PointScheme | None = None
) -> PointScheme:
    """A scheme for ``org``'s subtree (or the default, without ``org``); with ``copy_from``, its
    rules in force are copied as the new scheme's first versions."""
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the scheme a name.")
    elif len(name) > 100:
        errors["name"] = _("At most 100 characters.")
    if org is not None and not org.is_active:
        errors["org"] = _("The organization has been dissolved.")
    if errors:
        raise ValidationError(errors)
    scheme = PointScheme(
        name=name,
        org=org,
        effective_from=effective_from,
        note=(note or "").strip()[:300],
        created_by=linked_user(actor),
    )
    scheme.save()
    copied = 0
    if copy_from is not None:
        for rule in copy_from.rules.all():
            if rule.effective_to is None:
                PointRule.objects.create(
                    scheme=scheme,
                    effective_from=effective_from,
                    created_by=linked_user(actor),
                    **{n: getattr(rule, n) for n in RULE_FIELDS},
                )
                copied += 1
    audit.record(
        actor=actor,
        action="create",
        obj=scheme,
        org=org,
        changes={
            "name": [None, name],
            "org": [None, org.pk if org else None],
            "effective_from": [None, effective_from.isoformat()],
            "rules": [None, copied],
        },
    )
    return scheme


@transaction.atomic
def rule_create(*, actor, scheme: PointScheme, data: dict[str, Any], effective_from: dt.date) -> PointRule:
    data = validate_rule({k: v for k, v in data.items() if k in RULE_FIELDS})
    if PointRule.objects.filter(scheme=scheme, code=data["code"]).exists():
        raise ValidationError({"code": _("This scheme already has a rule with this code: change that rule instead.")})
    rule = PointRule(scheme=scheme, effective_from=effective_from, created_by=linked_user(actor), **data)
    rule.save()
    audit.record(actor=actor, action="create", obj=rule, org=scheme.org, changes=_rule_changes(rule))
    return rule


def rule_revise(*, actor, rule: PointRule, data: dict[str, Any], effective_from: dt.date) -> PointRule:
    """Change a rule from a date: this version ends the day before, a new row carries the change.
    Entries made under this version keep it: nothing past is rewritten."""
    return rules.rule_revise(
        actor=actor,
        rule=rule,
        data=data,
        effective_from=effective_from,
        fields=REVISABLE,
        validate=validate_rule,
        org=rule.scheme.org,
    )


def rule_end(*, actor, rule: PointRule, on: dt.date) -> PointRule:
    return rules.rule_end(actor=actor, rule=rule, on=on, org=rule.scheme.org)
