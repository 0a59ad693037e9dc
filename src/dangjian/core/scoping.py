"""The one permission chokepoint: every read starts from ``Model.objects.visible_to(user)``.

A user's rights are their role assignments; a role over an organization holds for its
whole subtree. Outside that subtree a record does not exist for the user (404, never 403).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.http import Http404

from dangjian.core import tree
from dangjian.core.roles import TREE_ROLES, WRITE_ROLES, Role


@dataclass(frozen=True)
class Scope:
    role: str
    org_id: int
    path: str


def scopes(user) -> list[Scope]:
    """The user's role assignments with their organization paths (cached on the user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_dangjian_scopes", None)
    if cached is None:
        from dangjian.core.models import RoleAssignment  # a cycle: core.models builds on ScopedQuerySet

        cached = [
            Scope(role, org_id, path)
            for role, org_id, path in RoleAssignment.objects.filter(user=user, org__dissolved_on__isnull=True)
            .values_list("role", "org_id", "org__path")
            .order_by("org__path")
        ]
        user._dangjian_scopes = cached
    return cached


def forget_scopes(user) -> None:
    user.__dict__.pop("_dangjian_scopes", None)


def paths_for(user, roles) -> list[str]:
    return tree.collapse(s.path for s in scopes(user) if s.role in roles)


def has_role(user, *roles: str) -> bool:
    return any(s.role in roles for s in scopes(user))


def can_see_full_id(user) -> bool:
    return has_role(user, *settings.FULL_ID_ROLES)


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows which path field places its rows in the tree."""

    def _scope_field(self) -> str:
        return self.model.scope_field

    def in_subtree(self, path: str):
        return self.filter(tree.subtree_q(self._scope_field(), path))

    def _within(self, paths: list[str]):
        query = tree.subtrees_q(self._scope_field(), paths)
        return self.none() if query is None else self.filter(query)

    def visible_to(self, user):
        """Rows in the subtrees where the user reads business records."""
        return self._within(paths_for(user, WRITE_ROLES))

    def writable_by(self, user):
        """Rows the user may change."""
        return self._within(paths_for(user, WRITE_ROLES))


class OrganizationQuerySet(ScopedQuerySet):
    def writable_by(self, user):
        """Organizations whose own record (and the tree below) the user may change: organizers."""
        return self._within(paths_for(user, TREE_ROLES))

    def accepting_members_from(self, user):
        """Organizations where the user may register members: organizers and secretaries alike."""
        return self._within(paths_for(user, WRITE_ROLES))


def get_visible_or_404(queryset, **lookup):
    """Fetch one row from an already scoped queryset, or 404 as if it did not exist."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


__all__ = ["OrganizationQuerySet", "Role", "Scope", "ScopedQuerySet", "get_visible_or_404", "scopes"]
