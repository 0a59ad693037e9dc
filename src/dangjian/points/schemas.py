"""Schemas of the points API (``points.api``): rules and schemes, entries and claims, balances."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from dangjian.core.apischema import related, required_after_record
from dangjian.core.apitypes import ApiDate, Id, InputSchema, PageParams, RequiredText, Text, Year
from dangjian.points.models import Category, PointClaim

CategoryCode = Literal[tuple(Category.values)]  # type: ignore[valid-type]
DirectionCode = Literal["award", "deduction", "base"]
CapPeriodCode = Literal["month", "quarter", "year"]
StepCode = Literal["group_leader", "secretary", "township"]
EntryStatus = Literal["proposed", "approved", "rejected", "reversed"]
EntrySource = Literal["meeting", "training", "service", "base", "claim", "award"]
Points = Annotated[float, Field(gt=0, le=99999, description="One decimal place at most.")]


def _claim_of(entry) -> PointClaim | None:
    try:
        return entry.claim
    except PointClaim.DoesNotExist:
        return None


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
    model_config = ConfigDict(json_schema_extra=required_after_record(*REQUIRED))

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
    model_config = ConfigDict(json_schema_extra=required_after_record(*REQUIRED))

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
    model_config = ConfigDict(json_schema_extra=required_after_record(*REQUIRED))

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
    member_name: str = related("member.name")
    org_id: int
    org_name: str = related("org.name")
    rule_id: int
    rule_code: str = related("rule.code")
    rule_name: str = related("rule.name")
    category: CategoryCode = related("rule.category")
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
    model_config = ConfigDict(json_schema_extra=required_after_record(*REQUIRED))

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
