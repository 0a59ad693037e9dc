"""REST API of the organization tree: ``/api/v1/organizations``.

Reads start from ``Organization.objects.visible_to(user)``, writes from ``writable_by(user)``;
an organization outside them answers 404, and an organization named in a request body that
the user may not write under is reported as the field error "the parent organization does not
exist" (422), so that neither answer tells whether it exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status
from pydantic import AfterValidator, ConfigDict

from dangjian.core import apiroutes, tree
from dangjian.core.api import changes, error_responses, field_error, paginate
from dangjian.core.apischema import Page, check_required, choice_label, related, required_after_record
from dangjian.core.apitypes import ApiDate, Id, InputSchema, PageParams, PathId, RequiredText, Text
from dangjian.core.roles import WRITE_ROLES
from dangjian.core.scoping import get_visible_or_404, paths_for

# An exception to the layers (see .importlinter): the secretary and the committee's seats are members.
from dangjian.members.models import Member
from dangjian.members.queries import member_list
from dangjian.organizations import queries, services
from dangjian.organizations.models import CommitteeMember, CommitteePost, Level, Organization, Sector

router = Router(tags=["organizations"])


def visible_orgs(request):
    """The organizations the API user may see."""
    return Organization.objects.visible_to(request.auth)


def org_filter(request, pk: int | None) -> Organization | None:
    """The organization a list is filtered by (404 outside the user's subtrees), or None."""
    return None if pk is None else get_visible_or_404(visible_orgs(request), pk=pk)


def recording_org(request, pk: int, *, open_only: bool = True) -> Organization:
    """The organization a new record is filed under: one the user records for (422 naming
    ``org`` otherwise), not dissolved unless ``open_only`` is False."""
    qs = Organization.objects.accepting_members_from(request.auth).filter(pk=pk)
    org = qs.filter(dissolved_on__isnull=True).first() if open_only else qs.first()
    if org is None:
        raise field_error("org", _("The organization does not exist."))
    return org


def subtree_root(request, pk: int | None) -> Organization:
    """The organization a subtree table is asked for: the one named (404 outside the user's
    subtrees), or else the user's first visible root (422 naming ``org`` when they have none)."""
    if pk is not None:
        return get_visible_or_404(visible_orgs(request), pk=pk)
    root = queries.visible_roots(request.auth).first()
    if root is None:
        raise field_error("org", _("The organization does not exist."))
    return root


def subtree_and_year(request, params) -> tuple[Organization, int]:
    """The subtree (:func:`subtree_root`) and year (this year when none is given) a figures table of
    ``params`` (its ``org`` and ``year``) is asked for."""
    return subtree_root(request, params.org), params.year or timezone.localdate().year


ORDERINGS = {
    "path": ("path",),
    "-path": ("-path",),
    "name": ("name_pinyin", "name", "id"),
    "-name": ("-name_pinyin", "-name", "-id"),
    "code": ("code",),
    "-code": ("-code",),
}


# --- Schemas ---------------------------------------------------------------------


class OrganizationOut(Schema):
    id: int
    code: str
    name: str
    level: Level
    level_label: str = choice_label("level")
    sector: Sector
    sector_label: str = choice_label("sector")
    parent_id: int | None = Field(
        None, description="null for the top of the tree, and when the parent is outside your subtree."
    )
    depth: int = Field(..., description="1 for the top of the tree.")
    has_committee: bool
    term_starts_on: dt.date | None
    term_ends_on: dt.date | None
    secretary_id: int | None
    established_on: dt.date | None
    dissolved_on: dt.date | None
    is_active: bool
    version: int = Field(..., description="Send it back with a change to detect concurrent edits.")
    created_at: dt.datetime
    updated_at: dt.datetime
    child_count: int | None = Field(None, description="Active children (only in the children list).")

    @staticmethod
    def resolve_parent_id(obj, context) -> int | None:
        """The parent's id only when the user may see the parent (computed from their grants, no query)."""
        if obj.parent_id is None:
            return None
        parent_path = obj.path[: -tree.STEP]
        user = context["request"].auth
        if any(parent_path.startswith(p) for p in paths_for(user, WRITE_ROLES)):
            return obj.parent_id
        return None


class SubtreeFilters(PageParams):
    level: Level | None = None
    sector: Sector | None = None
    q: Text | None = Field(None, max_length=64, description="Name, code, or pinyin of the name (full or initials).")
    active: bool | None = Field(None, description="true: not dissolved; false: dissolved.")
    ordering: Literal["path", "-path", "name", "-name", "code", "-code"] = "path"


class OrganizationFilters(SubtreeFilters):
    parent: Id | None = Field(None, description="Only the direct children of this organization.")


Code = Annotated[Text, AfterValidator(lambda value: value.strip().upper())]
RequiredCode = Annotated[RequiredText, AfterValidator(str.upper)]


class OrganizationCreateIn(InputSchema):
    parent: Id = Field(..., description="The organization to create the new one under.")
    code: Code = Field("", max_length=32, description="Left out or empty: numbered after the parent.")
    name: RequiredText = Field(..., max_length=100)
    level: Level
    sector: Sector
    has_committee: bool = False
    term_starts_on: ApiDate | None = None
    term_ends_on: ApiDate | None = None
    established_on: ApiDate | None = None


class OrganizationUpdateIn(InputSchema):
    """Only the fields sent are changed."""

    code: RequiredCode = Field(None, max_length=32)
    name: RequiredText = Field(None, max_length=100)
    level: Level = None
    sector: Sector = None
    has_committee: bool = None
    term_starts_on: ApiDate | None = None
    term_ends_on: ApiDate | None = None
    secretary: Id | None = Field(None, description="A current member of this organization or below, or null.")
    established_on: ApiDate | None = None
    version: int | None = Field(None, description="The version you read; 409 if someone saved in between.")


class MoveIn(InputSchema):
    # ``parent`` is required, but checked after the organization itself, so that an organization
    # outside the user's subtree answers 404 whatever the body says.
    model_config = ConfigDict(json_schema_extra=required_after_record("parent"))

    parent: Id = Field(None, description="The new parent organization.")
    on: ApiDate | None = Field(None, description="Date of the move (default: today).")
    note: Text = Field("", max_length=200)


class DissolveIn(InputSchema):
    on: ApiDate | None = Field(None, description="Date of dissolution (default: today).")
    note: Text = Field("", max_length=200)


class CommitteeSeatOut(Schema):
    id: int
    org_id: int
    member_id: int
    member_name: str = related("member.name")
    post: CommitteePost
    post_label: str = choice_label("post")
    started_on: dt.date = Field(..., description="The first day on the committee.")
    ended_on: dt.date | None = Field(None, description="The first day off the committee; null while sitting.")
    note: str
    version: int


class CommitteeFilters(Schema):
    on: ApiDate | None = Field(None, description="Only the seats held on this day (the committee of the day).")
    current: bool | None = Field(None, description="true: open seats only; false: ended seats only.")


class CommitteeSeatIn(InputSchema):
    # Required, but checked after the organization, so that one outside the user's subtree
    # answers 404 whatever the body says.
    model_config = ConfigDict(json_schema_extra=required_after_record("member", "post", "started_on"))

    member: Id = Field(None, description="A full member of the organization (or of its subtree, above a branch).")
    post: CommitteePost = None
    started_on: ApiDate = None
    ended_on: ApiDate | None = Field(None, description="Only for a seat of the past: the first day off the committee.")
    note: Text = Field("", max_length=200)


class CommitteeEndIn(InputSchema):
    ended_on: ApiDate | None = Field(None, description="The first day off the committee (default: today).")
    note: Text = Field("", max_length=200)
    version: int | None = Field(None, description="The version you read; 409 if someone saved in between.")


# --- Helpers -----------------------------------------------------------------------


def _writable(request):
    return Organization.objects.writable_by(request.auth)


def _filter(qs, filters: SubtreeFilters):
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.sector:
        qs = qs.filter(sector=filters.sector)
    if filters.active is not None:
        qs = qs.filter(dissolved_on__isnull=filters.active)
    text = (filters.q or "").strip()
    if text:
        key = text.lower().replace(" ", "")
        qs = qs.filter(
            Q(name__contains=text)
            | Q(code__iexact=text)
            | Q(code__istartswith=text)
            | Q(name_initials__startswith=key)
            | Q(name_pinyin__startswith=key)
        )
    return qs.order_by(*ORDERINGS[filters.ordering])


def _movable(request, pk: int) -> Organization:
    """An organization the user may move or dissolve: any but the top of the tree."""
    return get_visible_or_404(_writable(request).exclude(parent__isnull=True), pk=pk)


def _writable_parent(request, pk: int) -> Organization:
    parent = _writable(request).filter(pk=pk).first()
    if parent is None:
        raise field_error("parent", _("The parent organization does not exist."))
    return parent


# --- Reads -------------------------------------------------------------------------


@router.get("", response={200: Page[OrganizationOut], **error_responses(404, 422)}, summary="List organizations")
def organization_list(request, filters: Query[OrganizationFilters]):
    """Every organization the user may see, filtered and paginated (two queries per page)."""
    visible = visible_orgs(request)
    qs = visible
    if filters.parent is not None:
        parent = get_visible_or_404(visible, pk=filters.parent)
        qs = qs.filter(parent=parent)
    return paginate(_filter(qs, filters), filters)


@router.get("/{id}", response={200: OrganizationOut, **error_responses(404, 422)}, summary="One organization")
def organization_detail(request, id: PathId):
    return get_visible_or_404(visible_orgs(request), pk=id)


@router.get(
    "/{id}/children", response={200: Page[OrganizationOut], **error_responses(404, 422)}, summary="Direct children"
)
def organization_children(request, id: PathId, filters: Query[SubtreeFilters]):
    visible = visible_orgs(request)
    org = get_visible_or_404(visible, pk=id)
    return paginate(_filter(queries.children_of(org, visible), filters), filters)


@router.get(
    "/{id}/subtree",
    response={200: Page[OrganizationOut], **error_responses(404, 422)},
    summary="The organization and everything below it",
)
def organization_subtree(request, id: PathId, filters: Query[SubtreeFilters]):
    visible = visible_orgs(request)
    org = get_visible_or_404(visible, pk=id)
    return paginate(_filter(visible.in_subtree(org.path), filters), filters)


@router.get(
    "/{id}/ancestors",
    response={200: list[OrganizationOut], **error_responses(404, 422)},
    summary="The organizations above, top first (only those you may see)",
)
def organization_ancestors(request, id: PathId):
    visible = visible_orgs(request)
    org = get_visible_or_404(visible, pk=id)
    return list(queries.ancestors_of(org).filter(pk__in=visible.values("pk")))


# --- Writes ------------------------------------------------------------------------


@router.post("", response={201: OrganizationOut, **error_responses(400, 409, 422)}, summary="Create an organization")
def organization_create(request, payload: OrganizationCreateIn):
    data = payload.model_dump(exclude={"parent"}, exclude_none=True)
    parent = _writable_parent(request, payload.parent)
    org = services.organization_create(actor=request.auth, parent=parent, data=data)
    return Status(201, org)


@router.patch(
    "/{id}",
    response={200: OrganizationOut, **error_responses(400, 404, 409, 422)},
    summary="Change an organization",
)
def organization_update(request, id: PathId, payload: Annotated[OrganizationUpdateIn | None, Body()] = None):
    org = get_visible_or_404(_writable(request), pk=id)
    data, version = changes(payload)
    if data.get("secretary") is not None:
        data["secretary"] = _secretary(request, org, data["secretary"])
    services.organization_update(actor=request.auth, org=org, data=data, expected_version=version)
    return get_visible_or_404(visible_orgs(request), pk=org.pk)


def _secretary(request, org: Organization, pk: int):
    member = member_list(Member.objects.writable_by(request.auth), org=org).filter(pk=pk).first()
    if member is None:
        raise field_error("secretary", _("The member does not exist in this organization."))
    return member


@router.post(
    "/{id}/move",
    response={200: OrganizationOut, **error_responses(400, 404, 409, 422)},
    summary="Move an organization and its subtree under another parent",
)
def organization_move(request, id: PathId, payload: MoveIn):
    org = _movable(request, id)
    check_required(payload, "parent")
    new_parent = _writable_parent(request, payload.parent)
    return services.organization_move(
        actor=request.auth, org=org, new_parent=new_parent, on=payload.on, note=payload.note
    )


@router.post(
    "/{id}/dissolve",
    response={200: OrganizationOut, **error_responses(400, 404, 409, 422)},
    summary="Dissolve an organization",
)
def organization_dissolve(request, id: PathId, payload: DissolveIn):
    org = _movable(request, id)
    return services.organization_dissolve(
        actor=request.auth, org=org, on=payload.on or timezone.localdate(), note=payload.note
    )


# --- The committee -----------------------------------------------------------------------------


@router.get(
    "/{id}/committee",
    response={200: list[CommitteeSeatOut], **error_responses(404, 422)},
    summary="The committee: its seats, current first, then the history",
)
def committee_list(request, id: PathId, filters: Query[CommitteeFilters]):
    """Every seat of the organization's committee (two queries), or those of a day (``on``)."""
    org = get_visible_or_404(visible_orgs(request), pk=id)
    seats = queries.committee_seats(org)
    if filters.on is not None:
        seats = seats.filter(queries.sitting_q(filters.on))
    if filters.current is not None:
        seats = seats.filter(ended_on__isnull=filters.current)
    return list(seats)


@router.post(
    "/{id}/committee",
    response={201: CommitteeSeatOut, **error_responses(400, 404, 409, 422)},
    summary="Add a seat on the committee",
)
def committee_add(request, id: PathId, payload: CommitteeSeatIn):
    org = get_visible_or_404(Organization.objects.accepting_members_from(request.auth), pk=id)
    check_required(payload, "member", "post", "started_on")
    member = (
        Member.objects.writable_by(request.auth)
        .current()
        .filter(tree.subtree_q("org_path", org.path), pk=payload.member)
        .first()
    )
    if member is None:
        raise field_error("member", _("The member does not exist in this organization."))
    seat = services.committee_member_add(
        actor=request.auth,
        org=org,
        member=member,
        post=payload.post,
        started_on=payload.started_on,
        ended_on=payload.ended_on,
        note=payload.note,
    )
    return Status(201, seat)


@router.post(
    "/committee-seats/{id}/end",
    response={200: CommitteeSeatOut, **error_responses(400, 404, 409, 422)},
    summary="End a seat (the member leaves the committee; the seat stays as history)",
)
def committee_end(request, id: PathId, payload: CommitteeEndIn):
    seat = apiroutes.writable(request, CommitteeMember, id, "member")
    return services.committee_member_end(
        actor=request.auth,
        seat=seat,
        ended_on=payload.ended_on or timezone.localdate(),
        note=payload.note,
        expected_version=payload.version,
    )
