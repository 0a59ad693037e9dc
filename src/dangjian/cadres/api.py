"""REST API of reserve cadres: ``/api/v1/reserve-cadres``.

Read from ``visible_to(user)``, written from ``writable_by(user)`` through the services of
``cadres.services`` (the same checks and audit as the pages). A non-member's ID number and
phone are shown masked; the full ID number is ``POST /{id}/reveal-id`` (audited). A member cadre's
personal data are the member's (``/api/v1/members/{member_id}``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status

from dangjian.cadres import queries, services
from dangjian.cadres.models import ReserveCadre, ReservePost, ReserveSource, ReserveState
from dangjian.core.api import (
    ApiDate,
    Id,
    InputSchema,
    PageParams,
    PathId,
    RequiredText,
    Text,
    changes,
    error_responses,
    field_error,
    paginate,
)
from dangjian.core.apischema import Page, related
from dangjian.core.scoping import can_see_full_id, get_visible_or_404
from dangjian.members.models import Education, EvaluationRating, Member, shows_birth_date
from dangjian.organizations.api import org_filter, recording_org, subtree_root

router = Router(tags=["reserve cadres"])

Year = Annotated[int, Field(ge=2000, le=2100)]
AgeBand = Literal["u30", "30_34", "35_ceiling", "over"]
EducationBand = Literal["below", "senior", "college", "bachelor"]


class ReserveAssessmentOut(Schema):
    year: int
    rating: EvaluationRating
    note: str


class ReserveCadreOut(Schema):
    id: int
    org_id: int
    org_name: str = related("org.name")
    member_id: int | None = Field(..., description="Set when the cadre is a party member.")
    name: str = related("person_name")
    gender: str = related("person_gender")
    birth_date: dt.date | None = Field(..., description="Only for roles that may see full ID numbers; else null.")
    birth_year: int | None
    age: int | None
    education: str
    id_number_masked: str
    phone_masked: str
    selected_on: dt.date
    source: ReserveSource
    planned_post: ReservePost
    mentor: str
    note: str
    state: ReserveState
    appointed_on: dt.date | None
    appointed_to: str
    dropped_on: dt.date | None
    drop_reason: str
    version: int

    @staticmethod
    def resolve_age(obj):
        return obj.age()

    @staticmethod
    def resolve_birth_date(obj, context) -> dt.date | None:
        return obj.person_birth_date if shows_birth_date(context["request"].auth, obj) else None

    @staticmethod
    def resolve_birth_year(obj) -> int | None:
        birth = obj.person_birth_date
        return birth.year if birth else None


class ReserveCadreDetailOut(ReserveCadreOut):
    assessments: list[ReserveAssessmentOut]

    @staticmethod
    def resolve_assessments(obj) -> list:
        return list(queries.assessments_of(obj))


class ReserveCadreFilters(PageParams):
    org: Id | None = Field(None, description="Cadres of this organization's subtree.")
    state: ReserveState | None = None
    age: AgeBand | None = Field(None, description="An age band of the figures ('over': at or above the ceiling).")
    edu: EducationBand | None = Field(None, description="An education band of the figures.")
    appointed_year: Year | None = Field(None, description="Appointed during this year.")


class ReserveCadreCreateIn(InputSchema):
    org: Id = Field(..., description="The village or community organization.")
    member: Id | None = Field(None, description="A member of the village; leave out for a non-member.")
    name: Text = Field("", max_length=64, description="A non-member's name.")
    id_number: Text = Field("", max_length=32, description="A non-member's ID number; birth date and gender follow.")
    education: Education | Literal[""] = ""
    phone: Text = Field("", max_length=20)
    selected_on: ApiDate
    source: ReserveSource
    planned_post: ReservePost
    mentor: Text = Field("", max_length=64)
    note: Text = Field("", max_length=500)


class ReserveCadreUpdateIn(InputSchema):
    """Only the fields sent are changed (the person cannot change)."""

    name: RequiredText = Field(None, max_length=64)
    id_number: RequiredText = Field(None, max_length=32)
    education: Education = None
    phone: Text | None = Field(None, max_length=20)
    selected_on: ApiDate = None
    source: ReserveSource = None
    planned_post: ReservePost = None
    mentor: Text | None = Field(None, max_length=64)
    note: Text | None = Field(None, max_length=500)
    version: int | None = Field(None, description="The version you read; 409 if someone saved in between.")


class ReserveAppointIn(InputSchema):
    appointed_on: ApiDate = None
    appointed_to: Text = Field("", max_length=100, description="The post taken, e.g. 村委会委员.")
    version: int | None = None


class ReserveDropIn(InputSchema):
    dropped_on: ApiDate = None
    drop_reason: Text = Field("", max_length=200)
    version: int | None = None


class ReserveAssessIn(InputSchema):
    year: Year = None
    rating: EvaluationRating | Literal[""] = ""
    note: Text = Field("", max_length=500)


class ReserveBandOut(Schema):
    key: str
    label: str
    count: int
    share: float = Field(..., description="Percent of the cadres in the pool.")


class ReserveVillageOut(Schema):
    org_id: int
    org_name: str
    in_pool: int


class ReserveFiguresOut(Schema):
    org_id: int
    year: int
    min_per_village: int
    max_age: int
    min_education: int = Field(..., description="1 primary … 3 senior middle school or vocational … 6 postgraduate.")
    villages: int
    in_pool: int
    appointed: int = Field(..., description="Appointed during the year.")
    dropped: int = Field(..., description="Dropped during the year.")
    below_minimum: list[ReserveVillageOut]
    ages: list[ReserveBandOut]
    educations: list[ReserveBandOut]


class ReserveFiguresParams(Schema):
    org: Id | None = Field(None, description="The top of the subtree (default: your own organization).")
    year: Year | None = Field(None, description="Default: this year.")


class ReserveRevealOut(Schema):
    id_number: str


def _cadre(request, pk: int) -> ReserveCadre:
    return get_visible_or_404(ReserveCadre.objects.visible_to(request.auth).select_related("org", "member"), pk=pk)


def _writable(request, pk: int) -> ReserveCadre:
    return get_visible_or_404(ReserveCadre.objects.writable_by(request.auth).select_related("org", "member"), pk=pk)


def _change(request, pk: int, service, **kwargs) -> ReserveCadre:
    """Run a service on a cadre the user may change (404 otherwise) and answer the cadre as it is now."""
    service(actor=request.auth, cadre=_writable(request, pk), **kwargs)
    return _cadre(request, pk)


@router.get("", response={200: Page[ReserveCadreOut], **error_responses(404, 422)}, summary="List reserve cadres")
def cadre_list(request, filters: Query[ReserveCadreFilters]):
    org = org_filter(request, filters.org)
    qs = queries.filter_list(
        ReserveCadre.objects.visible_to(request.auth),
        org=org,
        state=filters.state or "",
        age=filters.age or "",
        edu=filters.edu or "",
        appointed_year=filters.appointed_year,
    )
    return paginate(qs, filters)


@router.get("/figures", response={200: ReserveFiguresOut, **error_responses(404, 422)}, summary="Figures of a subtree")
def cadre_figures(request, params: Query[ReserveFiguresParams]):
    org = subtree_root(request, params.org)
    fig = queries.figures(org, params.year)

    def bands(rows):
        return [{"key": k, "label": str(label), "count": n, "share": share} for k, label, n, share in rows]

    return {
        "org_id": org.pk,
        "year": fig.year,
        **fig.rules,
        "villages": fig.villages,
        "in_pool": fig.in_pool,
        "appointed": fig.appointed,
        "dropped": fig.dropped,
        "below_minimum": [{"org_id": v.pk, "org_name": v.name, "in_pool": n} for v, n in fig.below],
        "ages": bands(fig.ages),
        "educations": bands(fig.educations),
    }


@router.get("/{id}", response={200: ReserveCadreDetailOut, **error_responses(404, 422)}, summary="One cadre")
def cadre_detail(request, id: PathId):
    return _cadre(request, id)


@router.post("", response={201: ReserveCadreDetailOut, **error_responses(400, 409, 422)}, summary="Add a reserve cadre")
def cadre_create(request, payload: ReserveCadreCreateIn):
    org = recording_org(request, payload.org)
    data = payload.model_dump(exclude={"org", "member"})
    if payload.member is not None:
        member = Member.objects.visible_to(request.auth).filter(pk=payload.member).first()
        if member is None:
            raise field_error("member", _("The member does not exist."))
        data = {k: v for k, v in data.items() if k not in services.PERSON_FIELDS or v}
        data["member"] = member
    else:
        data["member"] = None
    for name in ("source", "planned_post", "education"):
        if name in data:
            data[name] = str(data[name])
    cadre = services.reserve_create(actor=request.auth, org=org, data=data)
    return Status(201, _cadre(request, cadre.pk))


@router.patch(
    "/{id}",
    response={200: ReserveCadreDetailOut, **error_responses(400, 404, 409, 422)},
    summary="Change a cadre",
)
def cadre_update(request, id: PathId, payload: Annotated[ReserveCadreUpdateIn | None, Body()] = None):
    cadre = _writable(request, id)
    data, version = changes(payload, blank=("phone", "mentor", "note"), choices=("source", "planned_post", "education"))
    if data:
        services.reserve_update(actor=request.auth, cadre=cadre, data=data, expected_version=version)
    return _cadre(request, id)


@router.post(
    "/{id}/appoint",
    response={200: ReserveCadreDetailOut, **error_responses(400, 404, 409, 422)},
    summary="Appoint a cadre to a post",
)
def cadre_appoint(request, id: PathId, payload: Annotated[ReserveAppointIn | None, Body()] = None):
    payload = payload or ReserveAppointIn()
    return _change(
        request,
        id,
        services.reserve_appoint,
        on=payload.appointed_on,
        post=payload.appointed_to,
        expected_version=payload.version,
    )


@router.post(
    "/{id}/drop",
    response={200: ReserveCadreDetailOut, **error_responses(400, 404, 409, 422)},
    summary="Drop a cadre from the pool",
)
def cadre_drop(request, id: PathId, payload: Annotated[ReserveDropIn | None, Body()] = None):
    payload = payload or ReserveDropIn()
    return _change(
        request,
        id,
        services.reserve_drop,
        on=payload.dropped_on,
        reason=payload.drop_reason,
        expected_version=payload.version,
    )


@router.post(
    "/{id}/assess",
    response={200: ReserveCadreDetailOut, **error_responses(400, 404, 422)},
    summary="Record the yearly assessment",
)
def cadre_assess(request, id: PathId, payload: Annotated[ReserveAssessIn | None, Body()] = None):
    payload = payload or ReserveAssessIn()
    return _change(
        request, id, services.reserve_assess, year=payload.year, rating=str(payload.rating), note=payload.note
    )


@router.post(
    "/{id}/reveal-id",
    response={200: ReserveRevealOut, **error_responses(404, 422)},
    summary="A non-member cadre's full ID number (audited)",
)
def cadre_reveal_id(request, id: PathId):
    cadre = _cadre(request, id)
    if cadre.member_id or not can_see_full_id(request.auth):
        raise Http404
    return {"id_number": services.reveal_id_number(actor=request.auth, cadre=cadre)}
