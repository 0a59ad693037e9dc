"""The department's requirements: rules as rows, versioned through :mod:`dangjian.core.rules`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from dangjian.core import audit, rules
from dangjian.core.fields import linked_user
from dangjian.core.services import created_changes
from dangjian.orglife.models import (
    MeetingRequirement,
)
from dangjian.orglife.services.figures import rebuild_maintained

REQUIREMENT_FIELDS = ("kind", "levels", "sectors", "committee_only", "period", "minimum", "quorum", "note")


def _requirement_changes(requirement: MeetingRequirement) -> dict:
    names = (*REQUIREMENT_FIELDS, "effective_from", "effective_to")
    return created_changes(requirement, names, set_only=False)


@transaction.atomic
def requirement_create(*, actor, data: dict[str, Any], effective_from: dt.date) -> MeetingRequirement:
    """A new rule in force from ``effective_from``."""
    requirement = MeetingRequirement(
        **{k: v for k, v in data.items() if k in REQUIREMENT_FIELDS},
        effective_from=effective_from,
        created_by=linked_user(actor),
    )
    requirement.full_clean()
    requirement.save()
    audit.record(actor=actor, action="create", obj=requirement, changes=_requirement_changes(requirement))
    rebuild_maintained()
    return requirement


@transaction.atomic
def requirement_revise(
    *, actor, requirement: MeetingRequirement, data: dict[str, Any], effective_from: dt.date
) -> MeetingRequirement:
    """Change a rule from a date: the old version ends the day before, the new one replaces it."""
    revised = rules.rule_revise(
        actor=actor, rule=requirement, data=data, effective_from=effective_from, fields=REQUIREMENT_FIELDS
    )
    rebuild_maintained()  # every maintained year's figures (a background job's work, inline for now)
    return revised


@transaction.atomic
def requirement_end(*, actor, requirement: MeetingRequirement, on: dt.date) -> MeetingRequirement:
    """Stop a rule after ``on`` (the last day it applies)."""
    ended = rules.rule_end(actor=actor, rule=requirement, on=on)
    rebuild_maintained()
    return ended
