"""Writes to the organization tree. Every function audits itself in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, pinyin, tree
from dangjian.core.fields import linked_user
from dangjian.core.models import OrgScoped
from dangjian.core.services import check_version, created_changes, object_update, refuse_unknown

# An exception to the layers (see .importlinter): a secretary and the committee's seats are held by
# members, so their checks read the member register.
from dangjian.members.models import Member
from dangjian.members.queries import has_voting_rights, members_on
from dangjian.organizations.contributions import member_counts
from dangjian.organizations.models import CommitteeMember, CommitteePost, Level, Organization, OrganizationChange
from dangjian.organizations.signals import organization_changed

EDITABLE_FIELDS = (
    "code",
    "name",
    "level",
    "sector",
    "has_committee",
    "term_starts_on",
    "term_ends_on",
    "secretary",
    "established_on",
)


def _next_child_path(parent: Organization | None) -> str:
    prefix = parent.path if parent else ""
    siblings = (
        Organization.objects.filter(parent=parent) if parent else Organization.objects.filter(parent__isnull=True)
    )
    last = siblings.aggregate(m=Max("path"))["m"]
    number = int(last[-tree.STEP :]) + 1 if last else 1
    if number > tree.MAX_CHILDREN:
        raise ValidationError({"parent": _("This organization has reached the maximum number of children.")})
    return prefix + tree.step(number)


def _check_level(level: str, parent: Organization | None) -> None:
    if parent is None:
        return
    if parent.level == Level.PARTY_GROUP:
        raise ValidationError({"parent": _("A party group cannot have child organizations.")})
    if level == Level.PARTY_GROUP and parent.level != Level.BRANCH:
        raise ValidationError({"level": _("A party group must sit inside a branch.")})
    if parent.level == Level.BRANCH and level != Level.PARTY_GROUP:
        raise ValidationError({"parent": _("Only party groups can sit inside a branch.")})
    if not parent.is_active:
        raise ValidationError({"parent": _("The parent organization has been dissolved.")})


@transaction.atomic
def organization_create(*, actor, parent: Organization | None, data: dict[str, Any], units=()) -> Organization:
    """Create an organization under ``parent`` (a root when None)."""
    if parent is not None:
        parent = Organization.objects.select_for_update().get(pk=parent.pk)
    _check_level(data.get("level", ""), parent)
    org = Organization(parent=parent, **data)
    if not org.code and parent is not None:
        org.code = f"{parent.code}-{Organization.objects.filter(parent=parent).count() + 1:03d}"
    org.path = _next_child_path(parent)
    org.depth = tree.depth(org.path)
    org.name_pinyin = pinyin.full(org.name)
    org.name_initials = pinyin.initials(org.name)
    org.full_clean()
    org.save()
    if units:
        org.units.set(units)
    OrganizationChange.objects.create(
        org=org,
        kind=OrganizationChange.Kind.CREATE,
        on=org.established_on or timezone.localdate(),
        new_parent=parent,
        actor=linked_user(actor),
    )
    audit.record(
        actor=actor,
        action="create",
        obj=org,
        changes=created_changes(org, ("code", "name", "level", "sector"), set_only=False),
    )
    organization_changed.send(sender=Organization, org_ids=[org.pk])
    return org


@transaction.atomic
def organization_update(*, actor, org: Organization, data: dict[str, Any], expected_version: int | None = None):
    refuse_unknown(data, EDITABLE_FIELDS)
    old_name = org.name
    secretary = data.get("secretary")
    if secretary is not None:
        in_subtree = Member.objects.current().in_subtree(org.path).filter(pk=secretary.pk).exists()
        if not in_subtree:
            raise ValidationError({"secretary": _("The secretary must be a current member of this organization.")})
    if "level" in data and data["level"] != org.level:
        _check_level(data["level"], org.parent)
    if "name" in data:
        data = {**data, "name_pinyin": pinyin.full(data["name"]), "name_initials": pinyin.initials(data["name"])}
    diff = object_update(actor=actor, instance=org, data=data, expected_version=expected_version)
    if "name" in diff:
        OrganizationChange.objects.create(
            org=org,
            kind=OrganizationChange.Kind.RENAME,
            on=timezone.localdate(),
            old_value=old_name,
            new_value=org.name,
            actor=linked_user(actor),
        )
    if diff:
        organization_changed.send(sender=Organization, org_ids=[org.pk])
    return diff


@transaction.atomic
def organization_move(
    *, actor, org: Organization, new_parent: Organization, on: dt.date | None = None, note: str = ""
) -> Organization:
    """Move a whole subtree under ``new_parent``: one locked service rewriting paths by prefix."""
    org = Organization.objects.select_for_update().get(pk=org.pk)
    new_parent = Organization.objects.select_for_update().get(pk=new_parent.pk)
    if new_parent.path.startswith(org.path):
        raise ValidationError({"parent": _("An organization cannot be moved under itself or its own subtree.")})
    if new_parent.pk == org.parent_id:
        raise ValidationError({"parent": _("The organization is already under this parent.")})
    _check_level(org.level, new_parent)
    old_path, old_parent = org.path, org.parent
    new_path = _next_child_path(new_parent)
    cut = len(old_path) + 1
    depth_shift = tree.depth(new_path) - tree.depth(old_path)
    subtree = Organization.objects.in_subtree(old_path)
    subtree.update(path=Concat(Value(new_path), Substr("path", cut)), depth=F("depth") + depth_shift)
    Organization.objects.filter(pk=org.pk).update(parent=new_parent)
    _rewrite_scoped_paths(old_path, new_path)
    # Audit events keep the path they were written with: history is not rewritten.
    org.refresh_from_db()
    OrganizationChange.objects.create(
        org=org,
        kind=OrganizationChange.Kind.MOVE,
        on=on or timezone.localdate(),
        old_parent=old_parent,
        new_parent=new_parent,
        old_value=old_path,
        new_value=org.path,
        note=note,
        actor=linked_user(actor),
    )
    audit.record(
        actor=actor, action="move", obj=org, changes={"parent": [old_parent.pk if old_parent else None, new_parent.pk]}
    )
    return org


def _rewrite_scoped_paths(old_path: str, new_path: str) -> None:
    """Every table that copies the organization path follows the move: ``org_path`` of the
    ``OrgScoped`` models, and the fields a model lists in ``copied_paths`` (a training attendance row
    copies both the member's and the session's organization path)."""
    cut = len(old_path) + 1
    for model in apps.get_models():
        fields = getattr(model, "copied_paths", ("org_path",) if issubclass(model, OrgScoped) else ())
        for name in fields:
            model.objects.filter(tree.subtree_q(name, old_path)).update(
                **{name: Concat(Value(new_path), Substr(name, cut))}
            )


@transaction.atomic
def organization_dissolve(*, actor, org: Organization, on: dt.date, note: str = "") -> Organization:
    """Dissolve an organization. It must have no active children and no current members."""
    org = Organization.objects.select_for_update().get(pk=org.pk)
    if org.dissolved_on:
        raise ValidationError({"dissolved_on": _("This organization is already dissolved.")})
    if org.children.filter(dissolved_on__isnull=True).exists():
        raise ValidationError({"dissolved_on": _("Dissolve or move its child organizations first.")})
    if member_counts().of(org)["total"] > 0:
        raise ValidationError({"dissolved_on": _("Transfer its members to another organization first.")})
    if org.established_on and on < org.established_on:
        raise ValidationError({"dissolved_on": _("An organization cannot be dissolved before it was established.")})
    org.dissolved_on = on
    org.save(update_fields=["dissolved_on", "updated_at"])
    OrganizationChange.objects.create(
        org=org, kind=OrganizationChange.Kind.DISSOLVE, on=on, note=note, actor=linked_user(actor)
    )
    audit.record(actor=actor, action="dissolve", obj=org, changes={"dissolved_on": [None, on.isoformat()]})
    organization_changed.send(sender=Organization, org_ids=[org.pk])
    return org


# --- The committee ---------------------------------------------------------------------------------
COMMITTEE_LEVELS = (Level.COMMITTEE, Level.WORKING_COMMITTEE, Level.GENERAL_BRANCH, Level.BRANCH)


def validate_committee_seat(*, org: Organization, member, post: str, started_on, ended_on=None) -> None:
    """Raise every reason a new seat of ``member`` on ``org``'s committee is refused, by field.

    ``ended_on`` records a seat of the past (history) in one go."""
    errors: dict[str, list[str]] = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if org.level not in COMMITTEE_LEVELS:
        error("org", _("A party group has no committee."))
    if not org.is_active:
        error("org", _("This organization has been dissolved."))
    if post not in CommitteePost.values:
        error("post", _("Choose a post from the list."))
    if not isinstance(started_on, dt.date):
        error("started_on", _("Give the date the seat started."))
        started_on = None
    else:
        if started_on > timezone.localdate():
            error("started_on", _("A seat is recorded once it has started; the date cannot be in the future."))
        if org.established_on and started_on < org.established_on:
            error(
                "started_on",
                _("The organization was established on %(day)s.") % {"day": org.established_on.isoformat()},
            )
    if ended_on is not None:
        if not isinstance(ended_on, dt.date):
            error("ended_on", _("Give the date the seat ended."))
        elif started_on is not None and ended_on <= started_on:
            error("ended_on", _("A seat ends after it started (%(day)s).") % {"day": started_on.isoformat()})
        elif ended_on > timezone.localdate():
            error("ended_on", _("A seat is ended once it has ended; the date cannot be in the future."))
    if member is None:
        error("member", _("Choose a member."))
    elif started_on is not None:
        inside = member.org_id == org.pk if org.level == Level.BRANCH else member.org_path.startswith(org.path)
        if not inside or not members_on(member.org, started_on).filter(pk=member.pk).exists():
            error(
                "member",
                _("%(name)s was not a member of %(org)s on %(day)s.")
                % {"name": member.name, "org": org.name, "day": started_on.isoformat()},
            )
        elif not has_voting_rights(member, started_on):
            error("member", _("Only full members can sit on a committee."))
        seats = CommitteeMember.objects.filter(org=org)
        overlapping = Q(ended_on__isnull=True) | Q(ended_on__gt=started_on)
        if isinstance(ended_on, dt.date):
            overlapping &= Q(started_on__lt=ended_on)
        if seats.filter(overlapping, member=member).exists():
            error("member", _("%(name)s already sits on this committee.") % {"name": member.name})
        if post == CommitteePost.SECRETARY and seats.filter(overlapping, post=CommitteePost.SECRETARY).exists():
            error("post", _("The committee already has a secretary: end that seat first."))
    if errors:
        raise ValidationError(errors)


def _sync_secretary(org: Organization, member_id: int | None, *, only_if: int | None = None) -> bool:
    """Keep ``Organization.secretary`` the committee's secretary (record once); True when changed."""
    query = Organization.objects.filter(pk=org.pk)
    if only_if is not None:
        query = query.filter(secretary_id=only_if)
    changed = query.exclude(secretary_id=member_id).update(secretary_id=member_id, version=F("version") + 1)
    return bool(changed)


@transaction.atomic
def committee_member_add(
    *,
    actor,
    org: Organization,
    member,
    post: str,
    started_on: dt.date,
    ended_on: dt.date | None = None,
    note: str = "",
) -> CommitteeMember:
    """Record that ``member`` sits on ``org``'s committee in ``post`` from ``started_on`` (until
    ``ended_on``, for a seat of the past)."""
    org = Organization.objects.select_for_update().get(pk=org.pk)
    note = (note or "").strip()
    validate_committee_seat(org=org, member=member, post=post, started_on=started_on, ended_on=ended_on)
    if len(note) > 200:
        raise ValidationError({"note": _("At most 200 characters.")})
    seat = CommitteeMember(org=org, member=member, post=post, started_on=started_on, ended_on=ended_on, note=note)
    seat.full_clean()
    seat.save()
    changes = {
        "member": [None, member.pk],
        "post": [None, post],
        "started_on": [None, started_on.isoformat()],
    }
    if ended_on:
        changes["ended_on"] = [None, ended_on.isoformat()]
    if note:
        changes["note"] = [None, note]
    if post == CommitteePost.SECRETARY and ended_on is None and _sync_secretary(org, member.pk):
        changes["organization.secretary"] = [org.secretary_id, member.pk]
    audit.record(actor=actor, action="create", obj=seat, changes=changes)
    organization_changed.send(sender=Organization, org_ids=[seat.org_id])
    return seat


@transaction.atomic
def committee_member_end(
    *, actor, seat: CommitteeMember, ended_on: dt.date, note: str = "", expected_version: int | None = None
) -> CommitteeMember:
    """End a seat on ``ended_on`` (the first day off the committee); the seat stays as history."""
    seat = CommitteeMember.objects.select_for_update().select_related("member", "org").get(pk=seat.pk)
    check_version(seat, expected_version)
    note = (note or "").strip()
    errors: dict[str, str] = {}
    if seat.ended_on is not None:
        errors["ended_on"] = _("This seat already ended on %(day)s.") % {"day": seat.ended_on.isoformat()}
    elif not isinstance(ended_on, dt.date):
        errors["ended_on"] = _("Give the date the seat ended.")
    elif ended_on <= seat.started_on:
        errors["ended_on"] = _("A seat ends after it started (%(day)s).") % {"day": seat.started_on.isoformat()}
    elif ended_on > timezone.localdate():
        errors["ended_on"] = _("A seat is ended once it has ended; the date cannot be in the future.")
    if len(note) > 200:
        errors["note"] = _("At most 200 characters.")
    if errors:
        raise ValidationError(errors)
    seat.ended_on = ended_on
    if note:
        seat.note = note
    seat.version += 1
    seat.save(update_fields=["ended_on", "note", "version", "updated_at"])
    changes: dict[str, list] = {"ended_on": [None, ended_on.isoformat()]}
    if note:
        changes["note"] = [None, note]
    if seat.post == CommitteePost.SECRETARY and _sync_secretary(seat.org, None, only_if=seat.member_id):
        changes["organization.secretary"] = [seat.member_id, None]
    audit.record(actor=actor, action="update", obj=seat, changes=changes)
    organization_changed.send(sender=Organization, org_ids=[seat.org_id])
    return seat
