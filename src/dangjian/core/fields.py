"""Model fields that many registers declare alike."""

from __future__ import annotations

from django.conf import settings
from django.db import models


def user_link() -> models.ForeignKey:
    """Who did something (created, recorded, decided, wrote it): a user, kept as null once the user is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


def linked_user(actor):
    """The value of a :func:`user_link` for ``actor``: the user, or None for a script or an anonymous actor."""
    return actor if getattr(actor, "is_authenticated", False) else None
