"""The roles a user can hold over an organization subtree."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ORGANIZER = "organizer", _("Organizer")
    SECRETARY = "secretary", _("Branch secretary")
    MEMBER = "member", _("Member")
    # The three administrators of 三员分立: no account may hold two of them.
    SYSADMIN = "sysadmin", _("System administrator")
    SECADMIN = "secadmin", _("Security administrator")
    AUDITOR = "auditor", _("Audit administrator")


# Roles that read and write business records in their subtree.
WRITE_ROLES = frozenset({Role.ORGANIZER, Role.SECRETARY})
# Roles that may edit the organization tree itself.
TREE_ROLES = frozenset({Role.ORGANIZER})
# Separation of duties (三员分立): mutually exclusive administrative roles.
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})
