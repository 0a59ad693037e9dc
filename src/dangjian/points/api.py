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
from typing import Annotated, ClassVar, Literal

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from dangjian.core import tree
from dangjian.core.api import (
    ApiDate,
    ApiError,
    Id,
    InputSchema,
    PageParams,
    PathId,
    RequiredText,
    Text,
    error_responses,
    field_error,
    paginate,
)
from dangjian.core.roles import Role
from dangjian.core.scoping import get_visible_or_404, has_role, paths_for
from dangjian.members.models import Member
from dangjian.organizations.models import Organization
from dangjian.points import queries, services
from dangjian.points.models import (
    Category,
    PointClaim,
    PointEntry,
    PointRule,
    PointScheme,
    Step,
)
from dangjian.posts.models import PostAssignment

router = Router(tags=["points"])

Year = Annotated[int, Field(ge=2000, le=2100)]
CategoryCode = Literal[tuple(Category.values)]  # type: ignore[valid-type]
DirectionCode = Literal["award", "deduction", "base"]
CapPeriodCode = Literal["month", "quarter", "year"]
StepCode = Literal["group_leader", "secretary", "township"]
EntryStatus = Literal["proposed", "approved", "rejected", "reversed"]
EntrySource = Literal["meeting", "training", "service", "base", "claim", "award"]
Points = Annotated[float, Field(gt=0, le=99999, description="One decimal place at most.")]


def _required(*names: str):
    """The schema says these fields are required; the route checks them after finding its record."""

    def extra(schema: dict) -> None:
        schema["required"] = list(names)
        for name in names:
            schema["properties"][name].pop("default", None)

    return extra


# --- Schemas ---------------------------------------------------------------------------------------
class RuleOut(Schema):
    id: int
    scheme_id: int
    code: str
    name: str
    category: CategoryCode
    direction: DirectionCode
    points: float = Field(..., description="Per event; a deduction is a positive number.")
    allow_fraction: bool
    cap: float | None
    cap_period: CapPeriodCode | None
    source_kind: str = Field(
        ...,
        description="Empty: claims and awards only; post_duty: claims and awards naming the member's post on duty "
        "(一编三定); otherwise fed automatically.",
    )
    evidence_required: bool
    chain: list[StepCode]
    effective_from: dt.date
    effective_to: dt.date | None
    replaces_id: int | None
    note: str

    @staticmethod
    def resolve_points(obj) -> float:
        return float(obj.points)

    @staticmethod
    def resolve_cap(obj) -> float | None:
        return float(obj.cap) if obj.cap is not None else None

    @staticmethod
    def resolve_cap_period(obj) -> str | None:
        return obj.cap_period or None


class SchemeOut(Schema):
    id: int
    name: str
    org_id: int | None = Field(..., description="null: the default for every organization without its own.")
    org_name: str
    template: bool
    effective_from: dt.date
    effective_to: dt.date | None
    note: str
    can_edit: bool = Field(..., description="Whether you may change its rules.")
    rules: list[RuleOut] = Field(..., description="Its rules in force today or later.")


class SchemeIn(InputSchema):
    name: RequiredText = Field(..., max_length=100)
    org: Id | None = Field(None, description="null: the default (the department only).")
    effective_from: ApiDate
    note: Text = Field("", max_length=300)
    copy_from: Id | None = Field(None, description="A scheme whose rules in force are copied.")


class RuleIn(InputSchema):
    # Required fields are checked after the scheme (a scheme outside your subtree answers 404).
    REQUIRED: ClassVar[tuple[str, ...]] = ("code", "name", "category", "direction", "points", "effective_from")
    model_config = ConfigDict(json_schema_extra=_required(*REQUIRED))

    code: RequiredText = Field(None, max_length=40, description="Letters, digits and hyphens; stable across versions.")
    name: RequiredText = Field(None, max_length=100)
    category: CategoryCode = None
    direction: DirectionCode = None
    points: Points = None
    allow_fraction: bool = False
    cap: Points | None = None
    cap_period: CapPeriodCode | None = None
    source_kind: Text = Field(
        "",
        max_length=48,
        description="e.g. meeting:theme_day, meeting_absent:any, training:any, training:course, service_hours "
        "(points per hour of volunteer service), base, post_duty.",
    )
    evidence_required: bool = False
    chain: list[StepCode] = Field([], max_length=3)
    note: Text = Field("", max_length=300)
    effective_from: ApiDate = None


class RuleReviseIn(InputSchema):
    """Only the fields sent change; the new version starts on ``effective_from``."""

    REQUIRED: ClassVar[tuple[str, ...]] = ("effective_from",)
    model_config = ConfigDict(json_schema_extra=_required(*REQUIRED))

    name: RequiredText = Field(None, max_length=100)
    category: CategoryCode = None
    direction: DirectionCode = None
    points: Points = None
    allow_fraction: bool = None
    cap: Points | None = None
    cap_period: CapPeriodCode | None = None
    source_kind: Text = Field(None, max_length=48)
    evidence_required: bool = None
    chain: list[StepCode] = Field(None, max_length=3)
    note: Text = Field(None, max_length=300)
    effective_from: ApiDate = None


class RuleEndIn(InputSchema):
    REQUIRED: ClassVar[tuple[str, ...]] = ("on",)
    model_config = ConfigDict(json_schema_extra=_required(*REQUIRED))

    on: ApiDate = Field(None, description="The last day the rule is in force.")


class StepOut(Schema):
    step: str
    action: Literal["propose", "approve", "reject"]
    by: str
    at: dt.datetime
    note: str


class EntryOut(Schema):
    id: int
    member_id: int
    member_name: str
    org_id: int
    org_name: str
    rule_id: int
    rule_code: str
    rule_name: str
    category: CategoryCode
    points: float = Field(..., description="What counts once approved (signed, after the cap).")
    requested: float
    occurred_on: dt.date
    year: int
    source_type: EntrySource
    source_id: int | None
    status: EntryStatus
    event: str = Field(..., description="What was done (claims and awards).")
    next_step: StepCode | None = Field(..., description="The step the entry waits for, if any.")
    assignment_id: int | None = Field(
        ..., description="The post assignment (一编三定) the entry was for; its evaluation counts the points."
    )
    post_name: str = Field(..., description="The name of that post; empty when none.")

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.org.name

    @staticmethod
    def resolve_rule_code(obj) -> str:
        return obj.rule.code

    @staticmethod
    def resolve_rule_name(obj) -> str:
        return obj.rule.name

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.rule.category

    @staticmethod
    def resolve_points(obj) -> float:
        return float(obj.points)

    @staticmethod
    def resolve_requested(obj) -> float:
        return float(obj.requested)

    @staticmethod
    def resolve_event(obj) -> str:
        claim = _claim_of(obj)
        return claim.event if claim else ""

    @staticmethod
    def resolve_next_step(obj) -> str | None:
        claim = _claim_of(obj)
        return claim.next_step if claim else None

    @staticmethod
    def resolve_assignment_id(obj) -> int | None:
        claim = _claim_of(obj)
        return claim.assignment_id if claim else None

    @staticmethod
    def resolve_post_name(obj) -> str:
        claim = _claim_of(obj)
        return claim.assignment.post.name if claim and claim.assignment_id else ""


class EntryDetailOut(EntryOut):
    evidence: str
    reason: str = Field(..., description="Why it was rejected.")
    chain: list[StepCode]
    steps: list[StepOut]

    @staticmethod
    def resolve_evidence(obj) -> str:
        claim = _claim_of(obj)
        return claim.evidence if claim else ""

    @staticmethod
    def resolve_reason(obj) -> str:
        claim = _claim_of(obj)
        return claim.reason if claim else ""

    @staticmethod
    def resolve_chain(obj) -> list[str]:
        claim = _claim_of(obj)
        return list(claim.chain) if claim else []

    @staticmethod
    def resolve_steps(obj) -> list[dict]:
        claim = _claim_of(obj)
        if claim is None:
            return []
        return [
            {"step": s.step, "action": s.action, "by": s.actor_name, "at": s.at, "note": s.note}
            for s in claim.steps.all()
        ]


class EntryPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[EntryOut]


class EntryFilters(PageParams):
    org: Id | None = Field(None, description="Entries of this organization and below.")
    member: Id | None = None
    year: Year | None = None
    status: EntryStatus | None = None
    rule: Text | None = Field(None, max_length=40, description="A rule code (all its versions).")
    source: EntrySource | None = None
    sort: Literal["-occurred_on", "occurred_on", "-id", "id"] = "-occurred_on"


class ClaimIn(InputSchema):
    member: Id = Field(..., description="Yourself, or a member you may propose for.")
    rule: Id = Field(..., description="A rule of the member's scheme that is not automatic.")
    occurred_on: ApiDate = Field(..., description="Not in the future.")
    event: RequiredText = Field(..., max_length=200)
    points: Points | None = Field(None, description="Default: the rule's points.")
    evidence: Text = Field("", max_length=500, description="Who can confirm it (no screenshots).")
    assignment: Id | None = Field(
        None,
        description="The member's post assignment (一编三定) this was done for, on duty that day. Default: for a "
        "rule of tasks and posts or fed by post_duty, the member's one post on duty that day.",
    )


class AwardIn(InputSchema):
    members: list[Id] = Field(..., min_length=1, max_length=1000, description="Members of your subtree, each once.")
    rule: Id = Field(..., description="A rule of the members' scheme that is not automatic.")
    occurred_on: ApiDate = Field(..., description="Not in the future.")
    event: RequiredText = Field(..., max_length=200)
    points: Points | None = Field(None, description="Default: the rule's points; the same for every member.")
    evidence: Text = Field("", max_length=500, description="Who can confirm it (no screenshots).")
    assignments: list[Id] = Field(
        [],
        max_length=1000,
        description="Post assignments (一编三定) the award was for, at most one per member, each the member's own "
        "and on duty that day. A member without one is tied to their one post on duty that day when the rule is "
        "of tasks and posts or fed by post_duty.",
    )


class AwardOut(Schema):
    batch: str = Field(..., description="The award's key: its entries share it.")
    chain: list[StepCode] = Field(
        ..., description="The chain of every entry (the township's step added above the threshold)."
    )
    township_confirmation: bool = Field(
        ...,
        description="More members than the rule points.bulk_confirm_above (with those already awarded for the same "
        "event, rule and day): the township confirms as well.",
    )
    count: int
    items: list[EntryOut]


class ApproveIn(InputSchema):
    note: Text = Field("", max_length=300)


class RejectIn(InputSchema):
    REQUIRED: ClassVar[tuple[str, ...]] = ("reason",)
    model_config = ConfigDict(json_schema_extra=_required(*REQUIRED))

    reason: RequiredText = Field(None, max_length=300)


class CategoryPoints(Schema):
    category: CategoryCode
    label: str
    points: float


class BalanceOut(Schema):
    member_id: int
    member_name: str
    year: int
    total: float
    awarded: float
    deducted: float
    entries: int
    by_category: list[CategoryPoints]
    pending: int = Field(..., description="Claims awaiting approval.")


class BalanceRowOut(Schema):
    member_id: int
    member_name: str
    total: float
    by_category: dict[str, float]
    entries: int


class BalancePage(Schema):
    org_id: int
    year: int
    count: int
    page: int
    page_size: int
    items: list[BalanceRowOut]


class BalanceFilters(PageParams):
    org: Id | None = Field(None, description="A branch (its direct members); default: your own organization.")
    year: Year | None = Field(None, description="Default: this year.")
    sort: Literal["name", "total"] = "name"


# --- Helpers ---------------------------------------------------------------------------------------
def _claim_of(entry) -> PointClaim | None:
    try:
        return entry.claim
    except PointClaim.DoesNotExist:
        return None


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
    """Check the required fields of a body after the record it is about, so that a record outside the
    user's subtree answers 404 whatever the body says."""
    missing = [n for n in type(payload).REQUIRED if getattr(payload, n) is None]
    if missing:
        raise ApiError(
            422,
            _("The submitted data is not valid."),
            [{"field": n, "message": _("This field is required.")} for n in missing],
        )
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
@router.get("/entries", response={200: EntryPage, **error_responses(404, 422)}, summary="List point entries")
def entry_list(request, filters: Query[EntryFilters]):
    """Entries of your subtree (a member: their own), newest first. Two queries per page."""
    user = request.auth
    org = member = None
    if filters.org is not None:
        org = get_visible_or_404(Organization.objects.visible_to(user), pk=filters.org)
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
    from dangjian.posts.queries import members_led_by

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
    member = get_visible_or_404(Member.objects.visible_to(request.auth), pk=id)
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
        from dangjian.organizations.queries import visible_roots

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
