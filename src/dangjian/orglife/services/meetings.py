"""Meetings and the follow-ups of life meetings (整改事项).

The derived columns of a meeting (month, attendance counts, full members expected and present,
one :class:`MeetingKindEntry` per kind) are written here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.fields import linked_user
from dangjian.core.services import (
    changed_fields,
    check_version,
    created_changes,
    object_update,
    record_cancel,
    refuse_unknown,
    snapshot,
)
from dangjian.members.queries import has_voting_rights, roster
from dangjian.organizations.queries import committee_members_on
from dangjian.orglife.models import (
    KIND_LEVELS,
    LIFE_KINDS,
    TEAM,
    WHOLE,
    Attendance,
    LifeMeetingFollowUp,
    Meeting,
    MeetingKind,
    MeetingKindEntry,
    ordered_kinds,
)
from dangjian.orglife.periods import month_number
from dangjian.orglife.services.figures import refresh as refresh_figures
from dangjian.orglife.signals import meeting_changed

MEETING_FIELDS = (
    "kinds",
    "state",
    "held_on",
    "starts_at",
    "ends_at",
    "place",
    "topic",
    "host",
    "recorder",
    "lecturer",
    "participants",
    "minutes",
)


TEXT_FIELDS = ("place", "topic", "host", "recorder", "lecturer", "participants", "minutes")


EARLIEST = dt.date(1990, 1, 1)


@dataclass(frozen=True)
class AttendanceIn:
    """One line of the attendance sheet."""

    member_id: int
    status: str
    reason: str = ""
    dual_life: bool = False


def _kind_label(kind: str) -> str:
    return str(MeetingKind(kind).label)


def validate_meeting(
    org, data: dict[str, Any], attendance: list[AttendanceIn] | None, *, instance: Meeting | None = None
) -> tuple[dict[str, Any], list[AttendanceIn] | None, Sheet | None]:
    """Check a meeting and its attendance sheet; raise every error at once.

    Returns the cleaned data, the attendance and what the sheet was checked against.
    """
    errors: dict[str, list[str]] = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    data = dict(data)
    for name in TEXT_FIELDS:
        if name in data:
            data[name] = (data[name] or "").strip()
    merged = {name: getattr(instance, name) for name in MEETING_FIELDS} if instance else {}
    merged.update(data)
    today = timezone.localdate()

    raw_kinds = merged.get("kinds") or []
    if not isinstance(raw_kinds, list | tuple) or not all(isinstance(k, str) for k in raw_kinds):
        raw_kinds = []
        error("kinds", _("Choose at least one kind of meeting."))
    unknown = [k for k in raw_kinds if k not in MeetingKind.values]
    kinds = ordered_kinds(k for k in raw_kinds if k in MeetingKind.values)
    if unknown:
        error("kinds", _("Unknown kind of meeting: %(kinds)s.") % {"kinds": ", ".join(map(str, unknown))})
    elif not kinds:
        error("kinds", _("Choose at least one kind of meeting."))
    if set(kinds) & WHOLE and set(kinds) & TEAM:
        error("kinds", _("A meeting of all members cannot also count as a committee, group or leadership meeting."))
    for kind in kinds:
        if org.level not in KIND_LEVELS[kind]:
            error(
                "kinds",
                _("A %(level)s does not hold a %(kind)s.")
                % {"level": org.get_level_display(), "kind": _kind_label(kind)},
            )
    if "kinds" in data or instance is None:
        data["kinds"] = kinds

    state = merged.get("state") or Meeting.State.HELD
    if state not in (Meeting.State.PLANNED, Meeting.State.HELD):
        error("state", _("A meeting is recorded as planned or as held."))
    if instance is not None and instance.state == Meeting.State.CANCELLED:
        error("state", _("This meeting was cancelled and can no longer be changed."))
    held_on = merged.get("held_on")
    if not isinstance(held_on, dt.date):
        error("held_on", _("Give the date of the meeting."))
        held_on = None
    else:
        if state == Meeting.State.HELD and held_on > today:
            error(
                "held_on",
                _("A meeting that was held cannot be dated in the future (today is %(today)s).")
                % {"today": today.isoformat()},
            )
        if held_on < EARLIEST:
            error("held_on", _("The date is too far in the past."))
        if state == Meeting.State.PLANNED and held_on < today and (instance is None or "held_on" in data):
            error("held_on", _("A planned meeting is dated today or later; record a past meeting as held."))
        if org.established_on and held_on < org.established_on:
            error(
                "held_on",
                _("The organization was established on %(day)s.") % {"day": org.established_on.isoformat()},
            )
        if org.dissolved_on and held_on > org.dissolved_on:
            error("held_on", _("The organization was dissolved on %(day)s.") % {"day": org.dissolved_on.isoformat()})
    if not merged.get("topic"):
        error("topic", _("Give the topic of the meeting."))
    if state == Meeting.State.HELD and MeetingKind.PARTY_LECTURE in kinds and not merged.get("lecturer"):
        error("lecturer", _("A party lecture needs a lecturer: say who gave it."))
    starts, ends = merged.get("starts_at"), merged.get("ends_at")
    if starts and ends and ends <= starts:
        error("ends_at", _("The meeting must end after it starts."))

    sheet: Sheet | None = None
    if attendance is not None and state == Meeting.State.PLANNED and attendance:
        error("attendance", _("Attendance is recorded when the meeting is held."))
    elif attendance is not None and held_on is not None and state == Meeting.State.HELD:
        sheet = _check_attendance(org, held_on, kinds, attendance, instance, error)
    elif attendance is None and instance is not None and state == Meeting.State.HELD:
        if instance.state == Meeting.State.PLANNED:
            error("attendance", _("Record the attendance of the members."))
    if errors:
        raise ValidationError(errors)
    return data, attendance, sheet


@dataclass
class Sheet:
    """What an attendance sheet is checked against: the members it may name, and the roster."""

    members: dict[int, Any]  # member id → Member: the roster plus anyone recorded on it before
    roster_ids: set[int]
    # A committee meeting of an organization with a recorded committee: who sat on it that day
    # (they are expected, recorded or not); None when no committee is recorded (or another kind).
    committee_ids: set[int] | None = None


def sheet_for(org, held_on: dt.date, instance: Meeting | None = None, kinds: Iterable[str] = ()) -> Sheet:
    members = roster(org, held_on)
    by_id = {m.pk: m for m in members}
    if instance is not None:  # people recorded before stay valid, even if they have moved since
        for row in instance.attendance.select_related("member"):
            by_id.setdefault(row.member_id, row.member)
    committee = committee_of_meeting(org, held_on, kinds)
    for member in committee:  # a committee above a branch draws on its subtree: they may be recorded
        by_id.setdefault(member.pk, member)
    return Sheet(by_id, {m.pk for m in members}, {m.pk for m in committee} or None)


def committee_of_meeting(org, held_on: dt.date, kinds: Iterable[str]) -> list:
    """Who a committee meeting of ``org`` on ``held_on`` expects: the members sitting on the
    committee that day (``organizations.queries.committee_members_on``); empty for other kinds or
    when no committee is recorded."""
    if MeetingKind.COMMITTEE_MEETING not in set(kinds):
        return []
    return committee_members_on(org, held_on)


def _check_attendance(org, held_on, kinds, attendance, instance, error) -> Sheet:
    valid = set(Attendance.Status.values)
    seen: set[int] = set()
    duplicates: set[int] = set()
    for row in attendance:
        if row.member_id in seen:
            duplicates.add(row.member_id)
        seen.add(row.member_id)
        if row.status not in valid:
            error("attendance", _("Mark each member present, on leave or absent."))
            break
    if duplicates:
        error(
            "attendance",
            _("A member is listed twice: %(ids)s.") % {"ids": ", ".join(f"#{i}" for i in sorted(duplicates))},
        )
    sheet = sheet_for(org, held_on, instance, kinds)
    outsiders = sorted(seen - set(sheet.members))
    if outsiders:
        error(
            "attendance",
            _(
                "Not on the roster of %(org)s on %(day)s: %(ids)s. Only its members are recorded; "
                "list guests under others attending."
            )
            % {"org": org.name, "day": held_on.isoformat(), "ids": ", ".join(f"#{i}" for i in outsiders)},
        )
    missing_reason = [
        r.member_id
        for r in attendance
        if r.status == Attendance.Status.ON_LEAVE and not (r.reason or "").strip() and r.member_id in sheet.members
    ]
    if missing_reason:
        error(
            "attendance",
            _("Give the reason for the leave of %(names)s.")
            % {"names": "、".join(sheet.members[i].name for i in missing_reason)},
        )
    if any(len(r.reason or "") > 100 for r in attendance):
        error("attendance", _("A reason for leave is at most 100 characters."))
    if not attendance:
        if MeetingKind.COMMITTEE_MEETING in kinds:
            error("attendance", _("Record the attendance of the committee members."))
        elif not set(kinds) & TEAM and sheet.roster_ids:
            error("attendance", _("Record the attendance of the members."))
    return sheet


def _derive(meeting: Meeting, attendance: list[AttendanceIn] | None, sheet: Sheet | None) -> list[Attendance]:
    """Set the meeting's counts from its sheet; return the attendance rows to write."""
    for name in ("expected", "present", "on_leave", "absent", "voting_expected", "voting_present"):
        setattr(meeting, name, 0)
    meeting.month = month_number(meeting.held_on)
    if meeting.state != Meeting.State.HELD or attendance is None or sheet is None:
        return []
    members = sheet.members
    rows = [
        Attendance(
            meeting=meeting,
            member_id=r.member_id,
            status=r.status,
            reason=(r.reason or "").strip() if r.status != Attendance.Status.PRESENT else "",
            dual_life=bool(r.dual_life),
            full_member=has_voting_rights(members[r.member_id], meeting.held_on),
            held_on=meeting.held_on,
        )
        for r in attendance
    ]
    recorded = {r.member_id for r in rows}
    # Everyone on the roster is expected at a meeting of all members, recorded or not: leaving
    # someone off the sheet makes them absent, it does not lower the quorum. A committee meeting
    # expects the committee sitting that day, when one is recorded, the same way (others on its
    # sheet attend without counting); without a recorded committee, and at group or leadership
    # meetings, those recorded on the sheet are expected.
    if sheet.committee_ids and MeetingKind.COMMITTEE_MEETING in meeting.kinds:
        expected = set(sheet.committee_ids)
    elif set(meeting.kinds) & TEAM:
        expected = recorded
    else:
        expected = recorded | sheet.roster_ids
    voting = {i for i in expected if has_voting_rights(members[i], meeting.held_on)}
    meeting.expected = len(expected)
    meeting.present = sum(1 for r in rows if r.status == Attendance.Status.PRESENT and r.member_id in expected)
    meeting.on_leave = sum(1 for r in rows if r.status == Attendance.Status.ON_LEAVE and r.member_id in expected)
    meeting.absent = meeting.expected - meeting.present - meeting.on_leave
    meeting.voting_expected = len(voting)
    meeting.voting_present = sum(1 for r in rows if r.status == Attendance.Status.PRESENT and r.member_id in voting)
    return rows


def _write_children(meeting: Meeting, rows: list[Attendance] | None) -> None:
    if rows is not None:
        Attendance.objects.filter(meeting=meeting).delete()
        Attendance.objects.bulk_create(rows)
    MeetingKindEntry.objects.filter(meeting=meeting).delete()
    MeetingKindEntry.objects.bulk_create(
        [
            MeetingKindEntry(
                org_id=meeting.org_id,
                org_path=meeting.org_path,
                meeting=meeting,
                kind=kind,
                month=meeting.month,
                state=meeting.state,
                full_quorum=meeting.full_quorum,
                majority_quorum=meeting.majority_quorum,
            )
            for kind in meeting.kinds
        ]
    )


def _sheet(rows: Iterable[Attendance]) -> dict[int, str]:
    return {r.member_id: r.status for r in rows}


def _counts(meeting: Meeting) -> dict[str, int]:
    return {
        "expected": meeting.expected,
        "present": meeting.present,
        "on_leave": meeting.on_leave,
        "absent": meeting.absent,
    }


class DuplicateMeetingError(ValidationError):
    """A meeting of the same kind, organization and day is already recorded: the form and the API ask
    before a second one is written. ``existing`` are those meetings."""

    def __init__(self, message: str, existing: list[Meeting]):
        super().__init__(message, code="duplicate")
        self.existing = existing


def same_day_meetings(org, kinds: Iterable[str], held_on: dt.date) -> list[Meeting]:
    """Meetings of ``org`` on ``held_on`` recorded (planned or held, not cancelled) as one of ``kinds``."""
    ids = MeetingKindEntry.objects.filter(org_id=org.pk, kind__in=list(kinds), meeting__held_on=held_on).exclude(
        state=Meeting.State.CANCELLED
    )
    return list(Meeting.objects.filter(pk__in=ids.values("meeting_id")).order_by("id"))


def _refuse_duplicate(org, data: dict[str, Any]) -> None:
    existing = same_day_meetings(org, data.get("kinds") or (), data["held_on"])
    if not existing:
        return
    first = existing[0]
    kinds = "、".join(_kind_label(k) for k in ordered_kinds(set(first.kinds) & set(data.get("kinds") or ())))
    if first.state == Meeting.State.PLANNED:
        message = _(
            "%(org)s already has a planned %(kind)s on %(day)s (“%(topic)s”): record that meeting as held "
            "instead of adding another. If this is really a second meeting, confirm to save it."
        )
    else:
        message = _(
            "%(org)s already has a %(kind)s recorded on %(day)s (“%(topic)s”). If this is really a second "
            "meeting, confirm to save it."
        )
    values = {"org": org.name, "kind": kinds, "day": data["held_on"].isoformat(), "topic": first.topic}
    raise DuplicateMeetingError(message % values, existing)


@transaction.atomic
def meeting_create(
    *,
    actor,
    org,
    data: dict[str, Any],
    attendance: list[AttendanceIn] | None = None,
    allow_duplicate: bool = True,
) -> Meeting:
    """Record a meeting (planned or held) of ``org`` with its attendance sheet. With
    ``allow_duplicate=False`` (the form and the API until the user confirms), a meeting of the same
    kind, organization and day already recorded raises :class:`DuplicateMeetingError`."""
    unknown = set(data) - set(MEETING_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be set here: %s") % ", ".join(sorted(unknown)))
    data, attendance, sheet = validate_meeting(org, data, attendance or [])
    if not allow_duplicate:
        _refuse_duplicate(org, data)
    meeting = Meeting(org=org, recorded_by=linked_user(actor))
    for name, value in data.items():
        setattr(meeting, name, value)
    meeting.state = data.get("state") or Meeting.State.HELD
    rows = _derive(meeting, attendance, sheet)
    meeting.full_clean()
    meeting.save()
    _write_children(meeting, rows)
    changes = created_changes(meeting, MEETING_FIELDS)
    changes["attendance"] = [None, _counts(meeting)]
    audit.record(actor=actor, action="create", obj=meeting, changes=changes)
    meeting_changed.send(sender=Meeting, meeting_id=meeting.pk)
    refresh_figures([meeting.org_id], [meeting.held_on.year])
    return meeting


@transaction.atomic
def meeting_update(
    *,
    actor,
    meeting: Meeting,
    data: dict[str, Any],
    attendance: list[AttendanceIn] | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Change a meeting; ``attendance`` (when given) replaces the sheet. A planned meeting becomes a
    held one by ``state="held"`` with its sheet."""
    refuse_unknown(data, MEETING_FIELDS)
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("org").get(pk=meeting.pk)
    check_version(meeting, expected_version)
    data, attendance, sheet = validate_meeting(meeting.org, data, attendance, instance=meeting)
    old_year = meeting.held_on.year
    old_sheet = _sheet(meeting.attendance.all())
    old_counts = _counts(meeting)
    before = snapshot(meeting, MEETING_FIELDS)
    for name, value in data.items():
        setattr(meeting, name, value)
    if attendance is None and meeting.state == Meeting.State.HELD:
        # The sheet stays: derive the counts again (the date or the kinds may have changed).
        attendance = [AttendanceIn(r.member_id, r.status, r.reason, r.dual_life) for r in meeting.attendance.all()]
        sheet = sheet_for(meeting.org, meeting.held_on, meeting, meeting.kinds)
    rows = _derive(meeting, attendance, sheet)
    meeting.full_clean()
    diff = changed_fields(before, snapshot(meeting, MEETING_FIELDS))
    new_sheet = _sheet(rows)
    sheet_diff = [
        [member_id, old_sheet.get(member_id), new_sheet.get(member_id)]
        for member_id in sorted(set(old_sheet) | set(new_sheet))
        if old_sheet.get(member_id) != new_sheet.get(member_id)
    ]
    reasons_changed = attendance is not None and sheet_diff == [] and rows and _reasons_differ(meeting, rows)
    if sheet_diff or _counts(meeting) != old_counts:
        diff["attendance"] = [old_counts, _counts(meeting)]
        if sheet_diff:
            diff["attendance_changes"] = sheet_diff
    if not diff and not reasons_changed:
        return {}
    meeting.version = F("version") + 1
    meeting.save()
    meeting.refresh_from_db(fields=["version"])
    _write_children(meeting, rows)
    audit.record(actor=actor, action="update", obj=meeting, changes=diff or {"attendance_reasons": [None, True]})
    meeting_changed.send(sender=Meeting, meeting_id=meeting.pk)
    refresh_figures([meeting.org_id], {old_year, meeting.held_on.year})
    return diff


def _reasons_differ(meeting: Meeting, rows: list[Attendance]) -> bool:
    stored = {r.member_id: (r.reason, r.dual_life) for r in Attendance.objects.filter(meeting=meeting)}
    return any(stored.get(r.member_id) != (r.reason, r.dual_life) for r in rows)


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting, reason: str, expected_version: int | None = None) -> Meeting:
    """Cancel a planned meeting, or withdraw a record made in error: it stays, but no longer counts."""
    already, missing = _("This meeting is already cancelled."), _("Say why the meeting is cancelled.")
    meeting, changes = record_cancel(meeting, reason, expected_version, already=already, missing=missing)
    MeetingKindEntry.objects.filter(meeting=meeting).update(state=Meeting.State.CANCELLED)
    audit.record(actor=actor, action="update", obj=meeting, changes=changes)
    meeting_changed.send(sender=Meeting, meeting_id=meeting.pk)
    refresh_figures([meeting.org_id], [meeting.held_on.year])
    return meeting


LIFE_FOLLOW_UP_FIELDS = ("issue", "measure", "responsible", "due_on", "status", "completed_on", "note")


def _check_life_follow_up(meeting: Meeting, data: dict[str, Any]) -> dict[str, Any]:
    errors = {}
    today = timezone.localdate()
    if not set(meeting.kinds) & LIFE_KINDS:
        errors["meeting"] = _("Rectification items belong to a life meeting or a democratic life meeting.")
    if meeting.state == Meeting.State.CANCELLED:
        errors["meeting"] = _("This meeting was cancelled.")
    for name in ("issue", "measure", "responsible", "note"):
        if name in data:
            data[name] = (data[name] or "").strip()
    due = data.get("due_on")
    if due and due < meeting.held_on:
        errors["due_on"] = _("The due date comes after the meeting.")
    if data.get("status") == LifeMeetingFollowUp.Status.DONE:
        done = data.get("completed_on") or today
        if done > today:
            errors["completed_on"] = _("The date cannot be in the future.")
        data["completed_on"] = done
    elif "status" in data:
        data["completed_on"] = None
    if errors:
        raise ValidationError(errors)
    return data


@transaction.atomic
def life_follow_up_create(*, actor, meeting: Meeting, data: dict[str, Any]) -> LifeMeetingFollowUp:
    data = _check_life_follow_up(meeting, {k: v for k, v in data.items() if k in LIFE_FOLLOW_UP_FIELDS})
    item = LifeMeetingFollowUp(org=meeting.org, meeting=meeting, **data)
    item.full_clean()
    item.save()
    audit.record(
        actor=actor,
        action="create",
        obj=item,
        changes=created_changes(item, LIFE_FOLLOW_UP_FIELDS),
    )
    return item


@transaction.atomic
def life_follow_up_update(
    *, actor, item: LifeMeetingFollowUp, data: dict[str, Any], expected_version: int | None = None
) -> dict:
    refuse_unknown(data, LIFE_FOLLOW_UP_FIELDS)
    data = _check_life_follow_up(item.meeting, dict(data))
    return object_update(actor=actor, instance=item, data=data, expected_version=expected_version)
