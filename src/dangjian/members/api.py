"""REST API of member records: ``/api/v1/members``.

Reads start from ``Member.objects.visible_to(user)`` (a member also sees their own record),
writes from ``writable_by(user)``. The ID number and phone are shown masked; the full ID
number only through ``reveal-id``, which is audited. Ciphertexts and the blind index never
leave the server.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404
from ninja import Body, Field, Query, Router, Schema, Status

from dangjian.accounts.queries import require_second_factor
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
    none_to_blank,
    paginate,
)
from dangjian.core.apischema import Page, choice_label, related
from dangjian.core.scoping import can_see_full_id, get_visible_or_404
from dangjian.members import queries, services
from dangjian.members.models import Education, Gender, Member, shows_birth_date
from dangjian.members.models import Status as MemberStatus
from dangjian.organizations.api import org_filter, recording_org

router = Router(tags=["members"])

AgeBand = Literal[tuple(label for label, _upper in queries.AGE_BANDS)]  # type: ignore[valid-type]
Flag = Literal["mobile", "in_hardship", "senior", "no_post", "holds_post"]
Sort = Literal["org", "-org", "name", "-name", "birth_date", "-birth_date", "joined_on", "-joined_on"]


# --- Schemas ---------------------------------------------------------------------


class MemberOut(Schema):
    id: int
    org_id: int
    org_name: str = related("org.name")
    name: str
    gender: Gender
    gender_label: str = choice_label("gender")
    ethnicity: str
    birth_date: dt.date | None = Field(
        ..., description="Only for the member themself and roles that may see full ID numbers; else null."
    )
    birth_year: int
    age: int
    id_number_masked: str = Field(
        ..., description="e.g. 41**************34 (province and last two); the full number via reveal-id."
    )
    phone_masked: str
    education: Education | None
    education_label: str
    occupation: str
    joined_on: dt.date
    full_member_on: dt.date | None
    status: MemberStatus
    status_label: str = choice_label("status")
    party_standing: int = Field(..., description="Years as a full member.")
    mobile: bool
    mobile_destination: str
    in_hardship: bool
    holds_post: bool
    left_on: dt.date | None
    version: int = Field(..., description="Send it back with a change to detect concurrent edits.")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_birth_date(obj, context) -> dt.date | None:
        return obj.birth_date if shows_birth_date(context["request"].auth, obj) else None

    @staticmethod
    def resolve_birth_year(obj) -> int:
        return obj.birth_date.year

    @staticmethod
    def resolve_education(obj) -> str | None:
        return obj.education or None

    @staticmethod
    def resolve_education_label(obj) -> str:
        return str(obj.get_education_display()) if obj.education else ""


class MemberFilters(PageParams):
    org: Id | None = Field(None, description="Members of this organization and below (see `direct`).")
    direct: bool = Field(False, description="With `org`: only members directly in it.")
    q: Text | None = Field(None, max_length=64, description="Name, or pinyin of the name (full or initials).")
    status: MemberStatus | None = None
    gender: Gender | None = None
    education: Education | None = None
    age: AgeBand | None = Field(None, description="Age band.")
    flag: Flag | None = None
    sort: Sort = "org"


class MemberCreateIn(InputSchema):
    org: Id = Field(..., description="The organization (a branch, usually) the member belongs to.")
    name: RequiredText = Field(..., max_length=64)
    id_number: RequiredText = Field(..., max_length=32, description="18 characters; birth date and gender follow.")
    gender: Gender | None = Field(None, description="Left out: taken from the ID number.")
    birth_date: ApiDate | None = Field(None, description="Left out: taken from the ID number.")
    ethnicity: RequiredText = Field("汉族", max_length=16)
    phone: Text | None = Field(None, max_length=20)
    education: Education | None = None
    occupation: Text = Field("", max_length=64)
    status: MemberStatus
    joined_on: ApiDate
    full_member_on: ApiDate | None = None
    mobile: bool = False
    mobile_destination: Text = Field("", max_length=100)
    in_hardship: bool = False
    holds_post: bool = False


class MemberUpdateIn(InputSchema):
    """Only the fields sent are changed."""

    name: RequiredText = Field(None, max_length=64)
    id_number: RequiredText = Field(None, max_length=32)
    gender: Gender = None
    birth_date: ApiDate = None
    ethnicity: RequiredText = Field(None, max_length=16)
    phone: Text | None = Field(None, max_length=20, description="Empty or null clears it.")
    education: Education | None = None
    occupation: Text = Field(None, max_length=64)
    status: MemberStatus = None
    joined_on: ApiDate = None
    full_member_on: ApiDate | None = None
    mobile: bool = None
    mobile_destination: Text = Field(None, max_length=100)
    in_hardship: bool = None
    holds_post: bool = None
    version: int | None = Field(None, description="The version you read; 409 if someone saved in between.")


class RevealOut(Schema):
    id_number: str


# Text columns a null input clears.
BLANK = ("education", "phone")


# --- Routes ------------------------------------------------------------------------


@router.get("", response={200: Page[MemberOut], **error_responses(404, 422)}, summary="List members")
def member_list(request, filters: Query[MemberFilters]):
    """Current members the user may see, filtered like the member list page (two queries per page)."""
    user = request.auth
    qs = queries.member_list(
        Member.objects.visible_to(user),
        org=org_filter(request, filters.org),
        direct=filters.direct,
        q=filters.q or "",
        status=filters.status or "",
        gender=filters.gender or "",
        education=filters.education or "",
        age=filters.age or "",
        flag=filters.flag or "",
        sort=filters.sort,
    )
    return paginate(qs, filters)


@router.get("/{id}", response={200: MemberOut, **error_responses(404, 422)}, summary="One member")
def member_detail(request, id: PathId):
    return get_visible_or_404(Member.objects.visible_to(request.auth).select_related("org"), pk=id)


@router.post("", response={201: MemberOut, **error_responses(400, 409, 422)}, summary="Register a member")
def member_create(request, payload: MemberCreateIn):
    data = none_to_blank(payload.model_dump(exclude={"org"}), BLANK)
    for name in ("gender", "birth_date"):  # filled from the ID number when left out
        if data[name] is None:
            del data[name]
    # Members are business records: whoever writes members in a subtree registers them there.
    org = recording_org(request, payload.org, open_only=False)
    member = services.member_create(actor=request.auth, org=org, data=data)
    return Status(201, member)


@router.patch(
    "/{id}", response={200: MemberOut, **error_responses(400, 404, 409, 422)}, summary="Change a member record"
)
def member_update(request, id: PathId, payload: Annotated[MemberUpdateIn | None, Body()] = None):
    member = get_visible_or_404(Member.objects.writable_by(request.auth).select_related("org"), pk=id)
    data, version = changes(payload, blank=BLANK)
    if data:
        services.member_update(actor=request.auth, member=member, data=data, expected_version=version)
    return Member.objects.select_related("org").get(pk=member.pk)


@router.post(
    "/{id}/reveal-id",
    response={200: RevealOut, **error_responses(404, 422)},
    summary="The full ID number (audited)",
)
def member_reveal_id(request, id: PathId):
    """Roles allowed to see full ID numbers, and the member themself; every reveal is audited."""
    user = request.auth
    member = get_visible_or_404(Member.objects.visible_to(user), pk=id)
    if not (can_see_full_id(user) or member.user_id == user.pk):
        raise Http404
    if member.user_id != user.pk:
        require_second_factor(user, "reveal_id", request)
    return {"id_number": services.reveal_id_number(actor=user, member=member)}
