"""Writes of organizational life, by concern: meetings and the follow-ups of life meetings
(:mod:`.meetings`), the department's requirements (:mod:`.requirements`), the democratic appraisal of
members (:mod:`.appraisals`) and reminders (:mod:`.reminders`). Each service validates, writes in one
transaction and records exactly one audit event for what it did.

The public names are re-exported here: ``from dangjian.orglife import services; services.meeting_create``.
"""

# The roster and how a sheet's rows are derived, reached through this module by the tests and the demo.
from dangjian.members.queries import roster
from dangjian.orglife.services.appraisals import (
    ENTRY_FIELDS,
    EXCELLENT_KEY,
    FOLLOW_UP_FIELDS,
    VOTE_FIELDS,
    appraisal_decide,
    appraisal_open,
    appraisal_update,
    excellent_limit,
    follow_up_update,
)
from dangjian.orglife.services.meetings import (
    EARLIEST,
    LIFE_FOLLOW_UP_FIELDS,
    MEETING_FIELDS,
    TEXT_FIELDS,
    AttendanceIn,
    DuplicateMeetingError,
    Sheet,
    _derive,
    committee_of_meeting,
    life_follow_up_create,
    life_follow_up_update,
    meeting_cancel,
    meeting_create,
    meeting_update,
    same_day_meetings,
    sheet_for,
    validate_meeting,
)
from dangjian.orglife.services.reminders import reminder_dismiss, reminders_send
from dangjian.orglife.services.requirements import (
    REQUIREMENT_FIELDS,
    requirement_create,
    requirement_end,
    requirement_revise,
)

__all__ = [
    "EARLIEST",
    "ENTRY_FIELDS",
    "EXCELLENT_KEY",
    "FOLLOW_UP_FIELDS",
    "LIFE_FOLLOW_UP_FIELDS",
    "MEETING_FIELDS",
    "REQUIREMENT_FIELDS",
    "TEXT_FIELDS",
    "VOTE_FIELDS",
    "AttendanceIn",
    "DuplicateMeetingError",
    "Sheet",
    "_derive",
    "appraisal_decide",
    "appraisal_open",
    "appraisal_update",
    "committee_of_meeting",
    "excellent_limit",
    "follow_up_update",
    "life_follow_up_create",
    "life_follow_up_update",
    "meeting_cancel",
    "meeting_create",
    "meeting_update",
    "reminder_dismiss",
    "reminders_send",
    "requirement_create",
    "requirement_end",
    "requirement_revise",
    "roster",
    "same_day_meetings",
    "sheet_for",
    "validate_meeting",
]
