"""Writes of training. Each service validates, writes in one transaction, records exactly one audit
event for what it did and, for a session, sends ``session_changed`` after the write.

What an attendance row copies (the member's organization path, the session's path, day and hours,
whether it counts) is written here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.dates import is_future
from dangjian.core.fields import linked_user
from dangjian.core.services import (
    changed_fields,
    check_version,
    created_changes,
    object_update,
    record_cancel,
    snapshot,
)
from dangjian.members.queries import members_within_on
from dangjian.training.models import Programme, ProgrammeKind, Session, SessionAttendance
from dangjian.training.signals import session_changed

PROGRAMME_FIELDS = ("name", "kind", "starts_on", "ends_on", "audience", "note")
SESSION_FIELDS = ("held_on", "title", "speaker", "hours", "venue", "state")
TEXT_FIELDS = ("name", "audience", "note", "title", "speaker", "venue")
EARLIEST = dt.date(1990, 1, 1)
MAX_HOURS = Decimal("24")
CHUNK = 900  # ids per IN (...) list: under SQLite's variable limit


@dataclass(frozen=True)
class AttendanceIn:
    """One line of a session's attendance sheet."""

    member_id: int
    status: str
    reason: str = ""


def _strip(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    for name in TEXT_FIELDS:
        if name in data:
            data[name] = (data[name] or "").strip()
    return data


def _refuse_unknown(data: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError(_("These fields cannot be set here: %s") % ", ".join(sorted(unknown)))


# --- Programmes -------------------------------------------------------------------------------------
def validate_programme(org, data: dict[str, Any], instance: Programme | None = None) -> dict[str, Any]:
    """Check a programme's fields (merged over ``instance``); raise every error at once."""
    data = _strip(data)
    merged = {name: getattr(instance, name) for name in PROGRAMME_FIELDS} if instance else {}
    merged.update(data)
    errors: dict[str, str] = {}
    if not merged.get("name"):
        errors["name"] = _("Give the name of the programme.")
    elif len(merged["name"]) > 100:
        errors["name"] = _("At most 100 characters.")
    if merged.get("kind") not in ProgrammeKind.values:
        errors["kind"] = _("Choose the kind of programme from the list.")
    starts, ends = merged.get("starts_on"), merged.get("ends_on")
    if not isinstance(starts, dt.date):
        errors["starts_on"] = _("Give the day the programme starts.")
    elif starts < EARLIEST:
        errors["starts_on"] = _("The date is too far in the past.")
    elif org.dissolved_on and starts > org.dissolved_on:
        errors["starts_on"] = _("The organization was dissolved on %(day)s.") % {"day": org.dissolved_on.isoformat()}
    if ends is not None and not isinstance(ends, dt.date):
        errors["ends_on"] = _("Give a valid date.")
    elif isinstance(ends, dt.date) and isinstance(starts, dt.date) and ends < starts:
        errors["ends_on"] = _("A programme cannot end before it starts.")
    if instance is not None and not errors and instance.pk:
        outside = _sessions_outside(instance, starts, ends)
        if outside:
            errors["starts_on" if outside < starts else "ends_on"] = _(
                "A session of this programme is dated %(day)s: the programme must include it."
            ) % {"day": outside.isoformat()}
    for name in ("audience", "note"):
        limit = 200 if name == "audience" else 500
        if len(merged.get(name) or "") > limit:
            errors[name] = _("At most %(n)s characters.") % {"n": limit}
    if errors:
        raise ValidationError(errors)
    return data


def _sessions_outside(programme: Programme, starts: dt.date, ends: dt.date | None) -> dt.date | None:
    qs = Session.objects.filter(programme=programme).exclude(state=Session.State.CANCELLED)
    early = qs.filter(held_on__lt=starts).order_by("held_on").values_list("held_on", flat=True).first()
    if early:
        return early
    if ends is not None:
        return qs.filter(held_on__gt=ends).order_by("-held_on").values_list("held_on", flat=True).first()
    return None


@transaction.atomic
def programme_create(*, actor, org, data: dict[str, Any]) -> Programme:
    """A programme organized by ``org`` (any level) for its subtree."""
    _refuse_unknown(data, PROGRAMME_FIELDS)
    data = validate_programme(org, data)
    programme = Programme(org=org, **data)
    programme.full_clean()
    programme.save()
    changes = created_changes(programme, PROGRAMME_FIELDS)
    audit.record(actor=actor, action="create", obj=programme, changes=changes)
    return programme


@transaction.atomic
def programme_update(
    *, actor, programme: Programme, data: dict[str, Any], expected_version: int | None = None
) -> dict[str, list[Any]]:
    _refuse_unknown(data, PROGRAMME_FIELDS)
    programme = Programme.objects.select_for_update().select_related("org").get(pk=programme.pk)
    check_version(programme, expected_version)
    data = validate_programme(programme.org, data, programme)
    diff = object_update(actor=actor, instance=programme, data=data)
    if "kind" in diff:  # what points read of each session changed
        for session_id in Session.objects.filter(programme=programme).values_list("pk", flat=True):
            session_changed.send(sender=Session, session_id=session_id)
    return diff


@transaction.atomic
def programme_delete(*, actor, programme: Programme) -> None:
    """Delete a programme recorded in error; only while none of its sessions was held (its planned
    and cancelled sessions go with it)."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if Session.objects.filter(programme=programme, state=Session.State.HELD).exists():
        raise ValidationError(
            {"programme": _("A session of this programme was held: cancel or delete its sessions first.")}
        )
    session_ids = list(Session.objects.filter(programme=programme).values_list("pk", flat=True))
    SessionAttendance.objects.filter(session_id__in=session_ids).delete()
    Session.objects.filter(pk__in=session_ids).delete()
    audit.record(
        actor=actor,
        action="delete",
        obj=programme,
        changes={"name": [programme.name, None], "sessions": [len(session_ids), 0]},
    )
    programme.delete()
    for session_id in session_ids:
        session_changed.send(sender=Session, session_id=session_id)


# --- Sessions ----------------------------------------------------------------------------------------
def _hours(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not hours.is_finite():
        return None
    return hours


def validate_session(programme: Programme, data: dict[str, Any], instance: Session | None = None) -> dict[str, Any]:
    """Check a session's fields (merged over ``instance``); raise every error at once."""
    data = _strip(data)
    merged = {name: getattr(instance, name) for name in SESSION_FIELDS} if instance else {}
    merged.update(data)
    errors: dict[str, str] = {}
    state = merged.get("state") or Session.State.HELD
    if state not in (Session.State.PLANNED, Session.State.HELD):
        errors["state"] = _("A session is recorded as planned or as held.")
    if instance is not None and instance.state == Session.State.CANCELLED:
        errors["state"] = _("This session was cancelled and can no longer be changed.")
    held_on = merged.get("held_on")
    if not isinstance(held_on, dt.date):
        errors["held_on"] = _("Give the date of the session.")
    elif state == Session.State.HELD and is_future(held_on):
        errors["held_on"] = _("A session that was held cannot be dated in the future (today is %(today)s).") % {
            "today": timezone.localdate().isoformat()
        }
    elif held_on < programme.starts_on:
        errors["held_on"] = _("The programme starts on %(day)s.") % {"day": programme.starts_on.isoformat()}
    elif programme.ends_on and held_on > programme.ends_on:
        errors["held_on"] = _("The programme ends on %(day)s.") % {"day": programme.ends_on.isoformat()}
    if not merged.get("title"):
        errors["title"] = _("Give the topic of the session.")
    elif len(merged["title"]) > 200:
        errors["title"] = _("At most 200 characters.")
    hours = _hours(merged.get("hours"))
    if hours is None:
        errors["hours"] = _("Give the hours of the session (for example 2 or 1.5).")
    elif not (0 < hours <= MAX_HOURS) or hours != hours.quantize(Decimal("0.1")):
        errors["hours"] = _("Hours are more than 0 and at most 24, with one decimal place.")
    elif "hours" in data:
        data["hours"] = hours.quantize(Decimal("0.1"))
    for name, limit in (("speaker", 64), ("venue", 100)):
        if len(merged.get(name) or "") > limit:
            errors[name] = _("At most %(n)s characters.") % {"n": limit}
    if "state" in data or instance is None:
        data["state"] = state
    if errors:
        raise ValidationError(errors)
    return data


@dataclass
class Sheet:
    """What a sheet was checked against: ``{member id: the member's organization path}``."""

    paths: dict[int, str]


def check_sheet(session_or_programme, held_on: dt.date, attendance: list[AttendanceIn]) -> Sheet:
    """Check an attendance sheet: statuses, reasons, no one twice, and everyone a member of the
    programme's organizer's subtree on the records that day (or already on this session's sheet).
    Raises a ValidationError on ``attendance``; a constant number of queries per 900 names."""
    if isinstance(session_or_programme, Session):
        session, programme = session_or_programme, session_or_programme.programme
    else:
        session, programme = None, session_or_programme
    errors: list[str] = []
    valid = set(SessionAttendance.Status.values)
    seen: set[int] = set()
    duplicates: set[int] = set()
    for row in attendance:
        if not isinstance(row.member_id, int) or isinstance(row.member_id, bool):
            raise ValidationError({"attendance": _("Name each member by their number.")})
        if row.member_id in seen:
            duplicates.add(row.member_id)
        seen.add(row.member_id)
    if any(row.status not in valid for row in attendance):
        errors.append(_("Mark each member present, on leave or absent."))
    if duplicates:
        errors.append(_("A member is listed twice: %(ids)s.") % {"ids": ", ".join(f"#{i}" for i in sorted(duplicates))})
    if any(len(r.reason or "") > 100 for r in attendance):
        errors.append(_("A reason for leave is at most 100 characters."))
    ids = sorted(seen)
    paths: dict[int, str] = {}
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        paths.update(members_within_on(programme.org_path, held_on).filter(pk__in=part).values_list("pk", "org_path"))
    if session is not None:  # people recorded before stay valid, even if they have moved since
        missing = [i for i in ids if i not in paths]
        for i in range(0, len(missing), CHUNK):
            paths.update(
                SessionAttendance.objects.filter(session=session, member_id__in=missing[i : i + CHUNK]).values_list(
                    "member_id", "org_path"
                )
            )
    outsiders = [i for i in ids if i not in paths]
    if outsiders:
        shown = ", ".join(f"#{i}" for i in outsiders[:20]) + (" …" if len(outsiders) > 20 else "")
        errors.append(
            _("Not a member of %(org)s or its organizations on %(day)s: %(ids)s.")
            % {"org": programme.org.name, "day": held_on.isoformat(), "ids": shown}
        )
    no_reason = [
        r.member_id
        for r in attendance
        if r.status == SessionAttendance.Status.ON_LEAVE and not (r.reason or "").strip()
    ]
    if no_reason:
        errors.append(
            _("Give the reason for the leave of %(ids)s.") % {"ids": ", ".join(f"#{i}" for i in no_reason[:20])}
        )
    if errors:
        raise ValidationError({"attendance": errors})
    return Sheet(paths)


def _rows(session: Session, attendance: list[AttendanceIn], sheet: Sheet) -> list[SessionAttendance]:
    return [
        SessionAttendance(
            session=session,
            member_id=r.member_id,
            status=r.status,
            reason=(r.reason or "").strip() if r.status != SessionAttendance.Status.PRESENT else "",
            org_path=sheet.paths[r.member_id],
            session_path=session.org_path,
            held_on=session.held_on,
            hours=session.hours,
            counted=session.state == Session.State.HELD,
        )
        for r in attendance
    ]


def _set_counts(session: Session, rows: Iterable[SessionAttendance]) -> None:
    counts = {s: 0 for s in SessionAttendance.Status.values}
    for row in rows:
        counts[row.status] += 1
    session.present = counts["present"]
    session.on_leave = counts["on_leave"]
    session.absent = counts["absent"]


def _counts(session: Session) -> dict[str, int]:
    return {"present": session.present, "on_leave": session.on_leave, "absent": session.absent}


def _write_sheet(session: Session, rows: list[SessionAttendance]) -> None:
    SessionAttendance.objects.filter(session=session).delete()
    SessionAttendance.objects.bulk_create(rows, batch_size=500)


def _stored_sheet(session: Session) -> dict[int, tuple[str, str]]:
    return {
        m: (s, r)
        for m, s, r in SessionAttendance.objects.filter(session=session).values_list("member_id", "status", "reason")
    }


@transaction.atomic
def session_create(
    *, actor, programme: Programme, data: dict[str, Any], attendance: list[AttendanceIn] | None = None
) -> Session:
    """Record a session of ``programme`` (planned, or held with its attendance sheet)."""
    _refuse_unknown(data, SESSION_FIELDS)
    programme = Programme.objects.select_related("org").get(pk=programme.pk)
    data = validate_session(programme, data)
    attendance = attendance or []
    if attendance and data["state"] != Session.State.HELD:
        raise ValidationError({"attendance": _("Attendance is recorded when the session is held.")})
    sheet = check_sheet(programme, data["held_on"], attendance)
    session = Session(
        programme=programme,
        org_id=programme.org_id,
        org_path=programme.org_path,
        recorded_by=linked_user(actor),
        **data,
    )
    rows = _rows(session, attendance, sheet)
    _set_counts(session, rows)
    session.full_clean()
    session.save()
    SessionAttendance.objects.bulk_create(rows, batch_size=500)
    changes = created_changes(session, SESSION_FIELDS)
    changes["attendance"] = [None, _counts(session)]
    audit.record(actor=actor, action="create", obj=session, changes=changes)
    session_changed.send(sender=Session, session_id=session.pk)
    return session


@transaction.atomic
def session_update(
    *,
    actor,
    session: Session,
    data: dict[str, Any],
    attendance: list[AttendanceIn] | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Change a session; ``attendance`` (when given) replaces its sheet. A planned session becomes a
    held one by ``state="held"`` with its sheet. Returns the changes ({} when nothing changed)."""
    _refuse_unknown(data, SESSION_FIELDS)
    session = Session.objects.select_for_update(of=("self",)).select_related("programme__org").get(pk=session.pk)
    check_version(session, expected_version)
    data = validate_session(session.programme, data, session)
    before = snapshot(session, SESSION_FIELDS)
    old_counts = _counts(session)
    old_sheet = _stored_sheet(session)
    for name, value in data.items():
        setattr(session, name, value)
    if session.state != Session.State.HELD and (attendance or (attendance is None and old_sheet)):
        raise ValidationError({"attendance": _("Attendance is recorded when the session is held.")})
    if attendance is None:  # the sheet stays, checked again against the (new) day
        attendance = [AttendanceIn(m, s, r) for m, (s, r) in old_sheet.items()]
    sheet = check_sheet(session, session.held_on, attendance)
    rows = _rows(session, attendance, sheet)
    _set_counts(session, rows)
    session.full_clean()
    diff = changed_fields(before, snapshot(session, SESSION_FIELDS))
    new_sheet = {r.member_id: (r.status, r.reason) for r in rows}
    sheet_diff = [
        [m, (old_sheet.get(m) or (None,))[0], (new_sheet.get(m) or (None,))[0]]
        for m in sorted(set(old_sheet) | set(new_sheet))
        if old_sheet.get(m) != new_sheet.get(m)
    ]
    if sheet_diff:
        diff["attendance"] = [old_counts, _counts(session)]
        diff["attendance_changes"] = sheet_diff
    if not diff:
        return {}
    session.version = F("version") + 1
    session.save()
    session.refresh_from_db(fields=["version"])
    _write_sheet(session, rows)
    audit.record(actor=actor, action="update", obj=session, changes=diff)
    session_changed.send(sender=Session, session_id=session.pk)
    return diff


@transaction.atomic
def session_record_attendance(
    *, actor, session: Session, attendance: list[AttendanceIn], expected_version: int | None = None
) -> dict[str, Any]:
    """Replace the attendance sheet of a held session in one call."""
    return session_update(
        actor=actor, session=session, data={}, attendance=attendance, expected_version=expected_version
    )


@transaction.atomic
def session_cancel(*, actor, session: Session, reason: str, expected_version: int | None = None) -> Session:
    """Cancel a planned session, or withdraw a record made in error: it stays with its sheet, but
    no longer counts."""
    already, missing = _("This session is already cancelled."), _("Say why the session is cancelled.")
    session, changes = record_cancel(session, reason, expected_version, already=already, missing=missing)
    SessionAttendance.objects.filter(session=session).update(counted=False)
    audit.record(actor=actor, action="update", obj=session, changes=changes)
    session_changed.send(sender=Session, session_id=session.pk)
    return session


@transaction.atomic
def session_delete(*, actor, session: Session) -> None:
    """Delete a session recorded in error, with its sheet."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    pk = session.pk
    counts = _counts(session)
    audit.record(
        actor=actor,
        action="delete",
        obj=session,
        changes={"title": [session.title, None], "held_on": [session.held_on, None], "attendance": [counts, None]},
    )
    SessionAttendance.objects.filter(session_id=pk).delete()
    session.delete()
    session_changed.send(sender=Session, session_id=pk)


__all__ = [
    "AttendanceIn",
    "check_sheet",
    "programme_create",
    "programme_delete",
    "programme_update",
    "session_cancel",
    "session_create",
    "session_delete",
    "session_record_attendance",
    "session_update",
]
