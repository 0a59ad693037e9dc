"""REST API of community work: ``/api/v1/community``.

Check-ins, volunteer activities and their service sheets, read from ``visible_to(user)`` and written
through the same services as the pages; the figures are computed on request.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from dangjian.community import queries, services
from dangjian.community.models import MemberCheckIn, ServiceHours, ServiceKind, VolunteerActivity
from dangjian.core import apiroutes
from dangjian.core.api import error_responses, field_error, paginate
from dangjian.core.apischema import (
    CancelIn,
    HeldState,
    HeldStateOut,
    Page,
    check_required,
    related,
    required_after_record,
)
from dangjian.core.apitypes import ApiDate, Hours, Id, InputSchema, PageParams, PathId, RequiredText, Text, Year
from dangjian.members.models import Member
from dangjian.organizations.api import org_filter, recording_org, subtree_and_year, visible_orgs
from dangjian.organizations.models import Organization, Sector

router = Router(tags=["community"])


# --- Schemas ------------------------------------------------------------------------------------
class CommunityServiceOut(Schema):
    member_id: int
    member_name: str = related("member.name")
    hours: Decimal


class CommunityActivityOut(Schema):
    id: int
    org_id: int
    org_name: str = related("org.name")
    held_on: dt.date
    title: str
    kind: ServiceKind
    place: str
    state: HeldStateOut
    note: str
    cancel_reason: str
    version: int


class CommunityActivityDetailOut(CommunityActivityOut):
    service: list[CommunityServiceOut]

    @staticmethod
    def resolve_service(obj) -> list:
        return list(obj.service.select_related("member").order_by("member__name_pinyin", "member_id"))


class CommunityActivityListOut(CommunityActivityOut):
    people: int
    hours_total: Decimal


class CommunityActivityFilters(PageParams):
    org: Id | None = Field(None, description="Activities held by this organization and below.")
    year: Year | None = None
    state: HeldStateOut | None = None
    kind: ServiceKind | None = None


class CommunityServiceIn(InputSchema):
    member: Id = Field(
        ...,
        description="A member of the holding organization's subtree on the day, or checked in to it that day.",
    )
    hours: Hours = Field(..., description="Hours served, one decimal at most; a member's day has a maximum (a rule).")


class CommunityActivityCreateIn(InputSchema):
    org: Id = Field(..., description="The organization holding the activity (usually a community).")
    held_on: ApiDate = Field(..., description="Not after today for a held activity.")
    title: RequiredText = Field(..., max_length=200)
    kind: ServiceKind
    place: Text = Field("", max_length=100)
    state: HeldState = "held"
    note: Text = Field("", max_length=2000)
    service: list[CommunityServiceIn] = Field([], max_length=2000, description="The service sheet of a held activity.")


class CommunityActivityUpdateIn(InputSchema):
    """Only the fields sent are changed."""

    held_on: ApiDate = None
    title: RequiredText = Field(None, max_length=200)
    kind: ServiceKind = None
    place: Text = Field(None, max_length=100)
    state: HeldState = None
    note: Text = Field(None, max_length=2000)
    version: int | None = Field(None, description="The version you read; 409 if someone saved in between.")


class CommunitySheetIn(InputSchema):
    model_config = ConfigDict(json_schema_extra=required_after_record("service"))

    service: list[CommunityServiceIn] = Field(None, max_length=2000, description="Replaces the whole sheet.")
    version: int | None = None


class CommunityCheckInOut(Schema):
    id: int
    member_id: int
    member_name: str = related("member.name")
    member_org_id: int = related("member.org_id")
    member_org_name: str = related("member.org.name")
    org_id: int = Field(..., description="The community checked in to.")
    org_name: str = related("org.name")
    checked_in_on: dt.date
    ended_on: dt.date | None = Field(..., description="The first day no longer checked in; null while in force.")
    offers: ServiceKind
    note: str
    version: int


class CommunityCheckInFilters(PageParams):
    org: Id | None = None
    side: Literal["member", "community"] | None = Field(
        None, description="member: of members of `org`'s subtree; community: to communities in it; default either."
    )
    state: Literal["open", "ended"] | None = None


class CommunityCheckInCreateIn(InputSchema):
    org: Id = Field(..., description="The community (an organization of the community sector) you record for.")
    id_number: RequiredText = Field(..., max_length=18, description="The member's ID number.")
    name: RequiredText = Field(..., max_length=64, description="The member's name; must match the ID number.")
    checked_in_on: ApiDate
    offers: ServiceKind
    note: Text = Field("", max_length=200)


class CommunityCheckInEndIn(InputSchema):
    model_config = ConfigDict(json_schema_extra=required_after_record("ended_on"))

    ended_on: ApiDate = Field(None, description="The first day no longer checked in.")
    version: int | None = None


class CommunityFiguresOut(Schema):
    label: str
    org_id: int
    activities: int
    volunteers: int = Field(..., description="Distinct members who served at the activities held here.")
    person_times: int
    hours: Decimal
    member_volunteers: int = Field(..., description="Distinct members of here who served anywhere.")
    member_person_times: int
    member_hours: Decimal
    serving_members: int = Field(..., description="Members of agency, school and enterprise organizations.")
    checked_in: int
    rate: float | None = Field(..., description="checked_in ÷ serving_members; an organization's rate.")


class CommunityTableOut(Schema):
    org_id: int
    year: int
    on: dt.date
    rows: list[CommunityFiguresOut]
    total: CommunityFiguresOut


class CommunityTableParams(Schema):
    org: Id | None = Field(None, description="The top of the subtree (default: your own organization).")
    year: Year | None = None


class CommunityServiceRowOut(Schema):
    activity_id: int
    activity_title: str = related("activity.title")
    activity_org_name: str = related("activity.org.name")
    held_on: dt.date
    member_id: int
    member_name: str = related("member.name")
    hours: Decimal


class CommunityServiceFilters(PageParams):
    org: Id | None = None
    side: Literal["member", "activity"] = Field("member", description="Served by its members, or at its activities.")
    year: Year | None = None
    member: Id | None = Field(None, description="One member's service.")


# --- Helpers ------------------------------------------------------------------------------------
def _activity(request, pk: int) -> VolunteerActivity:
    return apiroutes.visible(request, VolunteerActivity, pk, "org")


def _writable_activity(request, pk: int) -> VolunteerActivity:
    return apiroutes.writable(request, VolunteerActivity, pk, "org", live=True)


def _sheet(rows) -> list[services.ServiceIn]:
    return [services.ServiceIn(r.member, r.hours) for r in rows]


def _figures(row: queries.Figures) -> dict:
    return {
        "label": row.name,
        "org_id": row.org_id,
        "activities": row.activities,
        "volunteers": row.volunteers,
        "person_times": row.times,
        "hours": row.hours,
        "member_volunteers": row.member_volunteers,
        "member_person_times": row.member_times,
        "member_hours": row.member_hours,
        "serving_members": row.serving,
        "checked_in": row.checked_in,
        "rate": row.rate,
    }


def _checkin(request, pk: int) -> MemberCheckIn:
    return apiroutes.visible(request, MemberCheckIn, pk, "member", "member__org", "org")


# --- Activities ---------------------------------------------------------------------------------
@router.get(
    "/activities",
    response={200: Page[CommunityActivityListOut], **error_responses(404, 422)},
    summary="List activities",
)
def activity_list(request, filters: Query[CommunityActivityFilters]):
    org = org_filter(request, filters.org)
    qs = queries.activity_list(
        VolunteerActivity.objects.visible_to(request.auth),
        org=org,
        span=queries.Span.year(filters.year) if filters.year else None,
        state=filters.state or "",
        kind=filters.kind or "",
    )
    return paginate(qs, filters)


@router.get(
    "/activities/{id}", response={200: CommunityActivityDetailOut, **error_responses(404, 422)}, summary="One activity"
)
def activity_detail(request, id: PathId):
    return _activity(request, id)


@router.post(
    "/activities",
    response={201: CommunityActivityDetailOut, **error_responses(400, 409, 422)},
    summary="Record an activity",
)
def activity_create(request, payload: CommunityActivityCreateIn):
    org = recording_org(request, payload.org)
    data = payload.model_dump(exclude={"org", "service"})
    data["kind"] = str(data["kind"])
    activity = services.activity_create(actor=request.auth, org=org, data=data, service=_sheet(payload.service))
    return Status(201, _activity(request, activity.pk))


@router.patch(
    "/activities/{id}",
    response={200: CommunityActivityDetailOut, **error_responses(400, 404, 409, 422)},
    summary="Change an activity",
)
def activity_update(request, id: PathId, payload: Annotated[CommunityActivityUpdateIn | None, Body()] = None):
    activity = _writable_activity(request, id)
    apiroutes.update(
        request, services.activity_update, payload, blank=("place", "note"), choices=("kind",), activity=activity
    )
    return _activity(request, id)


@router.put(
    "/activities/{id}/service",
    response={200: CommunityActivityDetailOut, **error_responses(400, 404, 409, 422)},
    summary="Replace the service sheet of a held activity",
)
def service_put(request, id: PathId, payload: CommunitySheetIn):
    activity = _writable_activity(request, id)
    check_required(payload, "service")
    services.service_record(
        actor=request.auth, activity=activity, service=_sheet(payload.service), expected_version=payload.version
    )
    return _activity(request, id)


@router.post(
    "/activities/{id}/cancel",
    response={200: CommunityActivityDetailOut, **error_responses(400, 404, 409, 422)},
    summary="Cancel an activity (it stays on record; its hours no longer count)",
)
def activity_cancel(request, id: PathId, payload: CancelIn):
    activity = apiroutes.writable(request, VolunteerActivity, id)
    if not payload.reason:
        raise field_error("reason", _("Say why the activity is cancelled."))
    apiroutes.cancel(request, services.activity_cancel, payload, activity=activity)
    return _activity(request, id)


@router.delete("/activities/{id}", response={204: None, **error_responses(404, 409, 422)}, summary="Delete an activity")
def activity_delete(request, id: PathId, version: int | None = None):
    activity = apiroutes.writable(request, VolunteerActivity, id)
    return apiroutes.delete(request, services.activity_delete, activity=activity, expected_version=version)


# --- Service rows and figures ----------------------------------------------------------------------
@router.get(
    "/service", response={200: Page[CommunityServiceRowOut], **error_responses(404, 422)}, summary="Service hours"
)
def service_list(request, filters: Query[CommunityServiceFilters]):
    """Rows of service visible to you: those at your activities and those served by your members anywhere."""
    org = org_filter(request, filters.org)
    member = apiroutes.visible(request, Member, filters.member) if filters.member is not None else None
    qs = queries.service_list(
        ServiceHours.objects.visible_to(request.auth),
        org=org,
        side=filters.side,
        span=queries.Span.year(filters.year) if filters.year else None,
        member=member,
    )
    return paginate(qs, filters)


@router.get(
    "/figures",
    response={200: CommunityTableOut, **error_responses(404, 422)},
    summary="Volunteer figures and check-in rates of a subtree, by child organization",
)
def figures(request, params: Query[CommunityTableParams]):
    root, year = subtree_and_year(request, params)
    table = queries.volunteer_table(visible_orgs(request), root, queries.Span.year(year))
    return {
        "org_id": root.pk,
        "year": year,
        "on": table.span.on,
        "rows": [_figures(r) for r in table.rows],
        "total": _figures(table.total),
    }


# --- Check-ins ------------------------------------------------------------------------------------
@router.get(
    "/checkins", response={200: Page[CommunityCheckInOut], **error_responses(404, 422)}, summary="List check-ins"
)
def checkin_list(request, filters: Query[CommunityCheckInFilters]):
    org = org_filter(request, filters.org)
    qs = queries.checkin_list(
        MemberCheckIn.objects.visible_to(request.auth), org=org, side=filters.side or "", state=filters.state or ""
    )
    return paginate(qs, filters)


@router.get("/checkins/{id}", response={200: CommunityCheckInOut, **error_responses(404, 422)}, summary="One check-in")
def checkin_detail(request, id: PathId):
    return _checkin(request, id)


@router.post(
    "/checkins",
    response={201: CommunityCheckInOut, **error_responses(400, 409, 422)},
    summary="Record a member's check-in",
)
def checkin_create(request, payload: CommunityCheckInCreateIn):
    org = (
        Organization.objects.accepting_members_from(request.auth)
        .filter(pk=payload.org, sector=Sector.COMMUNITY, dissolved_on__isnull=True)
        .first()
    )
    if org is None:
        raise field_error("org", _("Choose a community organization you record for."))
    member = queries.member_by_id_number(payload.id_number, payload.name)
    if member is None:
        raise field_error("id_number", _("No current member with this ID number and name."))
    checkin = services.checkin_create(
        actor=request.auth,
        member=member,
        org=org,
        data={"checked_in_on": payload.checked_in_on, "offers": str(payload.offers), "note": payload.note},
    )
    return Status(201, _checkin(request, checkin.pk))


@router.post(
    "/checkins/{id}/end",
    response={200: CommunityCheckInOut, **error_responses(400, 404, 409, 422)},
    summary="End a check-in",
)
def checkin_end(request, id: PathId, payload: CommunityCheckInEndIn):
    checkin = apiroutes.writable(request, MemberCheckIn, id)
    check_required(payload, "ended_on")
    services.checkin_end(
        actor=request.auth, checkin=checkin, ended_on=payload.ended_on, expected_version=payload.version
    )
    return _checkin(request, id)


@router.get(
    "/members/{id}/service",
    response={200: list[CommunityServiceRowOut], **error_responses(404, 422)},
    summary="A member's volunteer service in a year",
)
def member_service(request, id: PathId, year: Year | None = None):
    member = apiroutes.visible(request, Member, id)
    span = queries.Span.year(year or timezone.localdate().year)
    return list(queries.service_list(ServiceHours.objects.visible_to(request.auth), member=member, span=span))
