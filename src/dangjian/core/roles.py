"""The roles a user can hold over an organization subtree."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ORGANIZER = "organizer", _("Organizer")
    SECRETARY = "secretary", _("Branch secretary")
    MEMBER = "member", _("Member")
    AUDITOR = "auditor", _("Auditor")


# Roles that read and write business records in their subtree.
WRITE_ROLES = frozenset({Role.ORGANIZER, Role.SECRETARY})
# Roles that may edit the organization tree itself.
TREE_ROLES = frozenset({Role.ORGANIZER})
