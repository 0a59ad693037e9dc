"""REST API of training: ``/api/v1/training``.

Programmes and sessions are read from ``visible_to(user)`` and written through the same services
as the pages; ``PUT /sessions/{id}/attendance`` replaces a session's sheet in one call. Person-times
are counted on request from the attendance, never stored.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from dangjian.core import apiroutes
from dangjian.core.api import changes, error_responses, field_error, in_subtree, paginate
from dangjian.core.apischema import (
    AttendanceStatus,
    CancelIn,
    HeldState,
    HeldStateOut,
    Page,
    check_required,
    choice_label,
    related,
    required_after_record,
)
from dangjian.core.apitypes import ApiDate, Hours, Id, InputSchema, PageParams, PathId, RequiredText, Text, Year
from dangjian.organizations.api import org_filter, recording_org, subtree_and_year
from dangjian.training import queries, services
from dangjian.training.models import Programme, ProgrammeKind, Session

router = Router(tags=["training"])


# --- Schemas ---------------------------------------------------------------------------------
class TrainingProgrammeOut(Schema):
    id: int
    org_id: int
    org_name: str = related("org.name")
    name: str
    kind: ProgrammeKind
    kind_label: str = choice_label("kind")
    starts_on: dt.date
    ends_on: dt.date | None
    audience: str
    note: str
    version: int


class TrainingProgrammeFilters(PageParams):
    org: Id | None = Field(None, description="Programmes organized by this organization and below.")
    kind: ProgrammeKind | None = None
    year: Year | None = Field(None, description="Programmes running during this year.")


class TrainingProgrammeCreateIn(InputSchema):
    org: Id = Field(..., description="The organizing organization (any level); its subtree attends.")
    name: RequiredText = Field(..., max_length=100)
    kind: ProgrammeKind
    starts_on: ApiDate
    ends_on: ApiDate | None = None
    audience: Text = Field("", max_length=200)
    note: Text = Field("", max_length=500)


class TrainingProgrammeUpdateIn(InputSchema):
    """Only the fields sent are changed."""

    name: RequiredText = Field(None, max_length=100)
    kind: ProgrammeKind = None
    starts_on: ApiDate = None
    ends_on: ApiDate | None = None
    audience: Text = Field(None, max_length=200)
    note: Text = Field(None, max_length=500)
    version: int | None = Field(None, description="The version you read; 409 if someone saved in between.")


class TrainingAttendanceOut(Schema):
    member_id: int
    member_name: str = related("member.name")
    status: AttendanceStatus
    reason: str


class TrainingSessionOut(Schema):
    id: int
    programme_id: int
    org_id: int
    held_on: dt.date
    title: str
    speaker: str
    hours: Decimal
    venue: str
    state: HeldStateOut
    cancel_reason: str
    present: int
    on_leave: int
    absent: int
    version: int


class TrainingSessionDetailOut(TrainingSessionOut):
    attendance: list[TrainingAttendanceOut]

    @staticmethod
    def resolve_attendance(obj) -> list:
        return list(queries.sheet_of(obj))


class TrainingSessionFilters(PageParams):
    programme: Id | None = None
    org: Id | None = Field(None, description="Sessions organized by this organization and below.")
    state: HeldStateOut | None = None
    year: Year | None = None


class TrainingAttendanceIn(InputSchema):
    member: Id = Field(..., description="A member of the organizing organization's subtree on the records that day.")
    status: AttendanceStatus
    reason: Text = Field("", max_length=100, description="Required when on leave.")


class TrainingSessionCreateIn(InputSchema):
    programme: Id
    state: HeldState = "held"
    held_on: ApiDate = Field(..., description="Not after today for a held session.")
    title: RequiredText = Field(..., max_length=200)
    speaker: Text = Field("", max_length=64)
    hours: Hours
    venue: Text = Field("", max_length=100)
    attendance: list[TrainingAttendanceIn] = Field([], max_length=20000, description="The sheet of a held session.")


class TrainingSessionUpdateIn(InputSchema):
    """Only the fields sent are changed; ``attendance``, when sent, replaces the sheet."""

    state: HeldState = None
    held_on: ApiDate = None
    title: RequiredText = Field(None, max_length=200)
    speaker: Text = Field(None, max_length=64)
    hours: Hours = None
    venue: Text = Field(None, max_length=100)
    attendance: list[TrainingAttendanceIn] | None = Field(None, max_length=20000)
    version: int | None = None


class TrainingSheetIn(InputSchema):
    # Required, but checked after the session itself, so that outside the subtree answers 404.
    model_config = ConfigDict(json_schema_extra=required_after_record("attendance"))

    attendance: list[TrainingAttendanceIn] = Field(None, max_length=20000)
    version: int | None = None


class TrainingFiguresOut(Schema):
    sessions: int = Field(..., description="Sessions held, organized in the subtree.")
    person_times: int = Field(..., description="Present attendances of the subtree's members (人次).")
    persons: int = Field(..., description="Distinct members present at least once.")
    person_hours: Decimal


class TrainingPersonTimesRowOut(Schema):
    org_id: int
    org_name: str
    own: bool = Field(..., description="The organization's own row (not a child's subtree).")
    figures: TrainingFiguresOut


class TrainingPersonTimesOut(Schema):
    org_id: int
    start: dt.date
    end: dt.date
    rows: list[TrainingPersonTimesRowOut]
    total: TrainingFiguresOut


class TrainingPersonTimesParams(Schema):
    org: Id | None = Field(None, description="The top of the subtree (default: your own organization).")
    year: Year | None = Field(None, description="Default: this year.")


# --- Helpers -----------------------------------------------------------------------------------
def _sheet(rows) -> list[services.AttendanceIn]:
    return [services.AttendanceIn(r.member, r.status, r.reason) for r in rows]


def _session(request, pk: int) -> Session:
    return apiroutes.visible(request, Session, pk)


def _programme(request, pk: int) -> Programme:
    return apiroutes.visible(request, Programme, pk, "org")


# --- Programmes ------------------------------------------------------------------------------------
@router.get(
    "/programmes", response={200: Page[TrainingProgrammeOut], **error_responses(404, 422)}, summary="List programmes"
)
def programme_list(request, filters: Query[TrainingProgrammeFilters]):
    org = org_filter(request, filters.org)
    qs = queries.programme_list(
        Programme.objects.visible_to(request.auth), org=org, kind=filters.kind or "", year=filters.year
    )
    return paginate(qs, filters)


@router.get(
    "/programmes/{id}", response={200: TrainingProgrammeOut, **error_responses(404, 422)}, summary="One programme"
)
def programme_detail(request, id: PathId):
    return _programme(request, id)


@router.post(
    "/programmes", response={201: TrainingProgrammeOut, **error_responses(400, 409, 422)}, summary="Create a programme"
)
def programme_create(request, payload: TrainingProgrammeCreateIn):
    org = recording_org(request, payload.org)
    data = payload.model_dump(exclude={"org"})
    data["kind"] = str(data["kind"])
    programme = services.programme_create(actor=request.auth, org=org, data=data)
    return Status(201, _programme(request, programme.pk))


@router.patch(
    "/programmes/{id}",
    response={200: TrainingProgrammeOut, **error_responses(400, 404, 409, 422)},
    summary="Change a programme",
)
def programme_update(request, id: PathId, payload: Annotated[TrainingProgrammeUpdateIn | None, Body()] = None):
    programme = apiroutes.writable(request, Programme, id)
    apiroutes.update(
        request,
        services.programme_update,
        payload,
        blank=("name", "audience", "note"),
        choices=("kind",),
        programme=programme,
    )
    return _programme(request, id)


@router.delete(
    "/programmes/{id}",
    response={204: None, **error_responses(400, 404, 422)},
    summary="Delete a programme without held sessions",
)
def programme_delete(request, id: PathId):
    programme = apiroutes.writable(request, Programme, id)
    return apiroutes.delete(request, services.programme_delete, programme=programme)


# --- Sessions ----------------------------------------------------------------------------------------
@router.get("/sessions", response={200: Page[TrainingSessionOut], **error_responses(404, 422)}, summary="List sessions")
def session_list(request, filters: Query[TrainingSessionFilters]):
    qs = Session.objects.visible_to(request.auth)
    if filters.programme is not None:
        qs = qs.filter(programme=_programme(request, filters.programme))
    qs = in_subtree(qs, org_filter(request, filters.org))
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.year:
        qs = qs.filter(held_on__gte=dt.date(filters.year, 1, 1), held_on__lte=dt.date(filters.year, 12, 31))
    return paginate(qs.order_by("-held_on", "-id"), filters)


@router.get(
    "/sessions/{id}", response={200: TrainingSessionDetailOut, **error_responses(404, 422)}, summary="One session"
)
def session_detail(request, id: PathId):
    return _session(request, id)


@router.post(
    "/sessions", response={201: TrainingSessionDetailOut, **error_responses(400, 409, 422)}, summary="Record a session"
)
def session_create(request, payload: TrainingSessionCreateIn):
    programme = Programme.objects.writable_by(request.auth).filter(pk=payload.programme).first()
    if programme is None:
        raise field_error("programme", _("The programme does not exist."))
    data = payload.model_dump(exclude={"programme", "attendance"})
    session = services.session_create(
        actor=request.auth, programme=programme, data=data, attendance=_sheet(payload.attendance)
    )
    return Status(201, _session(request, session.pk))


@router.patch(
    "/sessions/{id}",
    response={200: TrainingSessionDetailOut, **error_responses(400, 404, 409, 422)},
    summary="Change a session",
)
def session_update(request, id: PathId, payload: Annotated[TrainingSessionUpdateIn | None, Body()] = None):
    session = apiroutes.writable(request, Session, id, live=True)
    data, version = changes(payload, blank=("title", "speaker", "venue"), exclude=("attendance",))
    sheet = _sheet(payload.attendance) if payload and payload.attendance is not None else None
    if data or sheet is not None:
        services.session_update(
            actor=request.auth, session=session, data=data, attendance=sheet, expected_version=version
        )
    return _session(request, id)


@router.put(
    "/sessions/{id}/attendance",
    response={200: TrainingSessionDetailOut, **error_responses(400, 404, 409, 422)},
    summary="Replace a session's attendance sheet",
)
def session_attendance_put(request, id: PathId, payload: Annotated[TrainingSheetIn | None, Body()] = None):
    session = apiroutes.writable(request, Session, id, live=True)
    check_required(payload, "attendance")
    services.session_record_attendance(
        actor=request.auth, session=session, attendance=_sheet(payload.attendance), expected_version=payload.version
    )
    return _session(request, id)


@router.post(
    "/sessions/{id}/cancel",
    response={200: TrainingSessionDetailOut, **error_responses(400, 404, 409, 422)},
    summary="Cancel a session (it stays on record and no longer counts)",
)
def session_cancel(request, id: PathId, payload: CancelIn):
    session = apiroutes.writable(request, Session, id)
    apiroutes.cancel(request, services.session_cancel, payload, session=session)
    return _session(request, id)


@router.delete(
    "/sessions/{id}", response={204: None, **error_responses(404, 422)}, summary="Delete a session recorded in error"
)
def session_delete(request, id: PathId):
    session = apiroutes.writable(request, Session, id)
    return apiroutes.delete(request, services.session_delete, session=session)


# --- Person-times ----------------------------------------------------------------------------------
@router.get(
    "/person-times",
    response={200: TrainingPersonTimesOut, **error_responses(404, 422)},
    summary="Sessions held, person-times, persons trained and person-hours per child organization",
)
def person_times(request, params: Query[TrainingPersonTimesParams]):
    org, year = subtree_and_year(request, params)
    table = queries.person_times_table(org, dt.date(year, 1, 1), dt.date(year, 12, 31))
    return {
        "org_id": org.pk,
        "start": table.start,
        "end": table.end,
        "rows": [{"org_id": r.org.pk, "org_name": r.org.name, "own": r.own, "figures": r.figures} for r in table.rows],
        "total": table.total,
    }
