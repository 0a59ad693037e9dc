"""The democratic appraisal of members (民主评议党员): opening it with the roster, the entries and votes,
the decision, and the follow-up of members rated unqualified."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, parameters
from dangjian.core.fields import linked_user
from dangjian.core.services import changed_fields, check_version, object_update, refuse_unknown, snapshot
from dangjian.members.queries import roster
from dangjian.organizations.models import Level
from dangjian.orglife.models import (
    Appraisal,
    AppraisalEntry,
    AppraisalFollowUp,
    Meeting,
    MeetingKind,
    Rating,
)
from dangjian.orglife.services.figures import refresh as refresh_figures

EXCELLENT_KEY = "orglife.excellent_share_permille"


ENTRY_FIELDS = (
    "self_assessment",
    "peer_assessment",
    "votes_excellent",
    "votes_qualified",
    "votes_basically_qualified",
    "votes_unqualified",
    "rating",
)


VOTE_FIELDS = ENTRY_FIELDS[2:6]


def excellent_limit(rated: int, on: dt.date | None = None) -> tuple[int, int]:
    """``(most members that may be rated excellent, the share in per mille)``."""
    permille = parameters.get(EXCELLENT_KEY, on)
    return rated * permille // 1000, permille


@transaction.atomic
def appraisal_open(*, actor, org, year: int, meeting: Meeting | None = None, voters: int | None = None) -> Appraisal:
    """Start the appraisal of ``org``'s members for ``year``: one entry per member of the roster."""
    errors = {}
    today = timezone.localdate()
    if org.level not in (Level.BRANCH, Level.GENERAL_BRANCH):
        errors["org"] = _("The appraisal of members is held by a branch.")
    if not org.is_active:
        errors["org"] = _("The organization has been dissolved.")
    if not 2000 <= year <= today.year:
        errors["year"] = _("Choose this year or an earlier one.")
    if Appraisal.objects.filter(org=org, year=year).exists():
        errors["year"] = _("The appraisal of %(year)d is already recorded for this organization.") % {"year": year}
    if errors:
        raise ValidationError(errors)
    on = min(today, dt.date(year, 12, 31))
    members = roster(org, on)
    appraisal = Appraisal(org=org, year=year)
    _set_vote(appraisal, meeting, voters)
    appraisal.full_clean()
    appraisal.save()
    AppraisalEntry.objects.bulk_create([AppraisalEntry(appraisal=appraisal, member=m) for m in members])
    audit.record(
        actor=actor,
        action="create",
        obj=appraisal,
        changes={"year": [None, year], "members": [None, len(members)], "meeting": [None, audit.jsonable(meeting)]},
    )
    return appraisal


def _set_vote(appraisal: Appraisal, meeting: Meeting | None, voters: int | None) -> None:
    errors = {}
    if meeting is not None:
        if meeting.org_id != appraisal.org_id or meeting.state != Meeting.State.HELD:
            errors["meeting"] = _("Choose a meeting held by this organization.")
        elif MeetingKind.GENERAL_MEETING not in meeting.kinds:
            errors["meeting"] = _("Members vote on the appraisal at a general meeting.")
        voters = None
    if voters is not None and voters < 0:
        errors["voters"] = _("Enter a whole number of zero or more.")
    if errors:
        raise ValidationError(errors)
    appraisal.meeting = meeting
    appraisal.voters = voters


@transaction.atomic
def appraisal_update(
    *,
    actor,
    appraisal: Appraisal,
    entries: dict[int, dict[str, Any]],
    vote: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> dict:
    """Record assessments, tallies and proposed ratings (``entries`` by member id) while the
    appraisal is open; ``vote`` may set ``meeting``/``voters``/``note``. All or nothing."""
    appraisal = Appraisal.objects.select_for_update(of=("self",)).select_related("meeting").get(pk=appraisal.pk)
    check_version(appraisal, expected_version)
    if appraisal.state != Appraisal.State.OPEN:
        raise ValidationError(_("The appraisal has been decided and can no longer be changed."))
    before = {"meeting": appraisal.meeting_id, "voters": appraisal.voters, "note": appraisal.note}
    if vote:
        if "meeting" in vote or "voters" in vote:
            _set_vote(appraisal, vote.get("meeting", appraisal.meeting), vote.get("voters", appraisal.voters))
        if "note" in vote:
            appraisal.note = (vote["note"] or "").strip()[:500]
    rows = {e.member_id: e for e in appraisal.entries.select_related("member")}
    unknown = set(entries) - set(rows)
    if unknown:
        raise ValidationError(
            {"entries": _("Not in this appraisal: %(ids)s.") % {"ids": ", ".join(f"#{i}" for i in sorted(unknown))}}
        )
    voters = appraisal.voter_count
    problems: list[str] = []
    changed: list[AppraisalEntry] = []
    changes: dict[str, Any] = {}
    for member_id, values in entries.items():
        entry = rows[member_id]
        old = snapshot(entry, ENTRY_FIELDS)
        for name, value in values.items():
            if name not in ENTRY_FIELDS:
                continue
            if name in VOTE_FIELDS:
                value = int(value or 0)
                if value < 0:
                    problems.append(_("%(name)s: a tally cannot be negative.") % {"name": entry.member.name})
                    value = 0
            elif name == "rating":
                value = value or ""
                if value and value not in Rating.values:
                    problems.append(_("%(name)s: choose a rating from the list.") % {"name": entry.member.name})
                    continue
            else:
                value = (value or "").strip()
            setattr(entry, name, value)
        if entry.votes_total and voters is None:
            problems.append(
                _("%(name)s: give the number of members present at the vote (or the meeting) before the tallies.")
                % {"name": entry.member.name}
            )
        elif voters is not None and entry.votes_total > voters:
            problems.append(
                _("%(name)s: %(votes)d votes in all, more than the %(voters)d members present at the vote.")
                % {"name": entry.member.name, "votes": entry.votes_total, "voters": voters}
            )
        diff = changed_fields(old, snapshot(entry, ENTRY_FIELDS))
        if diff:
            changed.append(entry)
            changes[str(member_id)] = {
                k: v for k, v in diff.items() if k not in ("self_assessment", "peer_assessment")
            } or {"text": [None, True]}
    # The meeting or the number of voters may have changed: every stored tally must still fit.
    if voters is not None:
        for entry in rows.values():
            if entry not in changed and entry.votes_total > voters:
                problems.append(
                    _("%(name)s: %(votes)d votes in all, more than the %(voters)d members present at the vote.")
                    % {"name": entry.member.name, "votes": entry.votes_total, "voters": voters}
                )
    if problems:
        raise ValidationError({"entries": problems})
    after = {"meeting": appraisal.meeting_id, "voters": appraisal.voters, "note": appraisal.note}
    head = changed_fields(before, after)
    if not changed and not head:
        return {}
    AppraisalEntry.objects.bulk_update(changed, list(ENTRY_FIELDS))
    appraisal.version = F("version") + 1
    appraisal.save()
    appraisal.refresh_from_db(fields=["version"])
    audit.record(
        actor=actor, action="update", obj=appraisal, changes={**head, **({"entries": changes} if changes else {})}
    )
    return {**head, **changes}


@transaction.atomic
def appraisal_decide(
    *, actor, appraisal: Appraisal, on: dt.date | None = None, expected_version: int | None = None
) -> Appraisal:
    """The organization's decision: every member rated, the excellent share within the cap.
    Members rated unqualified get a follow-up record (organizational handling)."""
    appraisal = Appraisal.objects.select_for_update().get(pk=appraisal.pk)
    check_version(appraisal, expected_version)
    on = on or timezone.localdate()
    if appraisal.state != Appraisal.State.OPEN:
        raise ValidationError(_("The appraisal has already been decided."))
    entries = list(appraisal.entries.select_related("member").order_by("member__name_pinyin"))
    unrated = [e.member.name for e in entries if not e.rating]
    if not entries:
        raise ValidationError(_("There is nobody to appraise."))
    if unrated:
        raise ValidationError(
            {
                "entries": _("Rate every member before deciding; not yet rated: %(names)s.")
                % {"names": "、".join(unrated)}
            }
        )
    excellent = sum(1 for e in entries if e.rating == Rating.EXCELLENT)
    limit, permille = excellent_limit(len(entries), on)
    if excellent > limit:
        raise ValidationError(
            {
                "entries": _(
                    "%(excellent)d members are rated excellent, more than %(share)s of the %(total)d members appraised "
                    "allows (at most %(limit)d). Rate fewer members excellent, or ask the department about the rule."
                )
                % {"excellent": excellent, "share": f"{permille / 10:g}%", "total": len(entries), "limit": limit}
            }
        )
    appraisal.state = Appraisal.State.DECIDED
    appraisal.decided_on = on
    appraisal.decided_by = linked_user(actor)
    appraisal.version = F("version") + 1
    appraisal.save()
    appraisal.refresh_from_db(fields=["version"])
    unqualified = [e for e in entries if e.rating == Rating.UNQUALIFIED]
    AppraisalFollowUp.objects.bulk_create([AppraisalFollowUp(entry=e) for e in unqualified])
    tally = {r: sum(1 for e in entries if e.rating == r) for r in Rating.values}
    audit.record(
        actor=actor,
        action="update",
        obj=appraisal,
        changes={"state": [Appraisal.State.OPEN, Appraisal.State.DECIDED], "ratings": [None, tally]},
    )
    refresh_figures([appraisal.org_id], [appraisal.year])
    return appraisal


FOLLOW_UP_FIELDS = ("measure", "due_on", "status", "outcome", "closed_on")


@transaction.atomic
def follow_up_update(
    *, actor, follow_up: AppraisalFollowUp, data: dict[str, Any], expected_version: int | None = None
) -> dict:
    refuse_unknown(data, FOLLOW_UP_FIELDS)
    data = dict(data)
    status = data.get("status", follow_up.status)
    errors = {}
    if status == AppraisalFollowUp.Status.CLOSED:
        if not (data.get("measure", follow_up.measure)):
            errors["measure"] = _("Choose the handling decided.")
        if not (data.get("outcome", follow_up.outcome) or "").strip():
            errors["outcome"] = _("Describe the outcome before closing.")
        data["closed_on"] = data.get("closed_on") or follow_up.closed_on or timezone.localdate()
        if data["closed_on"] > timezone.localdate():
            errors["closed_on"] = _("The date cannot be in the future.")
    else:
        data["closed_on"] = None
    if errors:
        raise ValidationError(errors)
    return object_update(actor=actor, instance=follow_up, data=data, expected_version=expected_version)
