"""Who may take a step of an approval chain, and who may propose points for a member."""

from __future__ import annotations

from dangjian.core.roles import Role
from dangjian.core.scoping import scopes
from dangjian.organizations.models import Organization
from dangjian.points.models import Step
from dangjian.posts.queries import members_led_by


def _grants(actor) -> list[tuple[str, str, str]]:
    """``[(role, path, level)]`` of the actor's business grants (cached on the user)."""
    cached = getattr(actor, "_points_grants", None)
    if cached is None:
        business = [s for s in scopes(actor) if s.role in (Role.ORGANIZER, Role.SECRETARY)]
        levels = dict(Organization.objects.filter(pk__in=[s.org_id for s in business]).values_list("pk", "level"))
        cached = [(s.role, s.path, levels.get(s.org_id, "")) for s in business]
        actor._points_grants = cached
    return cached


def _led(actor) -> set[int]:
    """Ids of the members of the party groups the actor leads today (cached on the user, like the grants)."""
    cached = getattr(actor, "_points_led", None)
    if cached is None:
        cached = actor._points_led = set(members_led_by(actor).values_list("pk", flat=True))
    return cached


def is_group_leader(actor) -> bool:
    """Whether the actor leads a party group today (and so may take the group leader's step)."""
    return getattr(actor, "is_authenticated", False) and bool(_led(actor))


def holds_step(actor, step: str, org_path: str, member_id: int) -> bool:
    """Whether ``actor`` may take ``step`` for an entry of member ``member_id`` in the organization at ``org_path``.

    - group leader: the actor leads the party group the member is in (一编三定's group memberships);
    - secretary: a grant over the organization itself, or over the branch or general branch it sits in;
    - township: a grant over a party committee (or working committee) above it.
    """
    if not getattr(actor, "is_authenticated", False):
        return False
    if step == Step.GROUP_LEADER:
        return member_id in _led(actor)
    for _role, path, level in _grants(actor):
        if step == Step.SECRETARY:
            if path == org_path or (org_path.startswith(path) and level in ("branch", "general_branch")):
                return True
        elif step == Step.TOWNSHIP:
            if org_path.startswith(path) and path != org_path and level in ("committee", "working_committee"):
                return True
    return False


def can_propose_for(actor, member) -> bool:
    """A member for themselves; a group leader, secretary or committee above for their members."""
    if member.user_id and member.user_id == getattr(actor, "pk", None):
        return True
    if any(member.org_path.startswith(path) for _role, path, _level in _grants(actor)):
        return True
    return holds_step(actor, Step.GROUP_LEADER, member.org_path, member.pk)
