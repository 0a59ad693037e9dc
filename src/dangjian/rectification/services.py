"""Writes of rectification. Each service validates (a ``ValidationError`` naming the field, nothing
written), writes in one transaction and records exactly one audit event.

Who may do what is checked here as well as by the pages' querysets:

- a screening, a mark and the case's content (officials, plan, work team, problems) are written by
  an organizer of a committee *above* the organization: a branch never classifies itself;
- the organization itself (its secretary) records progress and marks countermeasures done;
- a township (any organizer above) accepts a case; the department that ran the screening closes it
  or sends it back (reopen).

``actor=None`` is the system (the demo, the tests' fixtures): it is not checked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.dates import is_future
from dangjian.core.roles import TREE_ROLES, WRITE_ROLES
from dangjian.core.scoping import paths_for
from dangjian.core.services import check_version, object_update, save_new_version
from dangjian.rectification.models import (
    Classification,
    Problem,
    ProgressNote,
    Rectification,
    Screening,
    ScreeningCriterion,
    ScreeningMark,
    WorkTeamMember,
)

EARLIEST_YEAR = 2000
CASE_FIELDS = ("lead_official", "township_sponsor", "plan")
PROBLEM_FIELDS = ("description", "countermeasure", "responsible", "deadline")
LIMITS = {
    "note": 500,
    "lead_official": 64,
    "township_sponsor": 64,
    "plan": 4000,
    "description": 500,
    "countermeasure": 500,
    "responsible": 64,
    "text": 1000,
    "name": 64,
    "role": 64,
}


# --- Who may ------------------------------------------------------------------------------------------
def _is_system(actor) -> bool:
    return actor is None or not getattr(actor, "is_authenticated", False)


def organizes_above(actor, path: str) -> bool:
    """Whether ``actor`` is an organizer of a committee strictly above the organization at ``path``."""
    if _is_system(actor):
        return True
    return any(path.startswith(p) and path != p for p in paths_for(actor, TREE_ROLES))


def organizes(actor, path: str) -> bool:
    """Whether ``actor`` is an organizer over ``path`` (itself included)."""
    if _is_system(actor):
        return True
    return any(path.startswith(p) for p in paths_for(actor, TREE_ROLES))


def works_in(actor, path: str) -> bool:
    """Whether ``actor`` reads and writes business records at ``path`` (the branch's secretary included)."""
    if _is_system(actor):
        return True
    return any(path.startswith(p) for p in paths_for(actor, WRITE_ROLES))


def _refuse(field: str, allowed: bool, message: str) -> None:
    if not allowed:
        raise ValidationError({field: message})


def _refuse_classifying(allowed: bool) -> None:
    _refuse("org", allowed, _("Only an organizer of a committee above this organization may classify it."))


def _mark_fields(errors: dict[str, str], classification: str, criteria, note: str, year: int):
    """Check a mark's classification, criteria (of ``year``) and note, then raise every error found
    (with those already in ``errors``). Returns the criteria chosen and the note."""
    if classification not in Classification.values:
        errors["classification"] = _("Choose weak and lax or lagging.")
    chosen = _criteria(criteria, year, errors)
    note = _text({"note": note}, errors, "note")
    if errors:
        raise ValidationError(errors)
    return chosen, note


def _text(data: dict[str, Any], errors: dict[str, str], name: str, *, required: str | None = None) -> str:
    value = (data.get(name) or "").strip()
    if required and not value:
        errors[name] = required
    elif len(value) > LIMITS[name]:
        errors[name] = _("At most %(n)s characters.") % {"n": LIMITS[name]}
    return value


def _day(
    value, errors: dict[str, str], name: str, *, required: str, not_before: dt.date | None = None
) -> dt.date | None:
    if not isinstance(value, dt.date):
        errors[name] = required
        return None
    if is_future(value):
        errors[name] = _("The date cannot be in the future (today is %(today)s).") % {
            "today": timezone.localdate().isoformat()
        }
    elif not_before and value < not_before:
        errors[name] = _("The date cannot be before %(day)s.") % {"day": not_before.isoformat()}
    return value


# --- Criteria -----------------------------------------------------------------------------------------
def criteria_on(day: dt.date):
    """The criteria in force on ``day`` (the latest row of each code)."""
    return list(ScreeningCriterion.objects.in_force_on(day).order_by("code"))


# --- Screenings ---------------------------------------------------------------------------------------
@transaction.atomic
def screening_create(*, actor, org, year: int, note: str = "") -> Screening:
    """The screening of ``org``'s subtree in ``year`` (one per organization and year)."""
    _refuse("org", organizes(actor, org.path), _("Only an organizer of this committee may screen its subtree."))
    errors: dict[str, str] = {}
    note = _text({"note": note}, errors, "note")
    today = timezone.localdate()
    if not isinstance(year, int) or isinstance(year, bool) or not (EARLIEST_YEAR <= year <= today.year):
        errors["year"] = _("Give a year from %(first)s to %(last)s.") % {"first": EARLIEST_YEAR, "last": today.year}
    elif Screening.objects.filter(org=org, year=year).exists():
        errors["year"] = _("This organization's subtree was already screened for %(year)s.") % {"year": year}
    if org.dissolved_on:
        errors["org"] = _("The organization was dissolved on %(day)s.") % {"day": org.dissolved_on.isoformat()}
    if errors:
        raise ValidationError(errors)
    screening = Screening.objects.create(org=org, year=year, note=note)
    audit.record(actor=actor, action="create", obj=screening, changes={"year": [None, year], "note": [None, note]})
    return screening


# --- Marks --------------------------------------------------------------------------------------------
def _criteria(ids, year: int, errors: dict[str, str]) -> list[ScreeningCriterion]:
    ids = {int(i.pk if isinstance(i, ScreeningCriterion) else i) for i in ids or ()}
    if not ids:
        errors["criteria"] = _("Choose at least one criterion that applies.")
        return []
    allowed = {c.pk: c for c in criteria_on(dt.date(year, 12, 31))}
    if not ids <= set(allowed):
        errors["criteria"] = _("Choose the criteria from the list.")
        return []
    return [allowed[i] for i in sorted(ids)]


@transaction.atomic
def mark_create(*, actor, screening: Screening, org, classification: str, criteria, note: str = "") -> ScreeningMark:
    """Name ``org`` (in the screening's subtree, below its organization) weak or lagging."""
    _refuse_classifying(organizes_above(actor, org.path) and organizes(actor, screening.org_path))
    errors: dict[str, str] = {}
    if not (org.path.startswith(screening.org_path) and org.path != screening.org_path):
        errors["org"] = _("The organization is not in the screened subtree.")
    elif org.dissolved_on and org.dissolved_on < dt.date(screening.year, 1, 1):
        errors["org"] = _("The organization was dissolved on %(day)s.") % {"day": org.dissolved_on.isoformat()}
    elif ScreeningMark.objects.filter(screening=screening, org=org).exists():
        errors["org"] = _("This organization is already marked in this screening.")
    chosen, note = _mark_fields(errors, classification, criteria, note, screening.year)
    mark = ScreeningMark(
        screening=screening,
        org=org,
        classification=classification,
        note=note,
        screening_path=screening.org_path,
        year=screening.year,
    )
    mark.save()
    mark.criteria.set(chosen)
    audit.record(
        actor=actor,
        action="create",
        obj=mark,
        changes={
            "classification": [None, classification],
            "criteria": [None, [c.code for c in chosen]],
            "note": [None, note],
        },
    )
    return mark


@transaction.atomic
def mark_update(*, actor, mark: ScreeningMark, classification: str, criteria, note: str = "") -> dict[str, list[Any]]:
    """Change a mark's classification, criteria or note; its case (if any) follows the classification,
    until the case is closed."""
    mark = ScreeningMark.objects.select_for_update().get(pk=mark.pk)
    _refuse_classifying(organizes_above(actor, mark.org_path))
    case = Rectification.objects.select_for_update().filter(mark=mark).first()
    errors: dict[str, str] = {}
    if case is not None and case.state == Rectification.State.CLOSED:
        errors["classification"] = _("This case is closed: reopen it first.")
    chosen, note = _mark_fields(errors, classification, criteria, note, mark.year)
    before = {
        "classification": mark.classification,
        "criteria": sorted(c.code for c in mark.criteria.all()),
        "note": mark.note,
    }
    after = {"classification": classification, "criteria": sorted(c.code for c in chosen), "note": note}
    diff = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if not diff:
        return diff
    ScreeningMark.objects.filter(pk=mark.pk).update(classification=classification, note=note, version=F("version") + 1)
    mark.criteria.set(chosen)
    if case is not None and case.classification != classification:
        Rectification.objects.filter(pk=case.pk).update(classification=classification, version=F("version") + 1)
    audit.record(actor=actor, action="update", obj=mark, changes=diff)
    return diff


@transaction.atomic
def mark_delete(*, actor, mark: ScreeningMark) -> None:
    """Withdraw a mark made in error; only while no case was opened for it."""
    mark = ScreeningMark.objects.select_for_update().get(pk=mark.pk)
    _refuse(
        "org", organizes_above(actor, mark.org_path), _("Only an organizer of a committee above may withdraw a mark.")
    )
    if Rectification.objects.filter(mark=mark).exists():
        raise ValidationError({"mark": _("A rectification case was opened for this mark: it cannot be withdrawn.")})
    audit.record(actor=actor, action="delete", obj=mark, changes={"classification": [mark.classification, None]})
    mark.criteria.clear()
    mark.delete()


# --- Cases --------------------------------------------------------------------------------------------
def _case_fields(data: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    unknown = set(data) - set(CASE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be set here: %s") % ", ".join(sorted(unknown)))
    return {name: _text(data, errors, name) for name in data}


@transaction.atomic
def case_open(*, actor, mark: ScreeningMark, opened_on: dt.date, data: dict[str, Any] | None = None) -> Rectification:
    """Open the rectification case of a marked organization."""
    _refuse("mark", organizes_above(actor, mark.org_path), _("Only an organizer of a committee above may open a case."))
    errors: dict[str, str] = {}
    values = _case_fields(data or {}, errors)
    _day(
        opened_on,
        errors,
        "opened_on",
        required=_("Give the day the case is opened."),
        not_before=dt.date(mark.year, 1, 1),
    )
    if Rectification.objects.filter(mark=mark).exists():
        errors["mark"] = _("A case is already open for this organization.")
    if errors:
        raise ValidationError(errors)
    case = Rectification.objects.create(
        mark=mark,
        org_id=mark.org_id,
        org_path=mark.org_path,
        year=mark.year,
        classification=mark.classification,
        opened_on=opened_on,
        **values,
    )
    changes = {"state": [None, case.state], "opened_on": [None, opened_on.isoformat()]}
    changes.update({k: [None, v] for k, v in values.items() if v})
    audit.record(actor=actor, action="create", obj=case, changes=changes)
    return case


@transaction.atomic
def case_update(
    *, actor, case: Rectification, data: dict[str, Any], expected_version: int | None = None
) -> dict[str, list[Any]]:
    """Change the leading official, the township sponsor or the plan."""
    case = Rectification.objects.select_for_update().get(pk=case.pk)
    _refuse(
        "plan", organizes_above(actor, case.org_path), _("Only an organizer of a committee above may change the plan.")
    )
    _refuse("plan", case.state != Rectification.State.CLOSED, _("This case is closed: reopen it first."))
    check_version(case, expected_version)
    errors: dict[str, str] = {}
    values = _case_fields(data, errors)
    if errors:
        raise ValidationError(errors)
    return object_update(actor=actor, instance=case, data=values)


def _step(actor, case: Rectification, state: str, changes: dict[str, Any], **values) -> Rectification:
    before = case.state
    for name, value in values.items():
        setattr(case, name, value)
    case.state = state
    save_new_version(case)
    audit.record(actor=actor, action=f"rectification_{state}", obj=case, changes={"state": [before, state], **changes})
    return case


def _locked(case: Rectification) -> Rectification:
    return Rectification.objects.select_for_update().select_related("mark").get(pk=case.pk)


@transaction.atomic
def case_start(*, actor, case: Rectification) -> Rectification:
    """Opened → in progress: the work team is on site."""
    case = _locked(case)
    _refuse(
        "state", organizes_above(actor, case.org_path), _("Only an organizer of a committee above may start the work.")
    )
    _refuse("state", case.state == Rectification.State.OPENED, _("Only an opened case can be started."))
    return _step(actor, case, Rectification.State.IN_PROGRESS, {})


@transaction.atomic
def case_accept(*, actor, case: Rectification, accepted_on: dt.date) -> Rectification:
    """In progress → accepted by the township (验收): every countermeasure done."""
    case = _locked(case)
    _refuse(
        "state", organizes_above(actor, case.org_path), _("Only the township (a committee above) may accept the case.")
    )
    _refuse("state", case.state == Rectification.State.IN_PROGRESS, _("Only a case in progress can be accepted."))
    problems = Problem.objects.filter(rectification=case)
    errors: dict[str, str] = {}
    if not problems.exists():
        errors["state"] = _("The plan lists no problem yet.")
    elif problems.filter(done_on__isnull=True).exists():
        errors["state"] = _("%(n)d countermeasures are not done yet.") % {
            "n": problems.filter(done_on__isnull=True).count()
        }
    last_done = problems.aggregate(m=Max("done_on"))["m"]
    _day(
        accepted_on,
        errors,
        "accepted_on",
        required=_("Give the day of acceptance."),
        not_before=max(d for d in (case.opened_on, last_done) if d),
    )
    if errors:
        raise ValidationError(errors)
    return _step(
        actor,
        case,
        Rectification.State.ACCEPTED,
        {"accepted_on": [None, accepted_on.isoformat()]},
        accepted_on=accepted_on,
    )


@transaction.atomic
def case_close(*, actor, case: Rectification, closed_on: dt.date) -> Rectification:
    """Accepted → closed by the department that ran the screening (销号)."""
    case = _locked(case)
    _refuse(
        "state",
        organizes(actor, case.mark.screening_path),
        _("Only the department that ran the screening may close the case."),
    )
    _refuse(
        "state", case.state == Rectification.State.ACCEPTED, _("Only a case accepted by the township can be closed.")
    )
    errors: dict[str, str] = {}
    _day(closed_on, errors, "closed_on", required=_("Give the day the case is closed."), not_before=case.accepted_on)
    if errors:
        raise ValidationError(errors)
    return _step(
        actor, case, Rectification.State.CLOSED, {"closed_on": [None, closed_on.isoformat()]}, closed_on=closed_on
    )


@transaction.atomic
def case_reopen(*, actor, case: Rectification, reason: str) -> Rectification:
    """Accepted or closed → back in progress, with the reason (the acceptance did not hold)."""
    case = _locked(case)
    _refuse(
        "state",
        organizes(actor, case.mark.screening_path),
        _("Only the department that ran the screening may reopen the case."),
    )
    _refuse(
        "state",
        case.state in (Rectification.State.ACCEPTED, Rectification.State.CLOSED),
        _("Only an accepted or closed case can be reopened."),
    )
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Give the reason for reopening.")
    elif len(reason) > 200:
        errors["reason"] = _("At most %(n)s characters.") % {"n": 200}
    if errors:
        raise ValidationError(errors)
    changes = {
        "reason": [None, reason],
        "accepted_on": [audit.jsonable(case.accepted_on), None],
        "closed_on": [audit.jsonable(case.closed_on), None],
    }
    return _step(actor, case, Rectification.State.IN_PROGRESS, changes, accepted_on=None, closed_on=None)


def _open_for_content(actor, case: Rectification, field: str) -> None:
    _refuse(
        field, organizes_above(actor, case.org_path), _("Only an organizer of a committee above may change the plan.")
    )
    _refuse(
        field,
        case.state in (Rectification.State.OPENED, Rectification.State.IN_PROGRESS),
        _("This case was accepted: reopen it first."),
    )


# --- Work team ----------------------------------------------------------------------------------------
@transaction.atomic
def team_member_add(*, actor, case: Rectification, name: str, role: str = "", captain: bool = False) -> WorkTeamMember:
    case = _locked(case)
    _open_for_content(actor, case, "name")
    errors: dict[str, str] = {}
    data = {"name": name, "role": role}
    name = _text(data, errors, "name", required=_("Give the name of the team member."))
    role = _text(data, errors, "role")
    if captain and WorkTeamMember.objects.filter(rectification=case, captain=True).exists():
        errors["captain"] = _("The work team already has a captain.")
    if errors:
        raise ValidationError(errors)
    row = WorkTeamMember.objects.create(rectification=case, name=name, role=role, captain=bool(captain))
    audit.record(
        actor=actor,
        action="team_add",
        obj=case,
        changes={"team": [None, f"{name}（{role}）" if role else name], "captain": [None, bool(captain)]},
    )
    return row


@transaction.atomic
def team_member_remove(*, actor, member: WorkTeamMember) -> None:
    case = _locked(member.rectification)
    _open_for_content(actor, case, "name")
    audit.record(actor=actor, action="team_remove", obj=case, changes={"team": [member.name, None]})
    member.delete()


# --- Problems and countermeasures ---------------------------------------------------------------------
def validate_problem(case: Rectification, data: dict[str, Any], instance: Problem | None = None) -> dict[str, Any]:
    """Check a problem's fields (merged over ``instance``); raise every error at once; the values to write."""
    unknown = set(data) - set(PROBLEM_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be set here: %s") % ", ".join(sorted(unknown)))
    merged = {n: getattr(instance, n) for n in PROBLEM_FIELDS} if instance else {}
    merged.update(data)
    errors: dict[str, str] = {}
    values = {
        "description": _text(merged, errors, "description", required=_("Describe the problem.")),
        "countermeasure": _text(merged, errors, "countermeasure", required=_("Give the countermeasure.")),
        "responsible": _text(merged, errors, "responsible", required=_("Name who is responsible.")),
    }
    deadline = merged.get("deadline")
    if not isinstance(deadline, dt.date):
        errors["deadline"] = _("Give the deadline of the countermeasure.")
    elif deadline < case.opened_on:
        errors["deadline"] = _("The deadline cannot be before the case was opened (%(day)s).") % {
            "day": case.opened_on.isoformat()
        }
    values["deadline"] = deadline
    if errors:
        raise ValidationError(errors)
    return {k: v for k, v in values.items() if k in data or instance is None}


@transaction.atomic
def problem_add(*, actor, case: Rectification, data: dict[str, Any]) -> Problem:
    """A problem of the plan with its countermeasure (一问题一对策)."""
    case = _locked(case)
    _open_for_content(actor, case, "description")
    values = validate_problem(case, data, None)
    problem = Problem.objects.create(rectification=case, org_path=case.org_path, **values)
    audit.record(
        actor=actor,
        action="problem_add",
        obj=case,
        changes={k: [None, audit.jsonable(v)] for k, v in values.items()},
        org=case.org,
    )
    return problem


@transaction.atomic
def problem_update(*, actor, problem: Problem, data: dict[str, Any]) -> dict[str, list[Any]]:
    case = _locked(problem.rectification)
    _open_for_content(actor, case, "description")
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    values = validate_problem(case, data, problem)
    diff = {
        k: [audit.jsonable(getattr(problem, k)), audit.jsonable(v)]
        for k, v in values.items()
        if getattr(problem, k) != v
    }
    if diff:
        Problem.objects.filter(pk=problem.pk).update(**values)
        audit.record(
            actor=actor, action="problem_update", obj=case, changes={"problem": [problem.pk, problem.pk], **diff}
        )
    return diff


@transaction.atomic
def countermeasure_done(*, actor, problem: Problem, done_on: dt.date | None) -> Problem:
    """Record the day a countermeasure was carried out (None: not done after all). The organization
    itself may record it."""
    case = _locked(problem.rectification)
    _refuse("done_on", works_in(actor, case.org_path), _("You may not record progress on this case."))
    _refuse(
        "done_on",
        case.state in (Rectification.State.OPENED, Rectification.State.IN_PROGRESS),
        _("This case was accepted: reopen it first."),
    )
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    errors: dict[str, str] = {}
    if done_on is not None:
        _day(done_on, errors, "done_on", required=_("Give the day it was done."), not_before=case.opened_on)
    if errors:
        raise ValidationError(errors)
    if problem.done_on == done_on:
        return problem
    before = problem.done_on
    problem.done_on = done_on
    problem.save(update_fields=["done_on"])
    audit.record(
        actor=actor,
        action="countermeasure_done",
        obj=case,
        changes={"problem": [problem.pk, problem.pk], "done_on": [audit.jsonable(before), audit.jsonable(done_on)]},
    )
    return problem


# --- Progress -----------------------------------------------------------------------------------------
@transaction.atomic
def progress_add(*, actor, case: Rectification, written_on: dt.date, text: str) -> ProgressNote:
    """A progress note; the organization itself may write it."""
    case = _locked(case)
    _refuse("text", works_in(actor, case.org_path), _("You may not record progress on this case."))
    _refuse("text", case.state != Rectification.State.CLOSED, _("This case is closed: reopen it first."))
    errors: dict[str, str] = {}
    text = _text({"text": text}, errors, "text", required=_("Describe what was done."))
    _day(written_on, errors, "written_on", required=_("Give the date."), not_before=case.opened_on)
    if errors:
        raise ValidationError(errors)
    note = ProgressNote.objects.create(
        rectification=case, written_on=written_on, text=text, author=None if _is_system(actor) else actor
    )
    audit.record(
        actor=actor,
        action="progress_add",
        obj=case,
        changes={"written_on": [None, written_on.isoformat()], "text": [None, text]},
    )
    return note


__all__ = [
    "case_accept",
    "case_close",
    "case_open",
    "case_reopen",
    "case_start",
    "case_update",
    "countermeasure_done",
    "criteria_on",
    "mark_create",
    "mark_delete",
    "mark_update",
    "organizes",
    "organizes_above",
    "problem_add",
    "problem_update",
    "progress_add",
    "screening_create",
    "team_member_add",
    "team_member_remove",
    "validate_problem",
    "works_in",
]
