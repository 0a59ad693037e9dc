"""Claims, awards and their approval: a member's or a branch's proposal, a bulk award, the steps of
the chain, and the checks the ledger's Excel register shares. A claim approved beyond its rule's cap is
cut to what is left (refused when nothing is)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, parameters
from dangjian.core.fields import linked_user
from dangjian.points.models import (
    ZERO,
    Category,
    Direction,
    PointClaim,
    PointEntry,
    PointRule,
    PointStep,
    Step,
)
from dangjian.points.services.balances import refresh_balances
from dangjian.points.services.book import BULK_KEY, RuleBook, cap_window, window_bounds
from dangjian.points.services.permissions import _grants, can_propose_for, holds_step
from dangjian.points.services.schemes import _check_points
from dangjian.posts.queries import duty_assignments, on_duty


def rules_for(member, day: dt.date, book: RuleBook | None = None) -> list[PointRule]:
    """The rules a person may claim or award under for ``member`` on ``day`` (not the automatic ones)."""
    book = book or RuleBook()
    scheme = book.scheme_for(member.org_path, day)
    if scheme is None:
        return []
    return sorted(
        (r for r in book.rules.values() if r.scheme_id == scheme.pk and not r.automatic and r.in_force(day)),
        key=lambda r: (r.category, r.code),
    )


@dataclass(frozen=True)
class Asked:
    """What a claim, an award or a ledger row asks for: points under ``rule`` for ``event`` done on
    ``occurred_on`` (``points`` None or blank: the rule's points), with ``evidence``; as typed, checked
    by :func:`validate_claim_fields`."""

    rule: PointRule
    occurred_on: Any
    event: str
    points: Any = None
    evidence: str = ""


def validate_claim_fields(
    actor,
    member,
    asked: Asked,
    book: RuleBook,
    errors: dict,
    *,
    self_claim: bool,
    assignment=None,
    duty: list | None = None,
) -> tuple[Decimal | None, Any]:
    """Every check of a claim or of one member of an award, errors into ``errors`` keyed by field,
    without writing (also an import's preview). Returns the points asked for and the post assignment
    the entry is for (named, or found by :func:`post_tie`); ``duty`` is the member's assignments that
    reached duty, when already loaded."""
    rule, occurred_on, points = asked.rule, asked.occurred_on, asked.points
    event, evidence = asked.event, asked.evidence
    today = timezone.localdate()
    if not isinstance(occurred_on, dt.date):
        errors["occurred_on"] = _("Give the date of what was done.")
        return None
    if occurred_on > today:
        errors["occurred_on"] = _("The date cannot be in the future.")
    elif not rule.in_force(occurred_on):
        errors["occurred_on"] = _("The rule %(rule)s is in force from %(start)s to %(end)s; %(day)s is outside it.") % {
            "rule": rule.name,
            "start": rule.effective_from.isoformat(),
            "end": rule.effective_to.isoformat() if rule.effective_to else _("now"),
            "day": occurred_on.isoformat(),
        }
    if rule.automatic:
        errors["rule"] = _("Points under %(rule)s come from the records automatically and cannot be claimed.") % {
            "rule": rule.name
        }
    elif "occurred_on" not in errors:
        scheme = book.scheme_for(member.org_path, occurred_on)
        if scheme is None or scheme.pk != rule.scheme_id:
            errors["rule"] = _("%(rule)s is not a rule of the scheme that applies to %(member)s.") % {
                "rule": rule.name,
                "member": member.name,
            }
    if self_claim and rule.direction == Direction.DEDUCTION:
        errors["rule"] = _("Deductions are proposed by the branch, not claimed.")
    event = (event or "").strip()
    if not event:
        errors["event"] = _("Say what was done.")
    elif len(event) > 200:
        errors["event"] = _("At most 200 characters.")
    evidence = (evidence or "").strip()
    if rule.evidence_required and not evidence:
        errors["evidence"] = _("This rule needs evidence: say who can confirm it (no screenshots are needed).")
    elif len(evidence) > 500:
        errors["evidence"] = _("At most 500 characters.")
    amount = (
        rule.points if points in (None, "") else _check_points("points", points, errors, whole=not rule.allow_fraction)
    )
    if amount is not None and amount > rule.points:
        errors["points"] = _("At most %(points)s points per event under this rule.") % {"points": rule.points}
    if "occurred_on" not in errors and "rule" not in errors:
        codes = [r.pk for r in book.rules.values() if r.scheme_id == rule.scheme_id and r.code == rule.code]
        duplicate = PointEntry.objects.filter(
            member=member,
            rule_id__in=codes,
            occurred_on=occurred_on,
            status__in=[PointEntry.Status.PROPOSED, PointEntry.Status.APPROVED],
        ).exists()
        if duplicate:
            errors["occurred_on"] = _("%(member)s already has an entry under %(rule)s for %(day)s.") % {
                "member": member.name,
                "rule": rule.name,
                "day": occurred_on.isoformat(),
            }
    tie = None
    if isinstance(occurred_on, dt.date) and "rule" not in errors:
        tie = post_tie(member, rule, occurred_on, assignment, errors, duty)
    return amount, tie


def post_tie(member, rule: PointRule, day: dt.date, assignment, errors: dict, duty: list | None = None):
    """The post assignment (一编三定) an entry of ``member`` under ``rule`` on ``day`` is for, or None.

    A named assignment must be the member's own and on duty that day (from 挂牌 until the day before
    it ended). None named: a rule of the category 岗位职责和任务 or fed by a post's duties takes the
    member's one assignment on duty that day; a rule fed by a post's duties refuses the entry when
    there is none. Errors go into ``errors["assignment"]``. ``duty``: the member's assignments that
    reached duty (``posts.queries.duty_assignments``), when the caller loaded them for a batch.
    """
    if assignment is not None:
        if assignment.member_id != member.pk:
            errors["assignment"] = _("%(member)s has no such post assignment.") % {"member": member.name}
            return None
        if not on_duty(assignment, day):
            errors["assignment"] = _("%(member)s was not on duty in the post %(post)s on %(day)s.") % {
                "member": member.name,
                "post": assignment.post.name,
                "day": day.isoformat(),
            }
            return None
        return assignment
    if rule.category != Category.TASKS and not rule.for_post:
        return None
    if duty is None:
        duty = duty_assignments([member.pk]).get(member.pk, [])
    on = [a for a in duty if on_duty(a, day)]
    if len(on) == 1:
        return on[0]
    if rule.for_post:
        if on:
            errors["assignment"] = _("Name the post %(member)s did this for.") % {"member": member.name}
        else:
            errors["assignment"] = _(
                "%(member)s was not on duty in any post on %(day)s; points under %(rule)s are only for a post's duties."
            ) % {"member": member.name, "day": day.isoformat(), "rule": rule.name}
    return None


def _cap_room(member_id: int, rule: PointRule, day: dt.date, book: RuleBook) -> Decimal | None:
    """How many points are left under the rule's cap in the period of ``day`` (None: no cap)."""
    if cap_window(rule, day) is None:
        return None
    start, end = window_bounds(rule, day)
    codes = [r.pk for r in book.rules.values() if r.scheme_id == rule.scheme_id and r.code == rule.code]
    rows = PointEntry.objects.filter(
        member_id=member_id,
        rule_id__in=codes,
        occurred_on__gte=start,
        occurred_on__lte=end,
        status=PointEntry.Status.APPROVED,
    ).values_list("points", flat=True)
    used = sum((abs(Decimal(p)) for p in rows), ZERO)
    return max(rule.cap - used, ZERO)


def _step_record(claim: PointClaim, action: str, step: str, actor, note: str = "") -> PointStep:
    return PointStep(
        claim=claim,
        step=step,
        action=action,
        actor=linked_user(actor),
        actor_name=(actor.get_username() if linked_user(actor) else str(_("system")))[:150],
        at=timezone.now(),
        note=note[:300],
    )


def _finish(entry: PointEntry, claim: PointClaim, actor, book: RuleBook, steps: list[PointStep]) -> None:
    """Take the steps the actor holds at the head of the chain; approve when none is left."""
    member_user = entry.member.user_id
    is_member = member_user is not None and member_user == getattr(actor, "pk", None)
    while (
        claim.steps_done < len(claim.chain)
        and not is_member
        and holds_step(actor, claim.chain[claim.steps_done], entry.org_path, entry.member_id)
    ):
        steps.append(_step_record(claim, PointStep.Action.APPROVE, claim.chain[claim.steps_done], actor))
        claim.steps_done += 1
    if claim.steps_done >= len(claim.chain):
        _approve(entry, claim, actor, book, steps)


def _approve(entry: PointEntry, claim: PointClaim, actor, book: RuleBook, steps: list[PointStep]) -> None:
    rule = book.rules[entry.rule_id]
    room = _cap_room(entry.member_id, rule, entry.occurred_on, book)
    amount = abs(entry.requested)
    if room is not None:
        if room <= 0:
            raise ValidationError(
                {
                    "points": _("%(member)s has reached the cap of %(cap)s points per %(period)s under %(rule)s.")
                    % {
                        "member": entry.member.name,
                        "cap": rule.cap,
                        "period": rule.get_cap_period_display(),
                        "rule": rule.name,
                    }
                }
            )
        if room < amount:
            steps[-1].note = (_("Cut to %(points)s points by the cap.") % {"points": room})[:300] if steps else ""
            amount = room
    entry.points = amount if entry.requested >= 0 else -amount
    entry.status = PointEntry.Status.APPROVED
    claim.decided_by = linked_user(actor)
    claim.decided_at = timezone.now()


def _write_claims(pairs: list[tuple[PointEntry, PointClaim]], steps: list[PointStep]) -> None:
    for entry, claim in pairs:
        entry.save()
        claim.entry = entry
        claim.save()
    for step in steps:
        step.claim_id = step.claim.pk
    PointStep.objects.bulk_create(steps)


@transaction.atomic
def claim_propose(
    *,
    actor,
    member,
    rule: PointRule,
    occurred_on: dt.date,
    event: str,
    points=None,
    evidence: str = "",
    assignment=None,
) -> PointEntry:
    """A member (for themselves), a group leader or the branch proposes an entry. Steps at the head
    of the chain that the proposer holds are taken at once; the member's own claim always needs
    someone else (at least the secretary when the rule has no chain).

    ``assignment`` names the post (一编三定) the work was done for: the member's own, on duty that
    day. Without one, a rule of 岗位职责和任务 or fed by a post's duties takes the member's one post on
    duty that day (:func:`post_tie`)."""
    book = RuleBook()
    rule = book.rules.get(rule.pk, rule)
    errors: dict[str, str] = {}
    self_claim = member.user_id is not None and member.user_id == getattr(actor, "pk", None)
    if not can_propose_for(actor, member):
        errors["member"] = _("You cannot propose points for %(member)s.") % {"member": member.name}
    asked = Asked(rule, occurred_on, event, points, evidence)
    amount, tie = validate_claim_fields(
        actor, member, asked, book, errors, self_claim=self_claim, assignment=assignment
    )
    if errors:
        raise ValidationError(errors)
    chain = list(rule.chain) or ([Step.SECRETARY] if self_claim else [])
    entry, claim, steps = _new_claim(actor, member, asked, amount, PointEntry.Source.CLAIM, chain, assignment=tie)
    _finish(entry, claim, actor, book, steps)
    _write_claims([(entry, claim)], steps)
    _audit_entry(
        actor,
        entry,
        book,
        "create",
        {
            "member": [None, member.pk],
            "rule": [None, rule.pk],
            "points": [None, entry.points],
            "occurred_on": [None, occurred_on.isoformat()],
            "status": [None, entry.status],
            "steps": [None, claim.steps_done],
            "assignment": [None, tie.pk if tie else None],
        },
    )
    return entry


def _new_claim(actor, member, asked: Asked, amount, source, chain, batch="", assignment=None):
    rule, occurred_on = asked.rule, asked.occurred_on
    now = timezone.now()
    amount = amount if amount is not None else rule.points
    requested = amount * rule.sign
    entry = PointEntry(
        org_id=member.org_id,
        org_path=member.org_path,
        member=member,
        rule=rule,
        points=ZERO,
        requested=requested,
        occurred_on=occurred_on,
        year=occurred_on.year,
        source_type=source,
        status=PointEntry.Status.PROPOSED,
    )
    claim = PointClaim(
        entry=entry,
        event=(asked.event or "").strip(),
        evidence=(asked.evidence or "").strip(),
        chain=chain,
        batch=batch,
        assignment=assignment,
        proposed_by=linked_user(actor),
        proposed_at=now,
    )
    steps = [_step_record(claim, PointStep.Action.PROPOSE, "", actor)]
    return entry, claim, steps


def bulk_threshold(on: dt.date | None = None) -> int:
    return int(parameters.get(BULK_KEY, on))


@transaction.atomic
def awarded_before(rule: PointRule, occurred_on: dt.date, event: str, org_paths: set[str]) -> int:
    """Members of these organizations already awarded under the rule for the same event that day (not
    rejected or reversed): an award split into small ones still counts as one against the threshold."""
    return (
        PointEntry.objects.filter(
            source_type=PointEntry.Source.AWARD,
            rule__scheme_id=rule.scheme_id,
            rule__code=rule.code,
            occurred_on=occurred_on,
            claim__event=event,
            org_path__in=org_paths,
        )
        .exclude(status__in=[PointEntry.Status.REJECTED, PointEntry.Status.REVERSED])
        .values("member_id")
        .distinct()
        .count()
    )


def award_bulk(
    *,
    actor,
    members: list,
    rule: PointRule,
    occurred_on: dt.date,
    event: str,
    points=None,
    evidence: str = "",
    assignments: Iterable = (),
) -> list[PointEntry]:
    """The branch awards (or deducts) the same points to several members for one event. Above the
    rule ``points.bulk_confirm_above`` members, the township committee must confirm as well — counting
    the members already awarded for the same event, rule and day in these organizations, so that
    splitting an award does not avoid the confirmation.

    ``assignments`` name the posts (一编三定) the award was for, at most one per member (each the
    member's own, on duty that day); members without one are tied as a claim is (:func:`post_tie`)."""
    book = RuleBook()
    rule = book.rules.get(rule.pk, rule)
    errors: dict[str, list[str]] = defaultdict(list)
    if not members:
        errors["members"].append(_("Choose the members."))
    if len({m.pk for m in members}) != len(members):
        errors["members"].append(_("A member is listed twice."))
    named: dict[int, Any] = {}
    listed = {m.pk for m in members}
    for assignment in assignments:
        if assignment.member_id not in listed:
            errors["assignments"].append(_("A post assignment of a member not awarded is listed."))
        elif assignment.member_id in named:
            errors["assignments"].append(_("At most one post per member."))
        named[assignment.member_id] = assignment
    duty = duty_assignments(listed) if members else {}
    asked = Asked(rule, occurred_on, event, points, evidence)
    amount = None
    ties: dict[int, Any] = {}
    for member in members:
        one: dict[str, str] = {}
        if not any(member.org_path.startswith(p) for _r, p, _l in _grants(actor)):
            one["members"] = _("You cannot award points to %(member)s.") % {"member": member.name}
        post = {"assignment": named.get(member.pk), "duty": duty.get(member.pk, [])}
        amount, ties[member.pk] = validate_claim_fields(actor, member, asked, book, one, self_claim=False, **post)
        for name, message in one.items():
            name = "assignments" if name == "assignment" else name
            if message not in errors[name]:
                errors[name].append(message)
    if errors:
        raise ValidationError(dict(errors))
    threshold = bulk_threshold(occurred_on)
    chain = list(rule.chain)
    awarded = len(members) + awarded_before(rule, occurred_on, event, {m.org_path for m in members})
    if awarded > threshold and Step.TOWNSHIP not in chain:
        chain.append(Step.TOWNSHIP)
    batch = uuid.uuid4().hex
    pairs, steps = [], []
    for member in members:
        tie = ties.get(member.pk)
        entry, claim, own = _new_claim(
            actor, member, asked, amount, PointEntry.Source.AWARD, list(chain), batch, assignment=tie
        )
        _finish(entry, claim, actor, book, own)
        pairs.append((entry, claim))
        steps += own
    _write_claims(pairs, steps)
    refresh_balances({(e.member_id, e.year) for e, _c in pairs if e.status == PointEntry.Status.APPROVED}, book)
    audit.record(
        actor=actor,
        action="create",
        object_type="points.batch",
        org=members[0].org if len({m.org_id for m in members}) == 1 else None,
        object_repr=f"{rule.name} × {len(members)}",
        changes={
            "batch": [None, batch],
            "rule": [None, rule.pk],
            "members": [None, [m.pk for m in members]],
            "points": [None, amount],
            "occurred_on": [None, occurred_on.isoformat()],
            "chain": [None, chain],
            "assignments": [None, {str(m): a.pk for m, a in ties.items() if a is not None}],
            "approved": [None, sum(1 for e, _c in pairs if e.status == PointEntry.Status.APPROVED)],
        },
    )
    return [e for e, _c in pairs]


def _lock(entry: PointEntry) -> tuple[PointEntry, PointClaim]:
    entry = PointEntry.objects.select_for_update(of=("self",)).select_related("member", "org").get(pk=entry.pk)
    claim = PointClaim.objects.filter(entry=entry).first()
    if claim is None:
        raise ValidationError({"status": _("Automatic entries follow their records and are not approved by hand.")})
    claim.entry = entry
    return entry, claim


def _check_decider(actor, entry: PointEntry, claim: PointClaim) -> str:
    if entry.status != PointEntry.Status.PROPOSED:
        raise ValidationError({"status": _("This entry is no longer awaiting approval.")})
    step = claim.next_step
    labels = dict(Step.choices)
    if entry.member.user_id is not None and entry.member.user_id == getattr(actor, "pk", None):
        raise ValidationError({"chain": _("Nobody approves an entry of their own.")})
    if claim.proposed_by_id is not None and claim.proposed_by_id == getattr(actor, "pk", None):
        raise ValidationError({"chain": _("The person who proposed an entry does not also approve it.")})
    if step is None or not holds_step(actor, step, entry.org_path, entry.member_id):
        raise ValidationError(
            {
                "chain": _("This entry now needs the %(step)s; you are not at that step of its chain.")
                % {"step": labels.get(step, step)}
            }
        )
    return step


@transaction.atomic
def entry_approve(*, actor, entry: PointEntry, note: str = "") -> PointEntry:
    """Take the next step of the entry's chain; the last step approves it (within the cap)."""
    entry, claim = _lock(entry)
    step = _check_decider(actor, entry, claim)
    book = RuleBook()
    steps = [_step_record(claim, PointStep.Action.APPROVE, step, actor, (note or "").strip())]
    claim.steps_done += 1
    if claim.steps_done >= len(claim.chain):
        _approve(entry, claim, actor, book, steps)
    entry.save(update_fields=["points", "status"])
    claim.save(update_fields=["steps_done", "decided_by", "decided_at"])
    for s in steps:
        s.save()
    changes = {
        "step": [None, step],
        "status": [PointEntry.Status.PROPOSED, entry.status],
        "points": [None, entry.points],
    }
    _audit_entry(actor, entry, book, "update", changes)
    return entry


@transaction.atomic
def entry_reject(*, actor, entry: PointEntry, reason: str) -> PointEntry:
    """Refuse the entry at the actor's step, with the reason the member will read."""
    entry, claim = _lock(entry)
    reason = (reason or "").strip()
    step = _check_decider(actor, entry, claim)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for rejecting.")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("At most 300 characters.")})
    entry.status = PointEntry.Status.REJECTED
    claim.reason = reason
    claim.decided_by = linked_user(actor)
    claim.decided_at = timezone.now()
    entry.save(update_fields=["status"])
    claim.save(update_fields=["reason", "decided_by", "decided_at"])
    _step_record(claim, PointStep.Action.REJECT, step, actor, reason).save()
    changes = {"step": [None, step], "status": [PointEntry.Status.PROPOSED, entry.status], "reason": [None, reason]}
    _audit_entry(actor, entry, None, "update", changes)
    return entry


def _audit_entry(actor, entry: PointEntry, book: RuleBook | None, action: str, changes: dict) -> None:
    """Refresh the member's balance when the entry is now approved (never after a rejection: no
    ``book``), then audit the claim or decision on the entry."""
    if book is not None and entry.status == PointEntry.Status.APPROVED:
        refresh_balances([(entry.member_id, entry.year)], book)
    audit.record(
        actor=actor,
        action=action,
        obj=entry,
        org=entry.org,
        object_repr=f"{entry.member.name} {entry.rule.name}",
        changes=changes,
    )


MANUAL = (PointEntry.Source.CLAIM, PointEntry.Source.AWARD)
