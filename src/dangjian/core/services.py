"""Generic write services: plain create/update/delete with validation and an audit event.

Apps wrap these in their own named services (``member_update``) and add invariants.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, tree
from dangjian.core.models import ApiToken, RoleAssignment, User
from dangjian.core.parameters import parameter_set as parameter_set  # re-exported: callers import it from here
from dangjian.core.roles import ADMIN_ROLES, WRITE_ROLES, Role
from dangjian.core.scoping import forget_scopes, paths_for

# Fields whose values never go into an audit event in clear.
SECRET_FIELDS = {"id_number_enc", "id_number_hash", "phone_enc", "password"}


class ConcurrentEditError(ValidationError):
    pass


class BatchValidationError(ValidationError):
    """Some entries of a batch are invalid: ``errors`` maps each entry's index to its ValidationError."""

    def __init__(self, errors: dict[int, ValidationError]):
        self.errors = errors
        first = errors[min(errors)]
        super().__init__(getattr(first, "error_dict", None) or first.error_list)


def field_value(instance: models.Model, name: str) -> Any:
    field = instance._meta.get_field(name)
    return getattr(instance, field.attname)


def snapshot(instance: models.Model, names) -> dict[str, Any]:
    return {name: field_value(instance, name) for name in names}


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    diff = {}
    for name, old in before.items():
        new = after.get(name)
        if old != new:
            if name in SECRET_FIELDS:
                diff[name] = [audit.SENSITIVE_MARK, audit.SENSITIVE_MARK]
            else:
                diff[name] = [audit.jsonable(old), audit.jsonable(new)]
    return diff


def check_version(instance: models.Model, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != instance.version:
        raise ConcurrentEditError(
            _("Someone else saved this record while you were editing it. Reload the page and apply your change again."),
            code="stale",
        )


@transaction.atomic
def object_update(
    *, actor, instance: models.Model, data: dict[str, Any], expected_version: int | None = None, action: str = "update"
) -> dict[str, list[Any]]:
    """Apply ``data`` to ``instance``; validate; save with a version bump; audit the change."""
    if hasattr(instance, "version"):
        fresh = type(instance).objects.select_for_update().only("version").get(pk=instance.pk)
        instance.version = fresh.version
        check_version(instance, expected_version)
    before = snapshot(instance, data.keys())
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    diff = changed_fields(before, snapshot(instance, data.keys()))
    if not diff:
        return diff
    if hasattr(instance, "version"):
        instance.version = F("version") + 1
    instance.save()
    if hasattr(instance, "version"):
        instance.refresh_from_db(fields=["version"])
    audit.record(actor=actor, action=action, obj=instance, changes=diff)
    return diff


@transaction.atomic
def object_create(*, actor, instance: models.Model, action: str = "create") -> models.Model:
    instance.full_clean()
    instance.save()
    names = [f.name for f in instance._meta.concrete_fields if f.name not in {"id", "created_at", "updated_at"}]
    audit.record(
        actor=actor,
        action=action,
        obj=instance,
        changes=changed_fields(dict.fromkeys(names), snapshot(instance, names)),
    )
    return instance


# --- 三员分立: who administers what ----------------------------------------------------------------
# The system administrator manages accounts, the security administrator grants roles, the audit
# administrator reads the audit log. ``actor=None`` is the system itself (migrations, the demo
# loader, test factories); every person acting goes through the checks below.


def secadmin_paths(actor) -> list[str]:
    return paths_for(actor, {Role.SECADMIN})


def sysadmin_paths(actor) -> list[str]:
    return paths_for(actor, {Role.SYSADMIN})


def users_visible_to_sysadmin(actor) -> models.QuerySet[User]:
    """Accounts whose every role lies inside the system administrator's subtrees (or who have none)."""
    paths = sysadmin_paths(actor)
    if not paths:
        return User.objects.none()
    outside = RoleAssignment.objects.exclude(tree.subtrees_q("org__path", paths)).values("user_id")
    return User.objects.exclude(pk__in=outside)


def users_manageable_by(actor) -> models.QuerySet[User]:
    """Visible accounts the system administrator may change: never an administrator (nor themselves).

    An administrator's account is changed only after the security administrator has revoked
    the role, so that no single administrator can take over another one's account.
    """
    admins = RoleAssignment.objects.filter(role__in=ADMIN_ROLES).values("user_id")
    return users_visible_to_sysadmin(actor).exclude(pk__in=admins).exclude(is_superuser=True).exclude(pk=actor.pk)


def role_assignments_for_secadmin(actor) -> models.QuerySet[RoleAssignment]:
    paths = secadmin_paths(actor)
    query = tree.subtrees_q("org__path", paths)
    return RoleAssignment.objects.none() if query is None else RoleAssignment.objects.filter(query)


def organizations_for_secadmin(actor):
    """Organizations (not dissolved) over which the security administrator grants roles."""
    from dangjian.organizations.models import Organization

    query = tree.subtrees_q("path", secadmin_paths(actor))
    if query is None:
        return Organization.objects.none()
    return Organization.objects.filter(query, dissolved_on__isnull=True).order_by("path")


def _require_secadmin_over(actor, org, user) -> None:
    if actor is None:
        return
    if not any(org.path.startswith(p) for p in secadmin_paths(actor)):
        raise PermissionDenied
    if actor.pk == user.pk:
        raise ValidationError(_("You cannot grant or revoke roles for your own account."), code="own_account")


def _require_sysadmin_over(actor, user) -> None:
    if actor is None:
        return
    if not users_manageable_by(actor).filter(pk=user.pk).exists():
        raise PermissionDenied


def _lock_user(user) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


@transaction.atomic
def role_grant(*, actor, user, role: str, org) -> RoleAssignment:
    """Grant ``role`` over ``org``'s subtree. A security administrator grants; never to themselves.

    Separation of duties: an account holds at most one of the administrator roles, and an
    administrator role does not mix with a role that reads business records. The user's row
    is locked first, so two concurrent grants are checked one after the other (the database
    triggers of migration 0008 refuse a second administrator role whatever writes it).
    """
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    _require_secadmin_over(actor, org, user)
    user = _lock_user(user)
    if not user.is_active:
        raise ValidationError({"user": _("This account is deactivated.")})
    if org.dissolved_on is not None:
        raise ValidationError({"org": _("This organization is dissolved.")})
    held = set(RoleAssignment.objects.filter(user=user).exclude(role=role).values_list("role", flat=True))
    if role in ADMIN_ROLES and held & ADMIN_ROLES:
        raise ValidationError(
            _(
                "An account can hold only one of the system, security and audit administrator roles "
                "(separation of duties)."
            ),
            code="separation_of_duties",
        )
    if (role in ADMIN_ROLES and held & WRITE_ROLES) or (role in WRITE_ROLES and held & ADMIN_ROLES):
        raise ValidationError(
            _("An administrator account cannot also work on party records: use a separate account."),
            code="separation_of_duties",
        )
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, org=org)
    if created:
        audit.record(
            actor=actor,
            action="role_grant",
            obj=assignment,
            org=org,
            changes={"user": [None, user.username], "role": [None, role]},
        )
    forget_scopes(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    """Take a role away; it stops working on the user's next request."""
    assignment = RoleAssignment.objects.select_related("user", "org").get(pk=assignment.pk)
    _require_secadmin_over(actor, assignment.org, assignment.user)
    _lock_user(assignment.user)
    audit.record(
        actor=actor,
        action="role_revoke",
        obj=assignment,
        org=assignment.org,
        changes={"user": [assignment.user.username, None], "role": [assignment.role, None]},
    )
    assignment.delete()
    forget_scopes(assignment.user)


# --- Accounts (the system administrator's work) ----------------------------------------------------
TEMPORARY_PASSWORD_LENGTH = 16
_PASSWORD_CLASSES = ("ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "!#$%*?@_")


def temporary_password(length: int = TEMPORARY_PASSWORD_LENGTH) -> str:
    """A random password with every character class, no look-alike characters, never starting with a symbol."""
    rng = secrets.SystemRandom()
    chars = [rng.choice(cls) for cls in _PASSWORD_CLASSES]
    pool = "".join(_PASSWORD_CLASSES)
    chars += [rng.choice(pool) for _i in range(length - len(chars))]
    rng.shuffle(chars)
    if chars[0] not in string.ascii_letters:
        first = next(i for i, c in enumerate(chars) if c in string.ascii_letters)
        chars[0], chars[first] = chars[first], chars[0]
    return "".join(chars)


@transaction.atomic
def user_create(*, actor, username: str, full_name: str = "") -> tuple[User, str]:
    """Open an account with a temporary password that must be changed at the first login.

    Returns the user and the temporary password, which is shown once and stored nowhere.
    """
    if actor is not None and not sysadmin_paths(actor):
        raise PermissionDenied
    user = User(username=username.strip(), full_name=full_name.strip(), must_change_password=True)
    password = temporary_password()
    user.set_password(password)
    user.full_clean()
    user.save()
    audit.record(
        actor=actor,
        action="user_create",
        obj=user,
        changes={"username": [None, user.username], "full_name": [None, user.full_name]},
    )
    return user, password


@transaction.atomic
def user_update(*, actor, user: User, full_name: str) -> dict[str, list[Any]]:
    """Change the name shown for an account."""
    _require_sysadmin_over(actor, user)
    user = _lock_user(user)
    return object_update(actor=actor, instance=user, data={"full_name": full_name.strip()}, action="user_update")


@transaction.atomic
def user_deactivate(*, actor, user: User) -> User:
    """Stop an account: no login, its sessions and API tokens stop working at their next request."""
    _require_sysadmin_over(actor, user)
    user = _lock_user(user)
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(
        actor=actor, action="user_deactivate", obj=user, changes={"is_active": [True, False], "api_tokens": revoked}
    )
    return user


@transaction.atomic
def user_activate(*, actor, user: User) -> User:
    _require_sysadmin_over(actor, user)
    user = _lock_user(user)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record(actor=actor, action="user_activate", obj=user, changes={"is_active": [False, True]})
    return user


@transaction.atomic
def user_reset_password(*, actor, user: User) -> str:
    """Give the account a new temporary password that must be changed at the next login.

    Changing the password also ends the account's sessions (Django checks the password hash
    stored in each session). Returns the temporary password; it is never logged.
    """
    _require_sysadmin_over(actor, user)
    user = _lock_user(user)
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit.record(actor=actor, action="user_password_reset", obj=user, changes={"must_change_password": [None, True]})
    return password
