"""REST API of 一编三定: ``/api/v1/posts`` — the post catalogue, party groups and their members,
post assignments and their stages. The same scoping and services as the pages (``members.posts``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status

from dangjian.core.api import (
    ApiDate,
    Id,
    InputSchema,
    PageParams,
    PathId,
    Text,
    error_responses,
    field_error,
    paginate,
)
from dangjian.core.roles import Role
from dangjian.core.scoping import get_visible_or_404, has_role
from dangjian.members import posts, queries
from dangjian.members.models import (
    AssignmentOrigin,
    AssignmentState,
    EvaluationRating,
    GroupMembership,
    Member,
    Post,
    PostAssignment,
)
from dangjian.organizations.models import Level, Organization

router = Router(tags=["posts (一编三定)"])


def _require_business(request) -> None:
    if not has_role(request.auth, Role.ORGANIZER, Role.SECRETARY):
        raise Http404


def _org(request, pk: int) -> Organization:
    _require_business(request)
    return get_visible_or_404(Organization.objects.visible_to(request.auth), pk=pk)


# --- Schemas -------------------------------------------------------------------------------------
class PostOut(Schema):
    id: int
    area: str
    name: str
    duties: str
    defined_by: int | None = Field(..., description="The organization that defined it; null: a district default.")
    hidden: bool = Field(False, description="Hidden in this organization by the nearest setting up the tree.")

    @staticmethod
    def resolve_area(obj) -> str:
        return obj.area.name

    @staticmethod
    def resolve_defined_by(obj) -> int | None:
        return obj.org_id


class MembershipOut(Schema):
    id: int
    member_id: int
    member_name: str
    is_leader: bool
    started_on: dt.date
    ended_on: dt.date | None

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name


class GroupOut(Schema):
    id: int
    name: str
    members: list[MembershipOut]


class MembershipIn(InputSchema):
    member: Id | None = Field(None, description="Required.")
    is_leader: bool = False
    started_on: ApiDate | None = Field(None, description="Default: today.")


class AssignmentOut(Schema):
    id: int
    org_id: int
    member_id: int
    member_name: str
    post_id: int
    post_name: str
    group_id: int | None
    duties: str
    origin: AssignmentOrigin
    recommended_by: str
    state: AssignmentState
    state_label: str
    declared_on: dt.date
    approved_on: dt.date | None
    notice_starts_on: dt.date | None
    notice_ends_on: dt.date | None
    objections: str
    on_duty_from: dt.date | None
    ended_on: dt.date | None
    end_reason: str
    note: str
    version: int

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name

    @staticmethod
    def resolve_post_name(obj) -> str:
        return obj.post.name

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(obj.get_state_display())


class AssignmentPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AssignmentOut]


class AssignmentFilters(PageParams):
    org: Id | None = Field(None, description="Assignments of this organization and below.")
    state: Literal["open", "declared", "approved", "publicised", "on_duty", "ended"] | None = None


class DeclareIn(InputSchema):
    member: Id
    post: Id
    origin: AssignmentOrigin
    group: Id | None = Field(None, description="Default: the member's current party group.")
    duties: Text | None = Field(None, max_length=1000, description="Default: the post's duties.")
    recommended_by: Text = Field("", max_length=64)
    declared_on: ApiDate | None = None
    note: Text = Field("", max_length=200)


class StepIn(InputSchema):
    """What each step reads: approve/badge ``on``; publicise ``notice_starts_on``/``notice_ends_on``;
    objections ``objections``; end ``reason`` (and ``on``); evaluate ``year``, ``rating``, ``note``."""

    on: ApiDate | None = None
    notice_starts_on: ApiDate | None = None
    notice_ends_on: ApiDate | None = None
    objections: Text | None = Field(None, max_length=1000)
    reason: Text | None = Field(None, max_length=200)
    year: int | None = Field(None, ge=2000, le=2100)
    rating: EvaluationRating | None = None
    note: Text = Field("", max_length=500)
    version: int | None = None


# --- Routes --------------------------------------------------------------------------------------
@router.get("/catalogue", response={200: list[PostOut], **error_responses(404, 422)}, summary="Posts offered")
def catalogue(request, org: Query[Id]):
    """The posts offered in an organization (defaults and its ancestors' posts, minus those hidden)."""
    return queries.posts_offered(_org(request, org))


@router.get("/groups", response={200: list[GroupOut], **error_responses(404, 422)}, summary="A branch's groups")
def groups(request, org: Query[Id]):
    branch = _org(request, org)
    return [{"id": g.pk, "name": g.name, "members": rows} for g, rows in queries.branch_groups(branch)]


@router.post(
    "/groups/{id}/members",
    response={201: MembershipOut, **error_responses(400, 404, 422)},
    summary="Place a member in a party group",
)
def group_member_add(request, id: PathId, payload: Annotated[MembershipIn | None, Body()] = None):
    _require_business(request)
    group = get_visible_or_404(
        Organization.objects.accepting_members_from(request.auth).filter(level=Level.PARTY_GROUP), pk=id
    )
    if payload is None or payload.member is None:
        raise field_error("member", _("This field is required."))
    member = Member.objects.writable_by(request.auth).filter(pk=payload.member).first()
    if member is None:
        raise field_error("member", _("The member does not exist."))
    row = posts.group_member_assign(
        actor=request.auth, member=member, group=group, is_leader=payload.is_leader, on=payload.started_on
    )
    return Status(201, GroupMembership.objects.select_related("member").get(pk=row.pk))


def _assignments(request):
    return PostAssignment.objects.visible_to(request.auth).select_related("member", "post")


@router.get("/assignments", response={200: AssignmentPage, **error_responses(404, 422)}, summary="Assignments")
def assignment_list(request, filters: Query[AssignmentFilters]):
    _require_business(request)
    org = _org(request, filters.org) if filters.org is not None else None
    qs = queries.post_assignment_list(_assignments(request), org=org, state=filters.state or "")
    return paginate(qs, filters)


@router.get("/assignments/{id}", response={200: AssignmentOut, **error_responses(404, 422)}, summary="One")
def assignment_detail(request, id: PathId):
    _require_business(request)
    return get_visible_or_404(_assignments(request), pk=id)


@router.post("/assignments", response={201: AssignmentOut, **error_responses(400, 422)}, summary="Declare")
def assignment_declare(request, payload: DeclareIn):
    """A self-declaration or a recommendation: the first stage."""
    _require_business(request)
    member = Member.objects.writable_by(request.auth).filter(pk=payload.member).first()
    if member is None:
        raise field_error("member", _("The member does not exist."))
    post = Post.objects.filter(pk=payload.post).first()
    if post is None:
        raise field_error("post", _("This post is not offered in the member's branch."))
    group = None
    if payload.group is not None:
        group = Organization.objects.accepting_members_from(request.auth).filter(pk=payload.group).first()
        if group is None:
            raise field_error("group", _("Choose a party group."))
    assignment = posts.post_assignment_declare(
        actor=request.auth,
        member=member,
        post=post,
        origin=payload.origin,
        group=group,
        duties=payload.duties,
        recommended_by=payload.recommended_by,
        declared_on=payload.declared_on,
        note=payload.note,
    )
    return Status(201, _assignments(request).get(pk=assignment.pk))


STEPS = ("approve", "publicise", "objections", "badge", "end", "evaluate")


def _need(value, field: str):
    if value is None:
        raise field_error(field, _("This field is required."))
    return value


@router.post(
    "/assignments/{id}/{step}",
    response={200: AssignmentOut, **error_responses(400, 404, 409, 422)},
    summary="A stage: approve, publicise, objections, badge, end, evaluate",
)
def assignment_step(
    request,
    id: PathId,
    step: str,
    payload: Annotated[StepIn | None, Body()] = None,
):
    """``step`` is one of approve, publicise, objections, badge, end, evaluate."""
    _require_business(request)
    if step not in STEPS:
        raise Http404
    a = get_visible_or_404(PostAssignment.objects.writable_by(request.auth), pk=id)
    payload = payload or StepIn()
    actor, version = request.auth, payload.version
    if step == "approve":
        posts.post_assignment_approve(actor=actor, assignment=a, on=payload.on, expected_version=version)
    elif step == "publicise":
        posts.post_assignment_publicise(
            actor=actor,
            assignment=a,
            starts_on=_need(payload.notice_starts_on, "notice_starts_on"),
            ends_on=_need(payload.notice_ends_on, "notice_ends_on"),
            expected_version=version,
        )
    elif step == "objections":
        posts.post_assignment_record_objections(
            actor=actor, assignment=a, objections=_need(payload.objections, "objections"), expected_version=version
        )
    elif step == "badge":
        posts.post_assignment_badge(actor=actor, assignment=a, on=payload.on, expected_version=version)
    elif step == "end":
        posts.post_assignment_end(
            actor=actor, assignment=a, reason=payload.reason or "", on=payload.on, expected_version=version
        )
    else:
        posts.post_evaluation_record(
            actor=actor,
            assignment=a,
            year=_need(payload.year, "year"),
            rating=_need(payload.rating, "rating"),
            note=payload.note,
        )
    return _assignments(request).get(pk=a.pk)
