"""Writes of community work. Each service validates, writes in one transaction and records exactly
one audit event for what it did; the activity services then send ``service_changed``.

What a service row copies (the member's organization path, the activity's path and day) is written
here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils.translation import gettext as _

from dangjian.community.models import (
    MAX_HOURS_KEY,
    MemberCheckIn,
    ServiceHours,
    ServiceKind,
    VolunteerActivity,
)
from dangjian.community.signals import service_changed
from dangjian.core import audit, parameters, tree
from dangjian.core.dates import is_future
from dangjian.core.fields import linked_user
from dangjian.core.services import (
    changed_fields,
    check_version,
    created_changes,
    record_cancel,
    refuse_unknown,
    snapshot,
)
from dangjian.members.models import Member
from dangjian.organizations.models import Sector

EARLIEST = dt.date(2000, 1, 1)
CHECKIN_FIELDS = ("checked_in_on", "offers", "note")
CHECKIN_EDITABLE = ("offers", "note")
ACTIVITY_FIELDS = ("held_on", "title", "kind", "place", "state", "note")
TEXT_LIMITS = {"title": 200, "place": 100, "note": 2000}
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class ServiceIn:
    """One line of an activity's service sheet: a member and the hours they served."""

    member_id: int
    hours: Decimal | str | float | int


class Errors(dict):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)

    def raise_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


# --- Check-ins of serving members (在职党员到社区报到) -------------------------------------------------
def check_checkin(member: Member, org, data: dict[str, Any], errors: Errors) -> None:
    if org.sector != Sector.COMMUNITY:
        errors.add(
            "org", _("A member checks in to a community: %(org)s is not a community organization.") % {"org": org}
        )
    if org.dissolved_on is not None:
        errors.add("org", _("%(org)s was dissolved on %(day)s.") % {"org": org, "day": org.dissolved_on.isoformat()})
    if member.left_on is not None:
        errors.add("member", _("%(name)s left the party on %(day)s.") % {"name": member.name, "day": member.left_on})
    elif member.org_path.startswith(org.path):
        errors.add(
            "member",
            _("%(name)s is a member of %(org)s already: check-ins are for members of other organizations.")
            % {"name": member.name, "org": org},
        )
    day = data.get("checked_in_on")
    if not isinstance(day, dt.date):
        errors.add("checked_in_on", _("Give the day the member checked in."))
    elif is_future(day):
        errors.add("checked_in_on", _("The day of checking in cannot be in the future."))
    elif day < EARLIEST:
        errors.add("checked_in_on", _("The date is too far in the past."))
    elif day < member.joined_on:
        errors.add(
            "checked_in_on",
            _("%(name)s joined the party on %(day)s.") % {"name": member.name, "day": member.joined_on.isoformat()},
        )
    if data.get("offers") not in ServiceKind.values:
        errors.add("offers", _("Choose what the member offers from the list."))
    if len(data.get("note") or "") > 200:
        errors.add("note", _("At most 200 characters."))


@transaction.atomic
def checkin_create(*, actor, member: Member, org, data: dict[str, Any]) -> MemberCheckIn:
    """Record that ``member`` checked in to the community ``org`` (one open check-in at a time)."""
    unknown = set(data) - set(CHECKIN_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be set here: %s") % ", ".join(sorted(unknown)))
    data = dict(data, note=(data.get("note") or "").strip())
    member = Member.objects.select_for_update().get(pk=member.pk)
    errors = Errors()
    check_checkin(member, org, data, errors)
    day = data.get("checked_in_on")
    others = list(MemberCheckIn.objects.filter(member=member).select_related("org"))
    current = next((c for c in others if c.ended_on is None), None)
    if current is not None:
        errors.add(
            "member",
            _("%(name)s is already checked in to %(org)s since %(day)s; end that check-in first.")
            % {"name": member.name, "org": current.org, "day": current.checked_in_on.isoformat()},
        )
    elif isinstance(day, dt.date):
        overlap = next((c for c in others if c.ended_on > day), None)  # the new one is open-ended
        if overlap is not None:
            errors.add(
                "checked_in_on",
                _("%(name)s was checked in to %(org)s from %(start)s to %(end)s; a new check-in starts after that.")
                % {
                    "name": member.name,
                    "org": overlap.org,
                    "start": overlap.checked_in_on.isoformat(),
                    "end": overlap.ended_on.isoformat(),
                },
            )
    errors.raise_any()
    checkin = MemberCheckIn(
        org=org,
        member=member,
        recorded_by=linked_user(actor),
        **{name: data.get(name, "") for name in CHECKIN_FIELDS},
    )
    checkin.full_clean()
    checkin.save()
    changes = created_changes(checkin, CHECKIN_FIELDS)
    changes["member"] = [None, member.pk]
    audit.record(actor=actor, action="create", obj=checkin, changes=changes)
    return checkin


@transaction.atomic
def checkin_update(
    *, actor, checkin: MemberCheckIn, data: dict[str, Any], expected_version: int | None = None
) -> dict[str, list[Any]]:
    """Change what the member offers or the note of a check-in."""
    refuse_unknown(data, CHECKIN_EDITABLE)
    checkin = MemberCheckIn.objects.select_for_update().get(pk=checkin.pk)
    check_version(checkin, expected_version)
    data = dict(data)
    if "note" in data:
        data["note"] = (data["note"] or "").strip()
    errors = Errors()
    if "offers" in data and data["offers"] not in ServiceKind.values:
        errors.add("offers", _("Choose what the member offers from the list."))
    if len(data.get("note") or "") > 200:
        errors.add("note", _("At most 200 characters."))
    errors.raise_any()
    before = snapshot(checkin, data.keys())
    for name, value in data.items():
        setattr(checkin, name, value)
    diff = changed_fields(before, snapshot(checkin, data.keys()))
    if not diff:
        return diff
    checkin.version = F("version") + 1
    checkin.save()
    checkin.refresh_from_db(fields=["version"])
    audit.record(actor=actor, action="update", obj=checkin, changes=diff)
    return diff


@transaction.atomic
def checkin_end(
    *, actor, checkin: MemberCheckIn, ended_on: dt.date, expected_version: int | None = None
) -> MemberCheckIn:
    """End a check-in: ``ended_on`` is the first day the member is no longer checked in there."""
    checkin = MemberCheckIn.objects.select_for_update().get(pk=checkin.pk)
    check_version(checkin, expected_version)
    errors = Errors()
    if checkin.ended_on is not None:
        errors.add("ended_on", _("This check-in already ended on %(day)s.") % {"day": checkin.ended_on.isoformat()})
    elif not isinstance(ended_on, dt.date):
        errors.add("ended_on", _("Give the day the check-in ended."))
    elif is_future(ended_on):
        errors.add("ended_on", _("The day a check-in ended cannot be in the future."))
    elif ended_on <= checkin.checked_in_on:
        errors.add(
            "ended_on",
            _("A check-in ends after the day it started (%(day)s).") % {"day": checkin.checked_in_on.isoformat()},
        )
    else:
        served = (
            ServiceHours.objects.filter(member_id=checkin.member_id, held_on__gte=ended_on)
            .filter(tree.subtree_q("activity_path", checkin.org_path))
            .exclude(tree.subtree_q("org_path", checkin.org_path))
            .order_by("-held_on")
            .values_list("held_on", flat=True)
            .first()
        )
        if served is not None:
            errors.add(
                "ended_on",
                _("The member served at this community on %(day)s, as one checked in; end the check-in after that.")
                % {"day": served.isoformat()},
            )
    errors.raise_any()
    checkin.ended_on = ended_on
    checkin.version = F("version") + 1
    checkin.save(update_fields=["ended_on", "version", "updated_at"])
    checkin.refresh_from_db(fields=["version"])
    audit.record(actor=actor, action="update", obj=checkin, changes={"ended_on": [None, ended_on.isoformat()]})
    return checkin


# --- Volunteer activities and their service sheets --------------------------------------------------
def validate_activity(org, data: dict[str, Any], *, instance: VolunteerActivity | None = None) -> dict[str, Any]:
    """Check an activity's fields (merged over ``instance``); raise every error at once."""
    errors = Errors()
    data = dict(data)
    for name in ("title", "place", "note"):
        if name in data:
            data[name] = (data[name] or "").strip()
    merged = {name: getattr(instance, name) for name in ACTIVITY_FIELDS} if instance else {}
    merged.update(data)
    if instance is not None and instance.state == VolunteerActivity.State.CANCELLED:
        errors.add("state", _("This activity was cancelled and can no longer be changed."))
    state = merged.get("state") or VolunteerActivity.State.HELD
    if state not in (VolunteerActivity.State.PLANNED, VolunteerActivity.State.HELD):
        errors.add("state", _("An activity is recorded as planned or as held; cancel it with its reason."))
    held_on = merged.get("held_on")
    if not isinstance(held_on, dt.date):
        errors.add("held_on", _("Give the date of the activity."))
    else:
        if state == VolunteerActivity.State.HELD and is_future(held_on):
            errors.add("held_on", _("An activity that was held cannot be dated in the future."))
        if held_on < EARLIEST:
            errors.add("held_on", _("The date is too far in the past."))
        if org.established_on and held_on < org.established_on:
            errors.add(
                "held_on",
                _("The organization was established on %(day)s.") % {"day": org.established_on.isoformat()},
            )
        if org.dissolved_on and held_on > org.dissolved_on:
            errors.add(
                "held_on", _("The organization was dissolved on %(day)s.") % {"day": org.dissolved_on.isoformat()}
            )
    if not merged.get("title"):
        errors.add("title", _("Give the title of the activity."))
    if merged.get("kind") not in ServiceKind.values:
        errors.add("kind", _("Choose the kind of activity from the list."))
    for name, limit in TEXT_LIMITS.items():
        if len(merged.get(name) or "") > limit:
            errors.add(name, _("At most %(limit)s characters.") % {"limit": limit})
    errors.raise_any()
    if instance is None:
        data["state"] = state
    return data


def eligible_members(org, day: dt.date, member_ids: Iterable[int] | None = None) -> dict[int, Member]:
    """Who may be on a sheet of ``org``'s activity on ``day`` (two queries): members on the records
    that day whose organization is in ``org``'s subtree, and members whose check-in in force that day
    is to ``org`` or an organization below it."""
    on_records = Q(joined_on__lte=day) & (Q(left_on__isnull=True) | Q(left_on__gt=day))
    own = Member.objects.in_subtree(org.path).filter(on_records)
    checked_in = MemberCheckIn.objects.in_subtree(org.path).open_on(day).values("member_id")
    visiting = Member.objects.filter(on_records, pk__in=checked_in)
    if member_ids is not None:
        ids = list(member_ids)
        own, visiting = own.filter(pk__in=ids), visiting.filter(pk__in=ids)
    found = {m.pk: m for m in own.only("id", "name", "org_path", "name_pinyin")}
    for m in visiting.exclude(pk__in=list(found)).only("id", "name", "org_path", "name_pinyin"):
        found[m.pk] = m
    return found


def _check_sheet(
    activity: VolunteerActivity, service: list[ServiceIn], errors: Errors
) -> tuple[dict[int, Decimal], dict[int, Member]]:
    """Check a sheet against the activity's day and organization and the daily maximum."""
    hours: dict[int, Decimal] = {}
    for line in service:
        try:
            member_id = int(line.member_id)
            value = Decimal(str(line.hours).strip())
        except (TypeError, ValueError, InvalidOperation):
            errors.add("service", _("Give the hours as a number, such as 2 or 1.5."))
            continue
        if member_id in hours:
            errors.add("service", _("A member is listed twice on the sheet."))
        if not value.is_finite() or value <= 0:
            errors.add("service", _("Hours are more than 0."))
        elif value != value.quantize(TENTH):
            errors.add("service", _("Hours are given to one decimal place at most."))
        hours[member_id] = value.quantize(TENTH) if value.is_finite() else value
    if service and activity.state != VolunteerActivity.State.HELD:
        errors.add("service", _("Service hours are recorded when the activity is held."))
    if errors or not hours:
        return hours, {}
    day = activity.held_on
    members = eligible_members(activity.org, day, hours)
    strangers = sorted(set(hours) - set(members))
    if strangers:
        errors.add(
            "service",
            _("Not members of %(org)s nor checked in to it on %(day)s: %(ids)s. Only they may be on its sheet.")
            % {"org": activity.org, "day": day.isoformat(), "ids": ", ".join(f"#{m}" for m in strangers)},
        )
    maximum = Decimal(str(parameters.get(MAX_HOURS_KEY, day)))
    elsewhere = dict(
        ServiceHours.objects.filter(member_id__in=list(hours), held_on=day)
        .exclude(activity_id=activity.pk)
        .values("member_id")
        .annotate(total=Sum("hours"))
        .values_list("member_id", "total")
    )
    over = [
        members[m].name if m in members else str(m)
        for m, value in hours.items()
        if value + (elsewhere.get(m) or 0) > maximum
    ]
    if over:
        errors.add(
            "service",
            _("At most %(max)s hours of service a day may be recorded for a member: %(names)s.")
            % {"max": maximum, "names": "、".join(over)},
        )
    return hours, members


def _write_sheet(activity: VolunteerActivity, hours: dict[int, Decimal], members: dict[int, Member]) -> None:
    ServiceHours.objects.filter(activity=activity).delete()
    ServiceHours.objects.bulk_create(
        [
            ServiceHours(
                activity=activity,
                member_id=member_id,
                hours=value,
                org_path=members[member_id].org_path,
                activity_path=activity.org_path,
                held_on=activity.held_on,
            )
            for member_id, value in hours.items()
        ]
    )


def _stored_sheet(activity: VolunteerActivity) -> dict[int, Decimal]:
    return dict(ServiceHours.objects.filter(activity=activity).values_list("member_id", "hours"))


def _totals(hours: dict[int, Decimal]) -> dict[str, Any]:
    return {"people": len(hours), "hours": str(sum(hours.values(), Decimal("0.0")))}


@transaction.atomic
def activity_create(*, actor, org, data: dict[str, Any], service: list[ServiceIn] | None = None) -> VolunteerActivity:
    """Record a volunteer activity of ``org`` (planned or held) with its service sheet."""
    unknown = set(data) - set(ACTIVITY_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be set here: %s") % ", ".join(sorted(unknown)))
    data = validate_activity(org, data)
    activity = VolunteerActivity(org=org, recorded_by=linked_user(actor))
    for name, value in data.items():
        setattr(activity, name, value)
    activity.org_path = org.path
    errors = Errors()
    hours, members = _check_sheet(activity, list(service or []), errors)
    errors.raise_any()
    activity.full_clean()
    activity.save()
    _write_sheet(activity, hours, members)
    changes = created_changes(activity, ACTIVITY_FIELDS)
    changes["service"] = [None, _totals(hours)]
    audit.record(actor=actor, action="create", obj=activity, changes=changes)
    service_changed.send(sender=VolunteerActivity, activity_id=activity.pk)
    return activity


def _sheet_diff(old: dict[int, Decimal], new: dict[int, Decimal]) -> list[list[Any]]:
    return [
        [member_id, audit.jsonable(old.get(member_id)), audit.jsonable(new.get(member_id))]
        for member_id in sorted(set(old) | set(new))
        if old.get(member_id) != new.get(member_id)
    ]


@transaction.atomic
def activity_update(
    *,
    actor,
    activity: VolunteerActivity,
    data: dict[str, Any],
    service: list[ServiceIn] | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Change an activity; ``service`` (when given) replaces its sheet. A sheet kept is checked again
    against a new date (who was a member or checked in then, the daily maximum)."""
    refuse_unknown(data, ACTIVITY_FIELDS)
    activity = VolunteerActivity.objects.select_for_update(of=("self",)).select_related("org").get(pk=activity.pk)
    check_version(activity, expected_version)
    data = validate_activity(activity.org, data, instance=activity)
    old = _stored_sheet(activity)
    before = snapshot(activity, ACTIVITY_FIELDS)
    for name, value in data.items():
        setattr(activity, name, value)
    if service is None:
        service = [ServiceIn(m, h) for m, h in old.items()]
        if activity.state != VolunteerActivity.State.HELD and old:
            raise ValidationError(
                {"state": _("Hours were recorded for this activity: it was held. Clear the sheet first.")}
            )
    errors = Errors()
    hours, members = _check_sheet(activity, list(service), errors)
    errors.raise_any()
    activity.full_clean()
    diff: dict[str, Any] = changed_fields(before, snapshot(activity, ACTIVITY_FIELDS))
    sheet_diff = _sheet_diff(old, hours)
    if sheet_diff:
        diff["service"] = [_totals(old), _totals(hours)]
        diff["service_changes"] = sheet_diff
    if not diff:
        return {}
    activity.version = F("version") + 1
    activity.save()
    activity.refresh_from_db(fields=["version"])
    if sheet_diff or "held_on" in diff:
        _write_sheet(activity, hours, members)
    audit.record(actor=actor, action="update", obj=activity, changes=diff)
    service_changed.send(sender=VolunteerActivity, activity_id=activity.pk)
    return diff


@transaction.atomic
def service_record(
    *, actor, activity: VolunteerActivity, service: list[ServiceIn], expected_version: int | None = None
) -> dict[str, Any]:
    """Replace the service sheet of a held activity (members and their hours) in one call."""
    return activity_update(actor=actor, activity=activity, data={}, service=service, expected_version=expected_version)


@transaction.atomic
def activity_cancel(
    *, actor, activity: VolunteerActivity, reason: str, expected_version: int | None = None
) -> VolunteerActivity:
    """Cancel an activity, or withdraw a record made in error: it stays, its sheet is cleared (the audit
    event keeps what it was), so that every service row is of a held activity."""
    already, missing = _("This activity is already cancelled."), _("Say why the activity is cancelled.")
    activity, changes = record_cancel(activity, reason, expected_version, already=already, missing=missing)
    sheet = _stored_sheet(activity)
    if sheet:
        ServiceHours.objects.filter(activity=activity).delete()
        changes["service"] = [_totals(sheet), _totals({})]
        changes["service_changes"] = _sheet_diff(sheet, {})
    audit.record(actor=actor, action="update", obj=activity, changes=changes)
    service_changed.send(sender=VolunteerActivity, activity_id=activity.pk)
    return activity


@transaction.atomic
def activity_delete(*, actor, activity: VolunteerActivity, expected_version: int | None = None) -> None:
    """Delete an activity recorded in error, with its service sheet (the audit keeps what it was)."""
    activity = VolunteerActivity.objects.select_for_update().select_related("org").get(pk=activity.pk)
    check_version(activity, expected_version)
    old = _stored_sheet(activity)
    pk = activity.pk
    changes = {name: [audit.jsonable(getattr(activity, name)), None] for name in ACTIVITY_FIELDS}
    changes["service"] = [_totals(old), None]
    changes["service_changes"] = _sheet_diff(old, {})
    audit.record(actor=actor, action="delete", obj=activity, changes=changes)
    activity.delete()
    service_changed.send(sender=VolunteerActivity, activity_id=pk)
