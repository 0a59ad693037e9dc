"""What meetings, training sessions and volunteer activities share: each is planned, held or
cancelled (it stays on record, with the reason), and keeps who recorded it; meetings and sessions
count the attendance of their sheet, whose rows say whether a member was present, on leave or absent.

Abstract models only: the fields are those each table has always had, so no migration follows.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.fields import user_link


class Held(models.Model):
    """Planned, then held, or cancelled with a reason; recorded by a user (null once the user is deleted)."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.HELD)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    recorded_by = user_link()

    class Meta:
        abstract = True


class AttendanceCounts(models.Model):
    """The sheet's rows by status, derived by the services from the sheet, never typed."""

    present = models.PositiveIntegerField(_("present"), default=0, editable=False)
    on_leave = models.PositiveIntegerField(_("on leave"), default=0, editable=False)
    absent = models.PositiveIntegerField(_("absent"), default=0, editable=False)

    class Meta:
        abstract = True


class AttendanceRow(models.Model):
    """One member's row of an attendance sheet: present, on leave (with the reason) or absent."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ON_LEAVE = "on_leave", _("On leave")
        ABSENT = "absent", _("Absent")

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"), db_index=False
    )
    status = models.CharField(_("attendance"), max_length=12, choices=Status.choices)
    reason = models.CharField(_("reason for leave"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.member_id} {self.status}"
