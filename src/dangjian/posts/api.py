"""REST API of 一编三定: ``/api/v1/posts`` — the post catalogue (read, add, change, hide or offer),
party groups and their members, post assignments and their stages, evaluations (定评). The same
scoping, permissions and services as the pages (``posts.services``, ``posts.queries``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from dangjian.core import apiroutes
from dangjian.core.api import changes, error_responses, field_error, paginate
from dangjian.core.apischema import Page, check_required, choice_label, related, required_after_record
from dangjian.core.apitypes import ApiDate, Id, InputSchema, PageParams, PathId, RequiredText, Text
from dangjian.core.roles import Role
from dangjian.core.scoping import get_visible_or_404, has_role
from dangjian.members.models import EvaluationRating, Member
from dangjian.organizations.models import Level, Organization
from dangjian.posts import queries, services
from dangjian.posts.models import (
    AssignmentOrigin,
    AssignmentState,
    GroupMembership,
    Post,
    PostArea,
    PostAssignment,
    PostEvaluation,
)
from dangjian.posts.queries import editable_posts, evaluation_list

router = Router(tags=["posts (一编三定)"])


def _require_business(request) -> None:
    if not has_role(request.auth, Role.ORGANIZER, Role.SECRETARY):
        raise Http404


def _org(request, pk: int) -> Organization:
    _require_business(request)
    return apiroutes.visible(request, Organization, pk)


# --- Schemas -------------------------------------------------------------------------------------
class AreaOut(Schema):
    code: str
    name: str


class PostOut(Schema):
    id: int
    area: str = related("area.name")
    area_code: str = related("area.code")
    name: str
    duties: str
    order: int
    is_active: bool = Field(..., description="false: no longer offered anywhere (assignments keep it).")
    defined_by: int | None = related(
        "org_id", description="The organization that defined it; null: a district default."
    )
    defined_by_name: str | None
    hidden: bool = Field(False, description="Hidden in this organization by the nearest setting up the tree.")
    hidden_by: int | None = Field(None, description="The organization whose setting hides it, or null.")
    version: int

    @staticmethod
    def resolve_defined_by_name(obj) -> str | None:
        return obj.org.name if obj.org_id else None

    @staticmethod
    def resolve_hidden(obj) -> bool:
        return bool(getattr(obj, "hidden", False))

    @staticmethod
    def resolve_hidden_by(obj) -> int | None:
        at = getattr(obj, "hidden_at", None)
        return at.pk if at is not None and getattr(obj, "hidden", False) else None


class PostIn(InputSchema):
    # Required, but checked after the organization, so that one outside the user's subtree
    # answers 404 whatever the body says.
    model_config = ConfigDict(json_schema_extra=required_after_record("org", "area", "name", "duties"))

    org: Id = Field(None, description="The organization that defines it: offered in its subtree.")
    area: Text = Field(None, max_length=32, description="An area code (``GET /posts/areas``).")
    name: RequiredText = Field(None, max_length=40)
    duties: RequiredText = Field(None, max_length=1000)
    order: int = Field(0, ge=0, le=999)
    is_active: bool = True


class PostUpdateIn(InputSchema):
    """Only the fields sent change."""

    area: Text = Field(None, max_length=32, description="An area code (``GET /posts/areas``).")
    name: RequiredText = Field(None, max_length=40)
    duties: RequiredText = Field(None, max_length=1000)
    order: int = Field(None, ge=0, le=999)
    is_active: bool = Field(None, description="false: stop offering it everywhere.")
    version: int | None = Field(None, description="The version you read; 409 if someone saved in between.")


class PostSettingIn(InputSchema):
    model_config = ConfigDict(json_schema_extra=required_after_record("org", "post", "hidden"))

    org: Id = Field(None, description="Hide or offer the post in this organization and below.")
    post: Id = Field(None, description="A post that applies there (``GET /posts/catalogue?include_hidden=true``).")
    hidden: bool = Field(None, description="true: hide it there; false: offer it again there.")


class MembershipOut(Schema):
    id: int
    member_id: int
    member_name: str = related("member.name")
    is_leader: bool
    started_on: dt.date
    ended_on: dt.date | None


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
    member_name: str = related("member.name")
    post_id: int
    post_name: str = related("post.name")
    group_id: int | None
    duties: str
    origin: AssignmentOrigin
    recommended_by: str
    state: AssignmentState
    state_label: str = choice_label("state")
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
    objections ``objections``; end ``reason`` (and ``on``); evaluate ``year``, ``rating``, ``note``
    (and ``on``, the day of the evaluation)."""

    on: ApiDate | None = None
    notice_starts_on: ApiDate | None = None
    notice_ends_on: ApiDate | None = None
    objections: Text | None = Field(None, max_length=1000)
    reason: Text | None = Field(None, max_length=200)
    year: int | None = Field(None, ge=2000, le=2100)
    rating: EvaluationRating | None = None
    note: Text = Field("", max_length=500)
    version: int | None = None


class EvaluationOut(Schema):
    id: int
    assignment_id: int
    org_id: int = related("assignment.org_id", description="The member's branch (the assignment's organization).")
    member_id: int = related("assignment.member_id")
    member_name: str = related("assignment.member.name")
    post_id: int = related("assignment.post_id")
    post_name: str = related("assignment.post.name")
    year: int
    rating: EvaluationRating
    rating_label: str = choice_label("rating")
    note: str
    points: float | None = Field(
        ..., description="The points of the post's duties as shown when rated (an input); null: none recorded."
    )
    evaluated_on: dt.date
    version: int

    @staticmethod
    def resolve_points(obj) -> float | None:
        return None if obj.points is None else float(obj.points)


class EvaluationFilters(PageParams):
    org: Id | None = Field(None, description="Evaluations of assignments in this organization and below.")
    year: int | None = Field(None, ge=2000, le=2100)
    rating: EvaluationRating | None = None
    assignment: Id | None = None
    member: Id | None = None
    q: Text = Field("", max_length=64, description="Part of the member's name, pinyin or initials.")


class EvaluationIn(InputSchema):
    assignment: Id
    year: int = Field(..., ge=2000, le=2100, description="A year in which the member was on duty in the post.")
    rating: EvaluationRating
    note: Text = Field("", max_length=500)
    on: ApiDate | None = Field(None, description="The day of the evaluation (default: today).")


# --- The catalogue -------------------------------------------------------------------------------
def _writable_org(request, pk: int) -> Organization:
    """An organization whose catalogue the user changes (as the catalogue page): 404 outside the subtree."""
    org = _org(request, pk)
    if not Organization.objects.accepting_members_from(request.auth).filter(pk=org.pk).exists():
        raise Http404
    if org.dissolved_on is not None:
        raise field_error("org", _("The organization has been dissolved."))
    return org


def _area(code: str | None) -> PostArea:
    area = PostArea.objects.filter(code=code).first() if code else None
    if area is None:
        raise field_error("area", _("Choose an area."))
    return area


def _post_out(post: Post, org: Organization | None = None) -> Post:
    """The post with its area and defining organization; at ``org``, with whether it is hidden there."""
    if org is not None:
        for offered in queries.posts_offered(org, include_hidden=True):
            if offered.pk == post.pk:
                return offered
    return Post.objects.select_related("area", "org").get(pk=post.pk)


@router.get("/areas", response={200: list[AreaOut], **error_responses(404)}, summary="Areas of posts")
def areas(request):
    """The areas a post belongs to (经济发展, 村务监督, 公共事务, 思想教育 by default)."""
    _require_business(request)
    return PostArea.objects.all()


@router.get("/catalogue", response={200: list[PostOut], **error_responses(404, 422)}, summary="Posts offered")
def catalogue(request, org: Query[Id], include_hidden: bool = False):
    """The posts offered in an organization (defaults and its ancestors' posts, minus those hidden).
    ``include_hidden=true``: also those hidden there, with ``hidden`` and ``hidden_by``."""
    return queries.posts_offered(_org(request, org), include_hidden=include_hidden)


@router.post(
    "/catalogue",
    response={201: PostOut, **error_responses(400, 404, 422)},
    summary="Add a post for an organization and below",
)
def post_create(request, payload: PostIn):
    """As on the catalogue page: the organization's own post, offered in its subtree."""
    _require_business(request)
    org = _writable_org(request, payload.org) if payload.org is not None else None
    check_required(payload, "org", "area", "name", "duties")
    data = {
        "area": _area(payload.area),
        "name": payload.name,
        "duties": payload.duties,
        "order": payload.order,
        "is_active": payload.is_active,
    }
    post = services.post_create(actor=request.auth, org=org, data=data)
    return Status(201, _post_out(post, org))


@router.patch(
    "/catalogue/{id}",
    response={200: PostOut, **error_responses(400, 404, 409, 422)},
    summary="Change a post",
)
def post_update(request, id: PathId, payload: Annotated[PostUpdateIn | None, Body()] = None):
    """A post of the user's subtree (the district defaults: an organizer at the root only). Posts are
    never deleted: ``is_active=false`` stops offering one."""
    _require_business(request)
    post = get_visible_or_404(editable_posts(request.auth), pk=id)
    data, version = changes(payload)
    if "area" in data:
        data["area"] = _area(data["area"])
    services.post_update(actor=request.auth, post=post, data=data, expected_version=version)
    return _post_out(post)


@router.post(
    "/settings",
    response={200: PostOut, **error_responses(400, 404, 422)},
    summary="Hide a post in an organization and below, or offer it there again",
)
def post_setting(request, payload: PostSettingIn):
    """As on the catalogue page; the setting nearest up the tree wins. Answers the post as it now
    stands in that organization."""
    _require_business(request)
    org = _writable_org(request, payload.org) if payload.org is not None else None
    check_required(payload, "org", "post", "hidden")
    offered = {p.pk: p for p in queries.posts_offered(org, include_hidden=True)}
    post = offered.get(payload.post)
    if post is None:
        raise field_error("post", _("This post is not offered here."))
    services.post_setting_set(actor=request.auth, org=org, post=post, hidden=payload.hidden)
    return _post_out(post, org)


# --- Groups and assignments ----------------------------------------------------------------------


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
    check_required(payload, "member")
    member = Member.objects.writable_by(request.auth).filter(pk=payload.member).first()
    if member is None:
        raise field_error("member", _("The member does not exist."))
    row = services.group_member_assign(
        actor=request.auth, member=member, group=group, is_leader=payload.is_leader, on=payload.started_on
    )
    return Status(201, GroupMembership.objects.select_related("member").get(pk=row.pk))


def _assignments(request):
    return PostAssignment.objects.visible_to(request.auth).select_related("member", "post")


@router.get("/assignments", response={200: Page[AssignmentOut], **error_responses(404, 422)}, summary="Assignments")
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
    assignment = services.post_assignment_declare(
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
    a = apiroutes.writable(request, PostAssignment, id)
    payload = payload or StepIn()
    actor, version = request.auth, payload.version
    if step == "approve":
        services.post_assignment_approve(actor=actor, assignment=a, on=payload.on, expected_version=version)
    elif step == "publicise":
        services.post_assignment_publicise(
            actor=actor,
            assignment=a,
            starts_on=_need(payload.notice_starts_on, "notice_starts_on"),
            ends_on=_need(payload.notice_ends_on, "notice_ends_on"),
            expected_version=version,
        )
    elif step == "objections":
        services.post_assignment_record_objections(
            actor=actor, assignment=a, objections=_need(payload.objections, "objections"), expected_version=version
        )
    elif step == "badge":
        services.post_assignment_badge(actor=actor, assignment=a, on=payload.on, expected_version=version)
    elif step == "end":
        services.post_assignment_end(
            actor=actor, assignment=a, reason=payload.reason or "", on=payload.on, expected_version=version
        )
    else:
        services.post_evaluation_record(
            actor=actor,
            assignment=a,
            year=_need(payload.year, "year"),
            rating=_need(payload.rating, "rating"),
            note=payload.note,
            on=payload.on,
        )
    return _assignments(request).get(pk=a.pk)


# --- Evaluations (定评) ----------------------------------------------------------------------------
def _evaluations(request):
    return PostEvaluation.objects.visible_to(request.auth)


@router.get("/evaluations", response={200: Page[EvaluationOut], **error_responses(404, 422)}, summary="Evaluations")
def evaluation_list_route(request, filters: Query[EvaluationFilters]):
    """The evaluations of a subtree, newest year first; filters by year, rating, assignment, member."""
    _require_business(request)
    org = _org(request, filters.org) if filters.org is not None else None
    qs = evaluation_list(
        _evaluations(request),
        org=org,
        year=filters.year,
        rating=filters.rating or "",
        assignment=filters.assignment,
        member=filters.member,
        q=filters.q.strip(),
    )
    return paginate(qs, filters)


@router.post(
    "/evaluations",
    response={200: EvaluationOut, 201: EvaluationOut, **error_responses(400, 422)},
    summary="Rate an assignment for a year (201: new; 200: the year rated again)",
)
def evaluation_record(request, payload: EvaluationIn):
    """The branch's rating of a year in which the member was on duty in the post; the points of the
    post's duties that year are stored beside it as shown. Rating a year again changes it."""
    _require_business(request)
    a = PostAssignment.objects.writable_by(request.auth).filter(pk=payload.assignment).first()
    if a is None:
        raise field_error("assignment", _("The post assignment does not exist."))
    existed = PostEvaluation.objects.filter(assignment=a, year=payload.year).exists()
    evaluation = services.post_evaluation_record(
        actor=request.auth, assignment=a, year=payload.year, rating=payload.rating, note=payload.note, on=payload.on
    )
    return Status(200 if existed else 201, evaluation_list(_evaluations(request)).get(pk=evaluation.pk))
