"""Rules as data: named values with effective dates, defaults loaded by a data migration."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
}
# Values a rule may not go below: the Cybersecurity Law (第二十一条) keeps logs at least six months.
MINIMUMS: dict[str, int] = {"audit.retention_days": 180}


def get(key: str, on: dt.date | None = None) -> Any:
    on = on or timezone.localdate()
    row = Parameter.objects.filter(key=key, effective_from__lte=on).order_by("-effective_from", "-id").first()
    if row is not None:
        return row.value
    return DEFAULTS[key][0]


def get_many(keys: list[str], on: dt.date | None = None) -> dict[str, Any]:
    on = on or timezone.localdate()
    found: dict[str, Any] = {}
    for row in Parameter.objects.filter(key__in=keys, effective_from__lte=on).order_by("key", "-effective_from", "-id"):
        found.setdefault(row.key, row.value)
    return {k: found.get(k, DEFAULTS[k][0]) for k in keys}
