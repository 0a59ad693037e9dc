"""Rules as data: named values with effective dates, defaults loaded by a data migration; reading the
value in force on a day, and setting a new one from a day (:func:`parameter_set`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dangjian.core import audit, rules
from dangjian.core.models import Parameter

# The defaults the data migration loads. Code reads rows, never this dict, except as a
# last resort for a key whose rows were all deleted.
DEFAULTS: dict[str, tuple[Any, str]] = {
    "branch.joint_below_full_members": (3, _("A branch with fewer full members than this should be a joint branch")),
    "branch.committee_from_full_members": (7, _("A branch with at least this many full members needs a committee")),
    "branch.split_above_members": (50, _("A branch with more members than this should be split")),
    "org.term_warning_days": (90, _("Warn this many days before a term of office ends")),
    "member.senior_min_age": (80, _("Members at least this old count as senior")),
    "member.senior_min_standing": (50, _("Members with at least this party standing (years) count as senior")),
    "orglife.reminder_lead_days": (7, _("Remind the secretary this many days before a required meeting is due")),
    "orglife.excellent_share_permille": (
        334,
        _("At most this share (per mille) of the members appraised may be rated excellent (334: one third)"),
    ),
    "points.bulk_confirm_above": (
        10,
        _("An award to more members than this at once also needs the township committee's confirmation"),
    ),
    "privacy.erase_after_days": (
        3650,
        _("Erase the ID number, phone and hardship flag of a member this many days after they left"),
    ),
    "privacy.correction_answer_days": (30, _("Answer a member's correction request within this many days")),
    "privacy.id_collisions_per_day": (
        20,
        _("A user may try at most this many ID numbers registered outside their organizations a day"),
    ),
    "member.post_notice_min_days": (5, _("A post assignment is under public notice at least this many days")),
    "community.max_hours_per_day": (
        12,
        _("A member's volunteer service hours recorded for one day may not exceed this"),
    ),
    "rectification.min_share_percent": (
        5,
        _("A screening should name at least this share (percent) of the branches weak or lagging (a reminder)"),
    ),
    "rectification.reminder_days": (14, _("Show a countermeasure as due soon this many days before its deadline")),
    "dashboard.wall_seconds": (15, _("The wall display shows each chart this many seconds before the next")),
    "reserve.min_per_village": (2, _("Every village and community should keep at least this many reserve cadres")),
    "reserve.max_age": (40, _("Reserve cadres should be younger than this (older ones are flagged)")),
    "reserve.min_education": (
        3,
        _(
            "Reserve cadres should have at least this education: 1 primary, 2 junior middle school, "
            "3 senior middle school or vocational (高中/中专), 4 junior college, 5 bachelor, 6 postgraduate"
        ),
    ),
    "audit.retention_days": (180, _("Keep audit events at least this many days before they may be archived")),
    "audit.checkpoint_minutes": (
        5,
        _("Write a signed checkpoint of the audit chain outside the database at least this often (minutes)"),
    ),
    "auth.token_lifetime_days": (7, _("An API token stops working this many days after it was issued")),
    "auth.token_idle_days": (2, _("An API token stops working when unused for this many days")),
    "jobs.inline_max_rows": (
        2000,
        _("An export or import of more rows than this runs in the background, with a progress page"),
    ),
    "jobs.stale_minutes": (30, _("A background job with no sign of life for this many minutes is started again")),
    "jobs.max_attempts": (3, _("A background job whose worker stopped this many times is marked failed")),
    "jobs.backup_minutes": (1440, _("Write an encrypted backup this often (minutes; 0: never, e.g. a timer does it)")),
    "jobs.reminders_minutes": (1440, _("Send the meeting reminders this often (minutes; 0: never)")),
    "jobs.points_minutes": (1440, _("Recompute the year's automatic points this often (minutes; 0: never)")),
    "jobs.figures_minutes": (
        1440,
        _("Build the compliance figures of a year not built yet this often (minutes; 0: never, e.g. a timer does it)"),
    ),
}
# The short name each rule goes by on the rules page (its description is the second item of DEFAULTS).
NAMES: dict[str, Any] = {
    "branch.joint_below_full_members": _("Joint branch below (full members)"),
    "branch.committee_from_full_members": _("Branch committee from (full members)"),
    "branch.split_above_members": _("Split a branch above (members)"),
    "org.term_warning_days": _("Term-end warning (days)"),
    "member.senior_min_age": _("Senior member age"),
    "member.senior_min_standing": _("Senior member party standing (years)"),
    "orglife.reminder_lead_days": _("Meeting reminder lead (days)"),
    "orglife.excellent_share_permille": _("Excellent rating share (per mille)"),
    "points.bulk_confirm_above": _("Bulk award confirmation above (members)"),
    "privacy.erase_after_days": _("Erase personal data after leaving (days)"),
    "privacy.correction_answer_days": _("Correction request answer time (days)"),
    "privacy.id_collisions_per_day": _("Outside ID number lookups per day"),
    "member.post_notice_min_days": _("Post assignment notice (days)"),
    "community.max_hours_per_day": _("Volunteer hours per day (maximum)"),
    "rectification.min_share_percent": _("Weak or lagging share (percent, minimum)"),
    "rectification.reminder_days": _("Countermeasure due-soon notice (days)"),
    "dashboard.wall_seconds": _("Wall display interval (seconds)"),
    "reserve.min_per_village": _("Reserve cadres per village (minimum)"),
    "reserve.max_age": _("Reserve cadre age limit"),
    "reserve.min_education": _("Reserve cadre education (minimum)"),
    "audit.retention_days": _("Audit log retention (days)"),
    "audit.checkpoint_minutes": _("Audit checkpoint interval (minutes)"),
    "auth.token_lifetime_days": _("API token lifetime (days)"),
    "auth.token_idle_days": _("API token idle limit (days)"),
    "jobs.inline_max_rows": _("Rows done at once, more in the background"),
    "jobs.stale_minutes": _("Background job restarted after (minutes without progress)"),
    "jobs.max_attempts": _("Background job attempts (maximum)"),
    "jobs.backup_minutes": _("Backup interval (minutes)"),
    "jobs.reminders_minutes": _("Meeting reminders interval (minutes)"),
    "jobs.points_minutes": _("Points recompute interval (minutes)"),
    "jobs.figures_minutes": _("Compliance figures check interval (minutes)"),
}


def name(key: str) -> str:
    """A rule's name as a person reads it (the key itself only for a key no longer known)."""
    return str(NAMES.get(key, key))


def note_text(note: str) -> str:
    """A rule version's note as a person reads it: the notes the data migrations stored are the
    English descriptions of DEFAULTS, shown in the reader's language; a typed note is shown as typed."""
    return gettext(note) if note else note


# Values a rule may not go below: the Cybersecurity Law (第二十一条) keeps logs at least six months.
MINIMUMS: dict[str, int] = {
    "audit.retention_days": 180,
    "audit.checkpoint_minutes": 1,
    "auth.token_lifetime_days": 1,
    "auth.token_idle_days": 1,
    "jobs.stale_minutes": 1,
    "jobs.max_attempts": 1,
    "dashboard.wall_seconds": 3,
}


def get(key: str, on: dt.date | None = None) -> Any:
    return get_many([key], on)[key]


def get_many(keys: list[str], on: dt.date | None = None) -> dict[str, Any]:
    """The values of ``keys`` in force on ``on`` (today by default); a key without a row in force
    falls back to its default."""

    on = on or timezone.localdate()
    found = dict(Parameter.objects.filter(key__in=keys).in_force_on(on).values_list("key", "value"))
    return {k: found.get(k, DEFAULTS[k][0]) for k in keys}


def on_days(key: str, days: Iterable[dt.date]) -> dict[dt.date, Any]:
    """The value of ``key`` in force on each of ``days``, in one query (a list reading a rule per row)."""
    days = set(days)
    if not days:
        return {}
    versions = list(
        Parameter.objects.filter(key=key, effective_from__lte=max(days))
        .order_by("effective_from", "id")
        .values_list("effective_from", "value")
    )
    found = {}
    for day in days:
        value = DEFAULTS[key][0]
        for starts, version_value in versions:
            if starts > day:
                break
            value = version_value
        found[day] = value
    return found


def _check(key: str, value: Any) -> None:
    if key not in DEFAULTS:
        raise ValidationError({"key": gettext("Unknown parameter.")})
    default = DEFAULTS[key][0]
    if isinstance(default, int) and (not isinstance(value, int) or value < 0):
        raise ValidationError({"value": gettext("Enter a whole number of zero or more.")})
    minimum = MINIMUMS.get(key)
    if minimum is not None and value < minimum:
        raise ValidationError(
            {"value": gettext("This rule cannot be less than %(minimum)s.") % {"minimum": minimum}}, code="min_value"
        )


@transaction.atomic
def parameter_set(*, actor, key: str, value: Any, effective_from: dt.date | None = None, note: str = "") -> Parameter:
    """Put a new value of a rule in force from a date; earlier values stay as history. A new value
    from a later day than the one in force is a new version (:func:`dangjian.core.rules.rule_revise`);
    one from the day a value starts replaces it, and the first value of a key starts its history."""
    _check(key, value)
    effective_from = effective_from or timezone.localdate()
    current = Parameter.objects.filter(key=key).in_force_on(effective_from).first()
    if current is not None and current.effective_from < effective_from:
        return rules.rule_revise(
            actor=actor,
            rule=current,
            data={"value": value, "note": note},
            effective_from=effective_from,
            action="parameter_set",
            object_repr=key,
        )
    row, _created = Parameter.objects.update_or_create(
        key=key, effective_from=effective_from, defaults={"value": value, "note": note, "created_by": actor}
    )
    audit.record(
        actor=actor,
        action="parameter_set",
        obj=row,
        object_repr=key,
        changes={"value": [None, value], "effective_from": [None, effective_from.isoformat()]},
    )
    return row
