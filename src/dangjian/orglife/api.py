"""REST API of organizational life: ``/api/v1/orglife``.

Meetings are read from ``Meeting.objects.visible_to(user)`` and written through the same
services as the pages (``meeting_create``/``meeting_update``/``meeting_cancel``), so a meeting
recorded by a script is checked and audited exactly like one recorded on a phone. Compliance is
computed on request from the meetings, never stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.db.models import Count, Q
from django.utils import timezone
from ninja import Body, Field, Query, Router, Schema, Status

from dangjian.core import apiroutes
from dangjian.core.api import ApiError, changes, error_responses, in_subtree, paginate
from dangjian.core.apischema import AttendanceStatus, CancelIn, HeldState, HeldStateOut, Page, choice_label, related
from dangjian.core.apitypes import ApiDate, Id, InputSchema, PageParams, PathId, RequiredText, Text, Year
from dangjian.core.scoping import get_visible_or_404
from dangjian.members.models import Member
from dangjian.members.queries import has_voting_rights, roster
from dangjian.organizations.api import org_filter, recording_org, subtree_and_year, visible_orgs
from dangjian.orglife import queries, services
from dangjian.orglife.models import Appraisal, Meeting, MeetingKind, MeetingRequirement, Rating, RequirementKind

router = Router(tags=["orglife"])


# --- Schemas ---------------------------------------------------------------------------------
class AttendanceOut(Schema):
    member_id: int
    member_name: str = related("member.name")
    status: AttendanceStatus
    reason: str
    dual_life: bool
    full_member: bool = Field(..., description="Had a vote (a full member) on the meeting's date.")


class MeetingOut(Schema):
    id: int
    org_id: int
    org_name: str = related("org.name")
    kinds: list[MeetingKind]
    kind_labels: list[str]
    state: HeldStateOut
    held_on: dt.date = Field(..., description="The date held, or planned.")
    starts_at: dt.time | None
    ends_at: dt.time | None
    place: str
    topic: str
    host: str
    recorder: str
    lecturer: str
    participants: str
    minutes: str
    cancel_reason: str
    expected: int = Field(..., description="Members expected: the whole roster, or the committee/group recorded.")
    present: int
    on_leave: int
    absent: int
    voting_expected: int = Field(..., description="Full members (with a vote) expected.")
    voting_present: int
    quorate: bool | None = Field(
        ...,
        description="General meeting: more than half of the full members present; committee meeting: more than "
        "half of the committee. null when no quorum rule applies.",
    )
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class MeetingDetailOut(MeetingOut):
    attendance: list[AttendanceOut]

    @staticmethod
    def resolve_attendance(obj) -> list:
        return list(queries.attendance_of(obj))


class MeetingFilters(PageParams):
    org: Id | None = Field(None, description="Meetings of this organization and below.")
    kind: MeetingKind | None = None
    state: HeldStateOut | None = None
    year: Year | None = None
    month: Annotated[int, Field(ge=1, le=12)] | None = Field(None, description="With `year`.")


class AttendanceIn(InputSchema):
    member: Id = Field(..., description="A member on the organization's roster on the meeting's date.")
    status: AttendanceStatus
    reason: Text = Field("", max_length=100, description="Required when on leave.")
    dual_life: bool = Field(False, description="A leading cadre attending as an ordinary member.")


class MeetingCreateIn(InputSchema):
    org: Id = Field(..., description="The organization that held (or plans) the meeting.")
    kinds: list[MeetingKind] = Field(..., min_length=1, max_length=7, description="One or several kinds.")
    state: HeldState = "held"
    held_on: ApiDate = Field(..., description="Not after today for a held meeting.")
    starts_at: dt.time | None = None
    ends_at: dt.time | None = None
    place: Text = Field("", max_length=100)
    topic: RequiredText = Field(..., max_length=200)
    host: Text = Field("", max_length=64)
    recorder: Text = Field("", max_length=64)
    lecturer: Text = Field("", max_length=64, description="Required for a party lecture.")
    participants: Text = Field("", max_length=300, description="Guests not on the roster, without a vote.")
    minutes: Text = Field("", max_length=20000)
    attendance: list[AttendanceIn] = Field(
        [],
        max_length=2000,
        description="The sheet of a held meeting; members left out of a meeting of all members count as absent.",
    )
    confirm_duplicate: bool = Field(
        False, description="Save even when a meeting of the same kind is recorded for the organization that day (409)."
    )


class MeetingUpdateIn(InputSchema):
    """Only the fields sent are changed; ``attendance``, when sent, replaces the sheet."""

    kinds: list[MeetingKind] = Field(None, min_length=1, max_length=7)
    state: HeldState = None
    held_on: ApiDate = None
    starts_at: dt.time | None = None
    ends_at: dt.time | None = None
    place: Text = Field(None, max_length=100)
    topic: RequiredText = Field(None, max_length=200)
    host: Text = Field(None, max_length=64)
    recorder: Text = Field(None, max_length=64)
    lecturer: Text = Field(None, max_length=64)
    participants: Text = Field(None, max_length=300)
    minutes: Text = Field(None, max_length=20000)
    attendance: list[AttendanceIn] | None = Field(None, max_length=2000)
    version: int | None = Field(None, description="The version you read; 409 if someone saved in between.")


class RosterOut(Schema):
    id: int
    name: str
    status: Literal["full", "probationary"]
    voting: bool = Field(..., description="A full member on that day: has a vote.")
    holds_post: bool


class ObligationOut(Schema):
    kind: RequirementKind
    kind_label: str
    period: str = Field(..., description="2026-03, 2026-Q1 or 2026.")
    period_label: str
    starts_on: dt.date
    ends_on: dt.date
    required: int
    held: int = Field(..., description="Meetings held in the period (with or without a quorum).")
    counted: int = Field(..., description="Meetings that count (those meeting the rule's quorum).")
    planned: int
    status: Literal["done", "due_soon", "overdue", "open", "upcoming"]


class CalendarOut(Schema):
    org_id: int
    year: int
    on: dt.date
    obligations: list[ObligationOut]
    meetings: list[MeetingOut]


class TallyOut(Schema):
    due: int = Field(..., description="Obligations whose period has ended.")
    done: int = Field(..., description="Of those, met.")
    rate: float | None = Field(..., description="done ÷ due; null when nothing is due yet.")
    due_soon: int
    open: int
    current_done: int


class ComplianceRowOut(Schema):
    label: str
    org_id: int | None
    sector: str
    organizations: int
    by_kind: dict[str, TallyOut]
    total: TallyOut


class ComplianceOut(Schema):
    org_id: int
    year: int
    on: dt.date
    kinds: list[RequirementKind]
    groups: list[ComplianceRowOut] = Field(..., description="One row per child organization (per township).")
    sectors: list[ComplianceRowOut]
    total: ComplianceRowOut


class ComplianceParams(Schema):
    org: Id | None = Field(None, description="The top of the subtree (default: your own organization).")
    year: Year | None = Field(None, description="Default: this year.")
    quarter: Annotated[int, Field(ge=1, le=4)] | None = Field(
        None, description="Only the obligations whose periods fall within this quarter, judged on its end."
    )


class RequirementOut(Schema):
    id: int
    kind: RequirementKind
    kind_label: str = choice_label("kind")
    levels: list[str]
    sectors: list[str]
    committee_only: bool
    period: Literal["month", "quarter", "year"]
    minimum: int
    quorum: Literal["none", "full_members", "expected"]
    effective_from: dt.date
    effective_to: dt.date | None
    replaces_id: int | None
    note: str


class AppraisalOut(Schema):
    id: int
    org_id: int
    org_name: str = related("org.name")
    year: int
    state: Literal["open", "decided"]
    decided_on: dt.date | None
    ratings: dict[str, int] = Field(..., description="Members per rating.")

    @staticmethod
    def resolve_ratings(obj) -> dict[str, int]:
        return getattr(obj, "rating_counts", {})


class AppraisalFilters(PageParams):
    org: Id | None = None
    year: Year | None = None


# --- Helpers -----------------------------------------------------------------------------------
def _sheet(rows) -> list[services.AttendanceIn]:
    return [services.AttendanceIn(r.member, r.status, r.reason, r.dual_life) for r in rows]


def _meeting(request, pk: int) -> Meeting:
    return apiroutes.visible(request, Meeting, pk, "org")


def _obligation(cell: queries.Cell) -> dict:
    return {
        "kind": cell.kind,
        "kind_label": cell.kind_label,
        "period": cell.period.key,
        "period_label": cell.period.label,
        "starts_on": cell.period.start,
        "ends_on": cell.period.end,
        "required": cell.required,
        "held": cell.held,
        "counted": cell.counted,
        "planned": cell.planned,
        "status": cell.status,
    }


# --- Meetings ------------------------------------------------------------------------------------
@router.get("/meetings", response={200: Page[MeetingOut], **error_responses(404, 422)}, summary="List meetings")
def meeting_list(request, filters: Query[MeetingFilters]):
    """Meetings of the subtree, newest first (two queries per page)."""
    org = org_filter(request, filters.org)
    qs = queries.meeting_list(
        Meeting.objects.visible_to(request.auth),
        org=org,
        kind=filters.kind or "",
        state=filters.state or "",
        year=filters.year,
        month=filters.month if filters.year else None,
    )
    return paginate(qs, filters)


@router.get("/meetings/{id}", response={200: MeetingDetailOut, **error_responses(404, 422)}, summary="One meeting")
def meeting_detail(request, id: PathId):
    return _meeting(request, id)


@router.post(
    "/meetings", response={201: MeetingDetailOut, **error_responses(400, 409, 422)}, summary="Record a meeting"
)
def meeting_create(request, payload: MeetingCreateIn):
    org = recording_org(request, payload.org)
    data = payload.model_dump(exclude={"org", "attendance", "confirm_duplicate"})
    data["kinds"] = [str(k) for k in data["kinds"]]
    try:
        meeting = services.meeting_create(
            actor=request.auth,
            org=org,
            data=data,
            attendance=_sheet(payload.attendance),
            allow_duplicate=payload.confirm_duplicate,
        )
    except services.DuplicateMeetingError as exc:
        errors = [{"field": "confirm_duplicate", "message": m} for m in exc.messages]
        raise ApiError(409, " ".join(exc.messages), errors) from None
    return Status(201, _meeting(request, meeting.pk))


@router.patch(
    "/meetings/{id}",
    response={200: MeetingDetailOut, **error_responses(400, 404, 409, 422)},
    summary="Change a meeting",
)
def meeting_update(request, id: PathId, payload: Annotated[MeetingUpdateIn | None, Body()] = None):
    meeting = apiroutes.writable(request, Meeting, id, "org", live=True)
    data, version = changes(
        payload, blank=("place", "host", "recorder", "lecturer", "participants", "minutes"), exclude=("attendance",)
    )
    if "kinds" in data:
        data["kinds"] = [str(k) for k in data["kinds"] or []]
    sheet = _sheet(payload.attendance) if payload and payload.attendance is not None else None
    if data or sheet is not None:
        services.meeting_update(
            actor=request.auth,
            meeting=meeting,
            data=data,
            attendance=sheet,
            expected_version=version,
        )
    return _meeting(request, meeting.pk)


@router.post(
    "/meetings/{id}/cancel",
    response={200: MeetingDetailOut, **error_responses(400, 404, 409, 422)},
    summary="Cancel a meeting (it stays on record and no longer counts)",
)
def meeting_cancel(request, id: PathId, payload: CancelIn):
    meeting = apiroutes.writable(request, Meeting, id)
    apiroutes.cancel(request, services.meeting_cancel, payload, meeting=meeting)
    return _meeting(request, meeting.pk)


# --- Organizations ---------------------------------------------------------------------------------
@router.get(
    "/organizations/{id}/roster",
    response={200: list[RosterOut], **error_responses(404, 422)},
    summary="Who a meeting of this organization expects on a day",
)
def organization_roster(request, id: PathId, on: ApiDate | None = None):
    org = get_visible_or_404(visible_orgs(request), pk=id)
    day = on or timezone.localdate()
    members = roster(org, day)
    visible = set(
        Member.objects.visible_to(request.auth).filter(pk__in=[m.pk for m in members]).values_list("pk", flat=True)
    )
    return [
        {
            "id": m.pk,
            "name": m.name,
            "status": m.status,
            "voting": has_voting_rights(m, day),
            "holds_post": m.holds_post,
        }
        for m in members
        if m.pk in visible
    ]


@router.get(
    "/organizations/{id}/calendar",
    response={200: CalendarOut, **error_responses(404, 422)},
    summary="An organization's year: obligations with their status, and meetings",
)
def organization_calendar(request, id: PathId, year: Year | None = None):
    org = get_visible_or_404(visible_orgs(request), pk=id)
    year = year or timezone.localdate().year
    on = queries.as_of(year)
    months, cells = queries.branch_calendar(org, year, on)
    return {
        "org_id": org.pk,
        "year": year,
        "on": on,
        "obligations": [_obligation(c) for c in cells],
        "meetings": [m for month in months for m in month.meetings],
    }


@router.get(
    "/compliance",
    response={200: ComplianceOut, **error_responses(404, 422)},
    summary="Compliance rates of a subtree per child organization and per sector",
)
def compliance(request, params: Query[ComplianceParams]):
    """Rates are done ÷ due over the periods that have ended; computed from the meetings on request."""
    root, year = subtree_and_year(request, params)
    table = queries.compliance_table(visible_orgs(request), root, year, quarter=params.quarter)
    return {
        "org_id": root.pk,
        "year": year,
        "on": table.on,
        "kinds": [k for k, _label in table.kinds],
        "groups": table.groups,
        "sectors": table.sectors,
        "total": table.total,
    }


# --- Rules and appraisals ------------------------------------------------------------------------------
@router.get(
    "/requirements",
    response={200: list[RequirementOut], **error_responses(422)},
    summary="Meeting requirements (every version, with its dates)",
)
def requirement_list(request, current: bool = False):
    """Every version of every requirement; ``current=true``: only those in force today."""
    rows = list(MeetingRequirement.objects.order_by("kind", "-effective_from", "-id"))
    if current:
        today = timezone.localdate()
        rows = [r for r in rows if r.in_force(today)]
    return rows


@router.get(
    "/appraisals", response={200: Page[AppraisalOut], **error_responses(404, 422)}, summary="Appraisals of members"
)
def appraisal_list(request, filters: Query[AppraisalFilters]):
    qs = Appraisal.objects.visible_to(request.auth).select_related("org")
    qs = in_subtree(qs, org_filter(request, filters.org))
    if filters.year:
        qs = qs.filter(year=filters.year)
    qs = qs.annotate(**{f"n_{r}": Count("entries", filter=Q(entries__rating=r)) for r in Rating.values}).order_by(
        "-year", "org_path", "id"
    )
    page = paginate(qs, filters)
    for appraisal in page["items"]:
        appraisal.rating_counts = {r: getattr(appraisal, f"n_{r}") for r in Rating.values}
    return page
