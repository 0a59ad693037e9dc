"""REST API of the points module: ``/api/v1/points``.

Rules and schemes are read by whoever they concern and changed by organizers over the scheme's
organization (the department for the default), through ``scheme_create``/``rule_create``/
``rule_revise``/``rule_end``: a change takes effect from a date and never rewrites a past entry.
Entries start from ``PointEntry.objects.visible_to(user)`` (a member sees their own); claims are
proposed, approved and rejected through the same services as the pages, so the chain is checked
there. Balances per member of a branch are for the committee and above only; a member reads their
own balance and nobody else's.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Body, Query, Router, Status

from dangjian.core import apiroutes, tree
from dangjian.core.api import error_responses, field_error, paginate
from dangjian.core.apischema import Page, check_required
from dangjian.core.apitypes import Id, PathId
from dangjian.core.roles import Role
from dangjian.core.scoping import get_visible_or_404, has_role, paths_for
from dangjian.members.models import Member
from dangjian.organizations.api import org_filter
from dangjian.organizations.models import Organization
from dangjian.organizations.queries import visible_roots
from dangjian.points import queries, services
from dangjian.points.models import PointEntry, PointRule, PointScheme, Step
from dangjian.points.schemas import (
    ApproveIn,
    AwardIn,
    AwardOut,
    BalanceFilters,
    BalanceOut,
    BalancePage,
    ClaimIn,
    EntryDetailOut,
    EntryFilters,
    EntryOut,
    RejectIn,
    RuleEndIn,
    RuleIn,
    RuleOut,
    RuleReviseIn,
    SchemeIn,
    SchemeOut,
    Year,
)
from dangjian.posts.models import PostAssignment
from dangjian.posts.queries import members_led_by

router = Router(tags=["points"])


# --- Schemas ---------------------------------------------------------------------------------------


# --- Helpers ---------------------------------------------------------------------------------------
def _own_member(user):
    return Member.objects.filter(user=user).select_related("org").first() if user.is_authenticated else None


def _business(user) -> bool:
    return has_role(user, Role.ORGANIZER, Role.SECRETARY)


def _visible_entries(user):
    visible = PointEntry.objects.visible_to(user)
    own = _own_member(user)
    if own is not None:
        visible = visible | PointEntry.objects.filter(member=own)
    return visible


ENTRY_JOINS = ("member", "rule", "org", "claim", "claim__assignment__post")


def _entry(user, pk: int) -> PointEntry:
    return get_visible_or_404(_visible_entries(user).select_related(*ENTRY_JOINS), pk=pk)


def _can_edit(user, scheme: PointScheme | None) -> bool:
    paths = paths_for(user, {Role.ORGANIZER})
    if scheme is None or scheme.org_id is None:
        return any(tree.depth(p) == 1 for p in paths)
    return any(scheme.org_path.startswith(p) for p in paths)


def _editable_scheme(user, pk: int) -> PointScheme:
    scheme = PointScheme.objects.filter(pk=pk).select_related("org").first()
    if scheme is None or not _can_edit(user, scheme):
        raise Http404
    return scheme


def _editable_rule(user, pk: int) -> PointRule:
    rule = PointRule.objects.filter(pk=pk).select_related("scheme").first()
    if rule is None or not _can_edit(user, rule.scheme):
        raise Http404
    return rule


def _body(payload):
    """The body, once the fields its schema lists as ``REQUIRED`` are all there (checked after the
    record it is about, so that a record outside the user's subtree answers 404 whatever the body says)."""
    check_required(payload, *type(payload).REQUIRED)
    return payload


def _scheme_out(user, scheme: PointScheme, rules: list[PointRule], today: dt.date) -> dict:
    return {
        "id": scheme.pk,
        "name": scheme.name,
        "org_id": scheme.org_id,
        "org_name": scheme.org.name if scheme.org_id else "",
        "template": scheme.template,
        "effective_from": scheme.effective_from,
        "effective_to": scheme.effective_to,
        "note": scheme.note,
        "can_edit": _can_edit(user, scheme),
        "rules": [r for r in rules if r.in_force(today) or r.effective_from > today],
    }


def _rule_data(payload) -> dict:
    data = payload.model_dump(exclude_unset=True, exclude={"effective_from"})
    for name in ("points", "cap"):
        if name in data and data[name] is not None:
            data[name] = str(data[name])
    if "cap_period" in data and data["cap_period"] is None:
        data["cap_period"] = ""
    if "note" in data and data["note"] is None:
        data["note"] = ""
    return data


# --- Schemes and rules -------------------------------------------------------------------------------
@router.get("/schemes", response={200: list[SchemeOut], **error_responses(422)}, summary="Points schemes and rules")
def scheme_list(request):
    """The default scheme, the templates and the schemes above and within your subtrees (a member: those
    that apply to them), each with its rules in force today or later. Three queries."""
    user = request.auth
    schemes = queries.schemes_for(user, _own_member(user))
    by_scheme: dict[int, list[PointRule]] = {}
    for rule in PointRule.objects.filter(scheme__in=[s.pk for s in schemes]).order_by(
        "category", "code", "-effective_from"
    ):
        by_scheme.setdefault(rule.scheme_id, []).append(rule)
    today = timezone.localdate()
    return [_scheme_out(user, s, by_scheme.get(s.pk, []), today) for s in schemes]


@router.post("/schemes", response={201: SchemeOut, **error_responses(400, 422)}, summary="Create a points scheme")
def scheme_create(request, payload: SchemeIn):
    """Organizers, for an organization of their subtree; the department for the default."""
    user = request.auth
    org = None
    if payload.org is not None:
        org = Organization.objects.writable_by(user).filter(pk=payload.org).first()
        if org is None:
            raise field_error("org", _("The organization does not exist."))
    elif not _can_edit(user, None):
        raise field_error("org", _("Only the department sets the default scheme; choose an organization."))
    copy_from = None
    if payload.copy_from is not None:
        copy_from = next((s for s in queries.schemes_for(user) if s.pk == payload.copy_from), None)
        if copy_from is None:
            raise field_error("copy_from", _("The scheme does not exist."))
    scheme = services.scheme_create(
        actor=user,
        name=payload.name,
        org=org,
        effective_from=payload.effective_from,
        note=payload.note,
        copy_from=copy_from,
    )
    scheme = PointScheme.objects.select_related("org").get(pk=scheme.pk)
    return Status(201, _scheme_out(user, scheme, list(scheme.rules.all()), timezone.localdate()))


@router.get(
    "/rules",
    response={200: list[RuleOut], **error_responses(404, 422)},
    summary="Rules of a scheme (every version, with its dates)",
)
def rule_list(request, scheme: Id, current: bool = False):
    """Every version of every rule of the scheme; ``current=true``: only those in force today."""
    found = next((s for s in queries.schemes_for(request.auth, _own_member(request.auth)) if s.pk == scheme), None)
    if found is None:
        raise Http404
    rules = list(found.rules.order_by("category", "code", "-effective_from", "-id"))
    if current:
        today = timezone.localdate()
        rules = [r for r in rules if r.in_force(today)]
    return rules


@router.post(
    "/schemes/{id}/rules",
    response={201: RuleOut, **error_responses(400, 404, 422)},
    summary="Add a rule to a scheme",
)
def rule_create(request, id: PathId, payload: RuleIn):
    scheme = _editable_scheme(request.auth, id)
    payload = _body(payload)
    rule = services.rule_create(
        actor=request.auth, scheme=scheme, data=_rule_data(payload), effective_from=payload.effective_from
    )
    return Status(201, rule)


@router.post(
    "/rules/{id}/revise",
    response={201: RuleOut, **error_responses(400, 404, 422)},
    summary="Change a rule from a date (a new version; past entries keep the old one)",
)
def rule_revise(request, id: PathId, payload: RuleReviseIn):
    rule = _editable_rule(request.auth, id)
    payload = _body(payload)
    new = services.rule_revise(
        actor=request.auth, rule=rule, data=_rule_data(payload), effective_from=payload.effective_from
    )
    return Status(201, new)


@router.post(
    "/rules/{id}/end",
    response={200: RuleOut, **error_responses(400, 404, 422)},
    summary="End a rule on a day",
)
def rule_end(request, id: PathId, payload: RuleEndIn):
    rule = _editable_rule(request.auth, id)
    payload = _body(payload)
    return services.rule_end(actor=request.auth, rule=rule, on=payload.on)


# --- Entries and claims --------------------------------------------------------------------------------
@router.get("/entries", response={200: Page[EntryOut], **error_responses(404, 422)}, summary="List point entries")
def entry_list(request, filters: Query[EntryFilters]):
    """Entries of your subtree (a member: their own), newest first. Two queries per page."""
    user = request.auth
    org = org_filter(request, filters.org)
    member = None
    if filters.member is not None:
        member = get_visible_or_404(Member.objects.visible_to(user), pk=filters.member)
    qs = queries.entry_list(
        _visible_entries(user),
        org=org,
        member=member,
        year=filters.year,
        status=filters.status or "",
        rule=filters.rule or "",
        source=filters.source or "",
        sort=filters.sort,
    )
    return paginate(qs, filters)


@router.get("/entries/{id}", response={200: EntryDetailOut, **error_responses(404, 422)}, summary="One entry")
def entry_detail(request, id: PathId):
    return _entry(request.auth, id)


@router.post("/claims", response={201: EntryDetailOut, **error_responses(400, 422)}, summary="Propose points")
def claim_propose(request, payload: ClaimIn):
    """A member for themselves, or a group leader, secretary or committee above for their members.
    Steps of the chain that you hold are taken at once; your own claim always needs someone else."""
    user = request.auth
    candidates = Member.objects.visible_to(user) | members_led_by(user)
    member = candidates.current().filter(pk=payload.member).select_related("org").first()
    if member is None:
        raise field_error("member", _("The member does not exist."))
    rule = PointRule.objects.filter(pk=payload.rule).first()
    if rule is None:
        raise field_error("rule", _("The rule does not exist."))
    assignment = None
    if payload.assignment is not None:
        assignment = PostAssignment.objects.filter(pk=payload.assignment, member=member).select_related("post").first()
        if assignment is None:
            raise field_error("assignment", _("%(member)s has no such post assignment.") % {"member": member.name})
    entry = services.claim_propose(
        actor=user,
        member=member,
        rule=rule,
        occurred_on=payload.occurred_on,
        event=payload.event,
        points=str(payload.points) if payload.points is not None else None,
        evidence=payload.evidence,
        assignment=assignment,
    )
    return Status(201, _entry(user, entry.pk))


@router.post(
    "/awards",
    response={201: AwardOut, **error_responses(400, 422)},
    summary="Award (or deduct) the same points to several members for one event",
)
def award_create(request, payload: AwardIn):
    """The branch (a secretary or organizer over the members) awards or deducts the same points to
    several members for one event, as on the award page: the same checks, the rule's chain (the steps
    you hold are taken at once), and above the rule ``points.bulk_confirm_above`` members the township's
    confirmation too. Nothing is written unless every member passes."""
    user = request.auth
    if len(set(payload.members)) != len(payload.members):
        raise field_error("members", _("A member is listed twice."))
    found = {m.pk: m for m in Member.objects.writable_by(user).current().filter(pk__in=payload.members)}
    missing = [pk for pk in payload.members if pk not in found]
    if missing:
        raise field_error(
            "members",
            _("These members do not exist or are not yours to award: %(ids)s.") % {"ids": ", ".join(map(str, missing))},
        )
    rule = PointRule.objects.filter(pk=payload.rule).first()
    if rule is None:
        raise field_error("rule", _("The rule does not exist."))
    assignments = list(
        PostAssignment.objects.filter(pk__in=payload.assignments, member_id__in=list(found)).select_related("post")
    )
    unknown = sorted(set(payload.assignments) - {a.pk for a in assignments})
    if unknown:
        raise field_error(
            "assignments",
            _("These post assignments are not of the members awarded: %(ids)s.")
            % {"ids": ", ".join(map(str, unknown))},
        )
    entries = services.award_bulk(
        actor=user,
        members=[found[pk] for pk in payload.members],
        rule=rule,
        occurred_on=payload.occurred_on,
        event=payload.event,
        points=str(payload.points) if payload.points is not None else None,
        evidence=payload.evidence,
        assignments=assignments,
    )
    items = list(PointEntry.objects.filter(pk__in=[e.pk for e in entries]).select_related(*ENTRY_JOINS).order_by("id"))
    claim = items[0].claim
    return Status(
        201,
        {
            "batch": claim.batch,
            "chain": list(claim.chain),
            # The service added the township's step (above the threshold, counting earlier awards of the event).
            "township_confirmation": Step.TOWNSHIP in claim.chain and Step.TOWNSHIP not in rule.chain,
            "count": len(items),
            "items": items,
        },
    )


def _decidable(user, pk: int) -> PointEntry:
    """An entry of the subtree, or of a member of a party group the user leads: anything else is a 404."""
    entry = queries.decidable_entries(user).filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry


@router.post(
    "/entries/{id}/approve",
    response={200: EntryDetailOut, **error_responses(400, 404, 422)},
    summary="Take the next step of an entry's chain",
)
def entry_approve(request, id: PathId, payload: Annotated[ApproveIn | None, Body()] = None):
    """Only the holder of the step the entry waits for; nobody approves their own entry."""
    entry = _decidable(request.auth, id)
    services.entry_approve(actor=request.auth, entry=entry, note=payload.note if payload else "")
    return PointEntry.objects.select_related(*ENTRY_JOINS).get(pk=entry.pk)


@router.post(
    "/entries/{id}/reject",
    response={200: EntryDetailOut, **error_responses(400, 404, 422)},
    summary="Reject an entry at your step, with the reason",
)
def entry_reject(request, id: PathId, payload: RejectIn):
    entry = _decidable(request.auth, id)
    payload = _body(payload)
    services.entry_reject(actor=request.auth, entry=entry, reason=payload.reason)
    return PointEntry.objects.select_related(*ENTRY_JOINS).get(pk=entry.pk)


# --- Balances ------------------------------------------------------------------------------------------
@router.get(
    "/members/{id}/balance",
    response={200: BalanceOut, **error_responses(404, 422)},
    summary="A member's points for a year",
)
def member_balance(request, id: PathId, year: Year | None = None):
    """Your own, or a member of your subtree. Three queries."""
    member = apiroutes.visible(request, Member, id)
    year = year or timezone.localdate().year
    data = queries.member_year(member, year)
    b = data.balance
    return {
        "member_id": member.pk,
        "member_name": member.name,
        "year": year,
        "total": float(data.total),
        "awarded": float(b.awarded) if b else 0.0,
        "deducted": float(b.deducted) if b else 0.0,
        "entries": b.entries if b else 0,
        "by_category": [{"category": c, "label": label, "points": float(p)} for c, label, p in data.categories],
        "pending": len(data.pending),
    }


@router.get(
    "/balances",
    response={200: BalancePage, **error_responses(404, 422)},
    summary="The members of a branch with their year's points (the committee and above)",
)
def balances(request, filters: Query[BalanceFilters]):
    """For the committee's review and the appraisal; members never see other members' points. Three
    queries per page, whatever the number of members."""
    user = request.auth
    if not _business(user):
        raise Http404
    visible = Organization.objects.visible_to(user)
    if filters.org is not None:
        org = get_visible_or_404(visible, pk=filters.org)
    else:
        org = visible_roots(user).first()
        if org is None:
            raise Http404
    year = filters.year or timezone.localdate().year
    members = Member.objects.visible_to(user).current().filter(org=org).order_by("name_pinyin", "id")
    if filters.sort == "total":
        # The whole branch is ordered by total (a branch has at most a few hundred members).
        rows, _cats = queries.branch_balances(members, year, sort="total")
        count = len(rows)
        start = (filters.page - 1) * filters.page_size
        rows = rows[start : start + filters.page_size]
    else:
        page = paginate(members, filters)
        count = page["count"]
        rows, _cats = queries.branch_balances(page["items"], year)
    return {
        "org_id": org.pk,
        "year": year,
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
        "items": [
            {
                "member_id": r.member.pk,
                "member_name": r.member.name,
                "total": float(r.total),
                "by_category": {k: float(v) for k, v in r.by_category.items()},
                "entries": r.entries,
            }
            for r in rows
        ],
    }
