"""Password history: the hashes of a user's recent passwords."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PasswordHistory(models.Model):
    """A password a user has had, stored only as its hash.

    The newest row of a user is their current password and its time is when it was set, which
    the maximum password age counts from. The rows are written by
    :class:`~dangjian.accounts.validators.PasswordHistoryValidator` whenever a password is saved.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(_("password"), max_length=128)
    created_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("previous password")
        verbose_name_plural = _("previous passwords")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="password_history_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class Activation(models.Model):
    """A one-time activation code that lets a person set their own password (a new account, a reset).

    No administrator sees a password that works: the system administrator asks for the
    activation, the code goes to the person through their registered channel
    (:mod:`dangjian.accounts.delivery`) or, without one, only once the security administrator
    approves it. Only the SM3 hash of the code is stored; a few wrong codes cancel it.
    """

    class Status(models.TextChoices):
        SENT = "sent", _("sent to the person")
        AWAITING = "awaiting", _("awaiting the security administrator's approval")
        RELEASED = "released", _("released by the security administrator")
        USED = "used", _("used")
        CANCELLED = "cancelled", _("cancelled")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activations")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    channel = models.CharField(_("channel"), max_length=32, blank=True)
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    wrong_codes = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("activation")
        verbose_name_plural = _("activations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status}"
