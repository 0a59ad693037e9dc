"""Writes of 一编三定: group memberships, the post catalogue, post assignments and their evaluation.

Every service validates, writes in one transaction and records exactly one audit event. The stages
of an assignment (declared → approved → publicised → on duty → ended) are each a service that
checks the stage it starts from. See the app's README.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, parameters
from dangjian.core.services import check_version, created_changes, object_update, refuse_unknown, save_new_version
from dangjian.members.models import EvaluationRating, Member
from dangjian.organizations.models import Level
from dangjian.posts import queries
from dangjian.posts.models import (
    OPEN_STATES,
    AssignmentOrigin,
    AssignmentState,
    GroupMembership,
    Post,
    PostArea,
    PostAssignment,
    PostEvaluation,
    PostSetting,
)

NOTICE_KEY = "member.post_notice_min_days"
EARLIEST = dt.date(2000, 1, 1)


def _today() -> dt.date:
    return timezone.localdate()


def _check_day(day: dt.date, field: str, *, future_ok: bool = False) -> None:
    if day < EARLIEST:
        raise ValidationError({field: _("The date is too far in the past.")})
    if not future_ok and day > _today():
        raise ValidationError({field: _("The date cannot be in the future.")})


def _lock_member(member: Member) -> Member:
    return Member.objects.select_for_update().select_related("org").get(pk=member.pk)


def _check_group(member: Member, group, field: str = "group") -> None:
    if group.level != Level.PARTY_GROUP:
        raise ValidationError({field: _("Choose a party group.")})
    if not group.is_active:
        raise ValidationError({field: _("The party group has been dissolved.")})
    if group.parent_id != member.org_id:
        raise ValidationError({field: _("The party group is not under the member's branch.")})


# --- Groups (编组) ---------------------------------------------------------------------------------
def _open_membership(member: Member) -> GroupMembership | None:
    return GroupMembership.objects.select_for_update().filter(member=member, ended_on__isnull=True).first()


def _restart(row: GroupMembership, on: dt.date, *, is_leader: bool) -> GroupMembership:
    row.ended_on = on
    row.save(update_fields=["ended_on", "updated_at"])
    return GroupMembership.objects.create(org=row.org, member=row.member, is_leader=is_leader, started_on=on)


@transaction.atomic
def group_member_assign(
    *, actor, member: Member, group, is_leader: bool = False, on: dt.date | None = None
) -> GroupMembership:
    """Place ``member`` in ``group`` from ``on`` (or make them its leader, or no longer its leader).

    The member's open membership ends that day; a leader replaced stays in the group as a member.
    """
    member = _lock_member(member)
    on = on or _today()
    _check_day(on, "started_on")
    if member.left_on is not None:
        raise ValidationError({"member": _("The member has left the party.")})
    _check_group(member, group)
    current = _open_membership(member)
    if current is not None and current.org_id == group.pk and current.is_leader == is_leader:
        raise ValidationError({"group": _("The member is already in this party group.")})
    if current is not None and on < current.started_on:
        raise ValidationError(
            {"started_on": _("The member is in a group since %(day)s.") % {"day": current.started_on.isoformat()}}
        )
    changes: dict[str, Any] = {
        "group": [current.org_id if current else None, group.pk],
        "is_leader": [current.is_leader if current else None, is_leader],
        "started_on": [None, on.isoformat()],
    }
    if is_leader:
        leader = (
            GroupMembership.objects.select_for_update()
            .filter(org=group, is_leader=True, ended_on__isnull=True)
            .exclude(member=member)
            .first()
        )
        if leader is not None:
            if on < leader.started_on:
                raise ValidationError(
                    {
                        "started_on": _("The group has its leader since %(day)s.")
                        % {"day": leader.started_on.isoformat()}
                    }
                )
            _restart(leader, on, is_leader=False)
            changes["previous_leader"] = [leader.member_id, None]
    if current is not None:
        current.ended_on = on
        current.save(update_fields=["ended_on", "updated_at"])
    row = GroupMembership.objects.create(org=group, member=member, is_leader=is_leader, started_on=on)
    audit.record(actor=actor, action="group_assign", obj=row, changes=changes)
    return row


@transaction.atomic
def group_member_remove(*, actor, membership: GroupMembership, on: dt.date | None = None) -> GroupMembership:
    """Take a member out of their party group from ``on``."""
    membership = GroupMembership.objects.select_for_update().select_related("org", "member").get(pk=membership.pk)
    on = on or _today()
    _check_day(on, "ended_on")
    if membership.ended_on is not None:
        raise ValidationError({"ended_on": _("The member is no longer in this party group.")})
    if on < membership.started_on:
        raise ValidationError({"ended_on": _("A membership cannot end before it starts.")})
    membership.ended_on = on
    membership.save(update_fields=["ended_on", "updated_at"])
    audit.record(actor=actor, action="group_remove", obj=membership, changes={"ended_on": [None, on.isoformat()]})
    return membership


# --- The catalogue (定岗, 定责) -----------------------------------------------------------------------
POST_FIELDS = ("area", "name", "duties", "order", "is_active")


def _clean_post(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    for name in ("name", "duties"):
        if name in data:
            data[name] = (data[name] or "").strip()
            if not data[name]:
                raise ValidationError({name: _("This field is required.")})
    if len(data.get("duties") or "") > 1000:
        raise ValidationError({"duties": _("At most %(n)d characters.") % {"n": 1000}})
    if "area" in data and not isinstance(data["area"], PostArea):
        raise ValidationError({"area": _("Choose an area.")})
    if "order" in data and (not isinstance(data["order"], int) or not 0 <= data["order"] <= 999):
        raise ValidationError({"order": _("Enter a whole number from 0 to 999.")})
    return data


def _unique_name(org, name: str, instance: Post | None = None) -> None:
    same = Post.objects.filter(org=org, name=name) if org is not None else Post.objects.filter(org=None, name=name)
    if instance is not None:
        same = same.exclude(pk=instance.pk)
    if same.exists():
        raise ValidationError({"name": _("A post with this name is already defined here.")})


@transaction.atomic
def post_create(*, actor, org, data: dict[str, Any]) -> Post:
    """A post offered in ``org``'s subtree (``org`` None: a district-wide default)."""
    refuse_unknown(data, POST_FIELDS)
    if org is not None and org.level == Level.PARTY_GROUP:
        raise ValidationError({"org": _("Posts are defined by a branch or a committee, not a party group.")})
    data = _clean_post(data)
    _unique_name(org, data.get("name", ""))
    post = Post(org=org, **data)
    post.full_clean()
    post.save()
    audit.record(
        actor=actor,
        action="create",
        obj=post,
        org=org,
        changes=created_changes(post, POST_FIELDS, set_only=False),
    )
    return post


@transaction.atomic
def post_update(*, actor, post: Post, data: dict[str, Any], expected_version: int | None = None) -> dict:
    """Change a post's name, area, duties or order, or stop offering it (``is_active``). Posts are
    never deleted: assignments keep pointing at them, and keep the duties they were given."""
    refuse_unknown(data, POST_FIELDS)
    data = _clean_post(data)
    if "name" in data:
        _unique_name(post.org, data["name"], post)
    return object_update(actor=actor, instance=post, data=data, expected_version=expected_version)


@transaction.atomic
def post_setting_set(*, actor, org, post: Post, hidden: bool) -> PostSetting:
    """Hide ``post`` in ``org``'s subtree, or offer it again there (the nearest setting up the tree wins)."""
    if org.level == Level.PARTY_GROUP:
        raise ValidationError({"org": _("Posts are defined by a branch or a committee, not a party group.")})
    if post.org_id is not None and not org.path.startswith(post.org_path):
        raise ValidationError({"post": _("This post is not offered here.")})
    setting = PostSetting.objects.select_for_update().filter(org=org, post=post).first()
    old = setting.hidden if setting else None
    if old == hidden:
        raise ValidationError({"hidden": _("Nothing to change.")})
    if setting is None:
        setting = PostSetting.objects.create(org=org, post=post, hidden=hidden)
    else:
        setting.hidden = hidden
        save_new_version(setting)
    audit.record(actor=actor, action="update", obj=setting, org=org, changes={"hidden": [old, hidden]})
    return setting


# --- Assignments -----------------------------------------------------------------------------------
EDITABLE_ASSIGNMENT_FIELDS = ("duties", "group", "recommended_by", "note")


def _clean_text(data: dict[str, Any], name: str, limit: int) -> None:
    if name in data:
        data[name] = (data[name] or "").strip()
        if len(data[name]) > limit:
            raise ValidationError({name: _("At most %(n)d characters.") % {"n": limit}})


@transaction.atomic
def post_assignment_declare(
    *,
    actor,
    member: Member,
    post: Post,
    origin: str,
    group=None,
    duties: str | None = None,
    recommended_by: str = "",
    declared_on: dt.date | None = None,
    note: str = "",
) -> PostAssignment:
    """A member declares themself for a post, or is recommended for it (the first stage).

    The member has no formal post and no other open assignment; the post is offered in their
    branch; the group (their current group when not given) is under that branch. The duties are
    copied from the post and may be changed.
    """
    member = _lock_member(member)
    declared_on = declared_on or _today()
    _check_day(declared_on, "declared_on")
    errors: dict[str, str] = {}
    if member.left_on is not None:
        errors["member"] = _("The member has left the party.")
    elif member.holds_post:
        errors["member"] = _("The member holds a formal post; 一编三定 is for members without one.")
    elif PostAssignment.objects.filter(member=member, state__in=OPEN_STATES).exists():
        errors["member"] = _("The member already has a post assignment in progress; end it first.")
    elif member.org.level == Level.PARTY_GROUP or not member.org.is_active:
        errors["member"] = _("The member's organization cannot take post assignments.")
    if origin not in AssignmentOrigin.values:
        errors["origin"] = _("Choose self-declared or recommended.")
    if not post.is_active or post.pk not in {p.pk for p in queries.posts_offered(member.org)}:
        errors["post"] = _("This post is not offered in the member's branch.")
    current_group = queries.group_of(member)
    if group is None:
        group = current_group
    elif current_group is not None and group.pk != current_group.pk:
        errors["group"] = _("The member is in the party group %(name)s.") % {"name": current_group.name}
    if group is not None and "group" not in errors:
        try:
            _check_group(member, group)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    data = {"duties": post.duties if duties is None else duties, "recommended_by": recommended_by, "note": note}
    _clean_text(data, "duties", 1000)
    _clean_text(data, "recommended_by", 64)
    _clean_text(data, "note", 200)
    if not data["duties"]:
        errors["duties"] = _("Write the duties of the post.")
    if errors:
        raise ValidationError(errors)
    assignment = PostAssignment(
        org=member.org,
        member=member,
        post=post,
        group=group,
        origin=origin,
        state=AssignmentState.DECLARED,
        declared_on=declared_on,
        **data,
    )
    assignment.full_clean()
    assignment.save()
    names = ("member", "post", "group", "origin", "duties", "recommended_by", "declared_on", "state", "note")
    audit.record(
        actor=actor,
        action="create",
        obj=assignment,
        changes=created_changes(assignment, names),
    )
    return assignment


def _lock(assignment: PostAssignment, expected_version: int | None) -> PostAssignment:
    assignment = (
        PostAssignment.objects.select_for_update(of=("self",))
        .select_related("member", "post", "org")
        .get(pk=assignment.pk)
    )
    check_version(assignment, expected_version)
    return assignment


def _require_state(assignment: PostAssignment, *states: str) -> None:
    if assignment.state not in states:
        raise ValidationError(
            {
                "state": _("This assignment is %(state)s; that step is not possible now.")
                % {"state": assignment.get_state_display()}
            }
        )


def _advance(actor, assignment: PostAssignment, state: str, values: dict[str, Any], action: str) -> PostAssignment:
    old = assignment.state
    before = {n: audit.jsonable(getattr(assignment, n)) for n in values}
    for name, value in values.items():
        setattr(assignment, name, value)
    assignment.state = state
    save_new_version(assignment)
    changes = {"state": [old, state]}
    changes.update({n: [before[n], audit.jsonable(v)] for n, v in values.items()})
    audit.record(actor=actor, action=action, obj=assignment, changes=changes)
    return assignment


def _at_state(assignment: PostAssignment, expected_version: int | None, state: str, on: dt.date | None, field: str):
    """Lock the assignment, check that it is at ``state`` and take the day of the next step (``field``;
    today by default)."""
    assignment = _lock(assignment, expected_version)
    _require_state(assignment, state)
    on = on or _today()
    _check_day(on, field)
    return assignment, on


@transaction.atomic
def post_assignment_approve(
    *, actor, assignment: PostAssignment, on: dt.date | None = None, expected_version: int | None = None
) -> PostAssignment:
    """The branch approves a declared assignment."""
    assignment, on = _at_state(assignment, expected_version, AssignmentState.DECLARED, on, "approved_on")
    if on < assignment.declared_on:
        raise ValidationError({"approved_on": _("The approval comes after the declaration.")})
    return _advance(actor, assignment, AssignmentState.APPROVED, {"approved_on": on}, "post_approve")


@transaction.atomic
def post_assignment_publicise(
    *,
    actor,
    assignment: PostAssignment,
    starts_on: dt.date,
    ends_on: dt.date,
    expected_version: int | None = None,
) -> PostAssignment:
    """Put an approved assignment under public notice from ``starts_on`` to ``ends_on`` (inclusive)."""
    assignment = _lock(assignment, expected_version)
    _require_state(assignment, AssignmentState.APPROVED)
    _check_day(starts_on, "notice_starts_on", future_ok=True)
    if starts_on < assignment.approved_on:
        raise ValidationError({"notice_starts_on": _("The public notice starts after the approval.")})
    if starts_on > _today() + dt.timedelta(days=60):
        raise ValidationError({"notice_starts_on": _("The public notice starts within 60 days.")})
    minimum = parameters.get(NOTICE_KEY, starts_on)
    if (ends_on - starts_on).days + 1 < minimum:
        raise ValidationError(
            {"notice_ends_on": _("The public notice lasts at least %(n)d days.") % {"n": minimum}}, code="too_short"
        )
    if (ends_on - starts_on).days > 90:
        raise ValidationError({"notice_ends_on": _("The public notice lasts at most 90 days.")})
    values = {"notice_starts_on": starts_on, "notice_ends_on": ends_on}
    return _advance(actor, assignment, AssignmentState.PUBLICISED, values, "post_publicise")


@transaction.atomic
def post_assignment_record_objections(
    *, actor, assignment: PostAssignment, objections: str, expected_version: int | None = None
) -> PostAssignment:
    """Record the objections received during the public notice (they do not end it by themselves)."""
    assignment = _lock(assignment, expected_version)
    _require_state(assignment, AssignmentState.PUBLICISED)
    data = {"objections": objections}
    _clean_text(data, "objections", 1000)
    if data["objections"] == assignment.objections:
        raise ValidationError({"objections": _("Nothing to change.")})
    object_update(actor=actor, instance=assignment, data=data, action="post_objections")
    return assignment


@transaction.atomic
def post_assignment_badge(
    *, actor, assignment: PostAssignment, on: dt.date | None = None, expected_version: int | None = None
) -> PostAssignment:
    """After the public notice, the member takes up the post with a badge (挂牌上岗)."""
    assignment, on = _at_state(assignment, expected_version, AssignmentState.PUBLICISED, on, "on_duty_from")
    if on <= assignment.notice_ends_on:
        raise ValidationError(
            {
                "on_duty_from": _("The public notice runs until %(day)s; the badge comes after it.")
                % {"day": assignment.notice_ends_on.isoformat()}
            }
        )
    member = Member.objects.get(pk=assignment.member_id)
    if member.holds_post:
        raise ValidationError({"member": _("The member now holds a formal post; end this assignment instead.")})
    return _advance(actor, assignment, AssignmentState.ON_DUTY, {"on_duty_from": on}, "post_badge")


@transaction.atomic
def post_assignment_end(
    *,
    actor,
    assignment: PostAssignment,
    reason: str,
    on: dt.date | None = None,
    expected_version: int | None = None,
) -> PostAssignment:
    """End an assignment at any open stage: not approved, withdrawn after objections, stood down, moved."""
    assignment = _lock(assignment, expected_version)
    _require_state(assignment, *OPEN_STATES)
    on = on or _today()
    _check_day(on, "ended_on")
    started = assignment.on_duty_from or assignment.declared_on
    if on < started:
        raise ValidationError({"ended_on": _("An assignment cannot end before it starts.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"end_reason": _("Say why the assignment ends.")})
    if len(reason) > 200:
        raise ValidationError({"end_reason": _("At most %(n)d characters.") % {"n": 200}})
    return _advance(actor, assignment, AssignmentState.ENDED, {"ended_on": on, "end_reason": reason}, "post_end")


@transaction.atomic
def post_assignment_update(
    *, actor, assignment: PostAssignment, data: dict[str, Any], expected_version: int | None = None
) -> dict:
    """Change the duties, the group, who recommended or the note of an open assignment."""
    refuse_unknown(data, EDITABLE_ASSIGNMENT_FIELDS)
    assignment = _lock(assignment, None)
    _require_state(assignment, *OPEN_STATES)
    data = dict(data)
    _clean_text(data, "duties", 1000)
    _clean_text(data, "recommended_by", 64)
    _clean_text(data, "note", 200)
    if "duties" in data and not data["duties"]:
        raise ValidationError({"duties": _("Write the duties of the post.")})
    if data.get("group") is not None:
        _check_group(assignment.member, data["group"])
    return object_update(actor=actor, instance=assignment, data=data, expected_version=expected_version)


# --- Evaluation (定评) -----------------------------------------------------------------------------
@transaction.atomic
def post_evaluation_record(
    *,
    actor,
    assignment: PostAssignment,
    year: int,
    rating: str,
    note: str = "",
    on: dt.date | None = None,
) -> PostEvaluation:
    """The branch's rating of an assignment for a year in which the member was on duty. The points of
    the post's duties are read from the points app and stored beside the rating as they were shown;
    they inform the rating, they do not decide it. Rating the same year again changes the rating."""
    assignment = PostAssignment.objects.select_for_update(of=("self",)).get(pk=assignment.pk)
    on = on or _today()
    _check_day(on, "evaluated_on")
    errors: dict[str, str] = {}
    if not isinstance(year, int) or not 2000 <= year <= on.year:
        errors["year"] = _("Choose a year up to this one.")
    elif not queries.on_duty_in(assignment, year):
        errors["year"] = _("The member was not on duty in this post in that year.")
    if rating not in EvaluationRating.values:
        errors["rating"] = _("Choose a rating.")
    note = (note or "").strip()
    if len(note) > 500:
        errors["note"] = _("At most %(n)d characters.") % {"n": 500}
    if errors:
        raise ValidationError(errors)
    points = queries.post_points(assignment, year)
    evaluation = PostEvaluation.objects.select_for_update().filter(assignment=assignment, year=year).first()
    if evaluation is None:
        evaluation = PostEvaluation.objects.create(
            assignment=assignment, year=year, rating=rating, note=note, points=points, evaluated_on=on
        )
        changes = {"year": [None, year], "rating": [None, rating], "note": [None, note], "points": [None, points]}
    else:
        changes = {
            n: [getattr(evaluation, n), v]
            for n, v in (("rating", rating), ("note", note), ("points", points))
            if getattr(evaluation, n) != v
        }
        if not changes:
            raise ValidationError({"rating": _("Nothing to change.")})
        evaluation.rating, evaluation.note, evaluation.points, evaluation.evaluated_on = rating, note, points, on
        save_new_version(evaluation)
        changes["year"] = [year, year]
    audit.record(
        actor=actor, action="post_evaluate", obj=assignment, object_repr=f"{assignment} {year}", changes=changes
    )
    return evaluation
