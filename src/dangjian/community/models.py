"""Community work: serving members checked in to the community where they live (双报到, 在职党员到社区
报到), the volunteer activities a community holds, and the hours each member served (志愿服务时长).

What is stored beside a service row is copied by the services, never typed: the member's organization
path and the activity's day and organization path, so that both the community (its activities) and
the member's own branch (its members' hours, served anywhere) read their figures from one index range.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core import tree
from dangjian.core.fields import user_link
from dangjian.core.gatherings import Held
from dangjian.core.models import OrgScoped
from dangjian.core.roles import WRITE_ROLES
from dangjian.core.scoping import ScopedQuerySet, paths_for

MAX_HOURS_KEY = "community.max_hours_per_day"
# The sectors whose members are serving members (在职党员) expected to check in where they live.
SERVING_SECTORS = ("agency", "institution", "school", "state_enterprise", "private_enterprise")


class ServiceKind(models.TextChoices):
    """What a member offers the community (服务意向), and what an activity is."""

    POLICY = "policy", _("Policy outreach")
    ENVIRONMENT = "environment", _("Environment clean-up")
    PATROL = "patrol", _("Safety patrol")
    CARE = "care", _("Helping the elderly and disabled")
    CULTURE = "culture", _("Culture and sports")
    OTHER = "other", _("Other")


class TwoSidedQuerySet(ScopedQuerySet):
    """Rows that belong to two places of the tree (a community and a member's organization):
    visible to whoever may see either."""

    other_scope_field = ""

    def visible_to(self, user):
        paths = paths_for(user, WRITE_ROLES)
        query = tree.subtrees_q(self._scope_field(), paths)
        if query is None:
            return self.none()
        return self.filter(query | tree.subtrees_q(self.model.other_scope_field, paths))

    def writable_by(self, user):
        """Only the holding side (the community, the activity's organization) changes the rows."""
        return self._within(paths_for(user, WRITE_ROLES))

    def in_either(self, path: str):
        """Rows of either side in ``path``'s subtree."""
        return self.filter(
            tree.subtree_q(self._scope_field(), path) | tree.subtree_q(self.model.other_scope_field, path)
        )


class CheckInQuerySet(TwoSidedQuerySet):
    def open_on(self, day: dt.date):
        """Check-ins in force on ``day`` (``ended_on`` is the first day no longer checked in)."""
        return self.filter(checked_in_on__lte=day).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))


class MemberCheckIn(OrgScoped):
    """A serving member checked in to the community where they live (在职党员到社区报到).

    ``org`` is the community's party organization; the member's own organization sees the check-in
    too (through the member). ``ended_on`` is the first day no longer checked in; one open check-in
    per member at a time.
    """

    org = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, verbose_name=_("community"), related_name="+"
    )
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    checked_in_on = models.DateField(_("checked in on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    offers = models.CharField(_("service offered"), max_length=16, choices=ServiceKind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = user_link()

    objects = CheckInQuerySet.as_manager()
    other_scope_field = "member__org_path"

    class Meta:
        verbose_name = _("member check-in")
        verbose_name_plural = _("member check-ins")
        ordering = ["-checked_in_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(ended_on__isnull=True), name="uniq_open_checkin")
        ]
        indexes = [models.Index(fields=["member", "checked_in_on"], name="checkin_member_day_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.org_id} {self.checked_in_on}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class VolunteerActivity(OrgScoped, Held):
    """A volunteer activity held by an organization (usually a community): planned, held or cancelled."""

    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ServiceKind.choices)
    place = models.CharField(_("place"), max_length=100, blank=True)
    note = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["org_path", "held_on"], name="activity_path_day_idx")]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"


class ServiceHours(models.Model):
    """The hours one member served at one activity (志愿服务时长).

    ``org_path`` is the member's organization path and ``activity_path`` the activity's, both copied
    with ``held_on`` by the services: the member's branch sees its members' hours served in other
    communities; the community sees everyone who served at its activities.
    """

    activity = models.ForeignKey(
        VolunteerActivity, on_delete=models.CASCADE, related_name="service", verbose_name=_("activity"), db_index=False
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"), db_index=False
    )
    hours = models.DecimalField(
        _("hours"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))]
    )
    # Copied by the services.
    org_path = models.CharField(max_length=255, editable=False)
    activity_path = models.CharField(max_length=255, editable=False)
    held_on = models.DateField(editable=False)

    objects = TwoSidedQuerySet.as_manager()
    scope_field = "activity_path"
    other_scope_field = "org_path"
    copied_paths = ("org_path", "activity_path")  # rewritten when a subtree moves (organizations.services)

    class Meta:
        verbose_name = _("service hours")
        verbose_name_plural = _("service hours")
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="uniq_service_hours"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="service_hours_positive"),
        ]
        indexes = [
            models.Index(fields=["org_path", "held_on"], name="service_member_path_idx"),
            models.Index(fields=["activity_path", "held_on"], name="service_activity_path_idx"),
            models.Index(fields=["member", "held_on"], name="service_member_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.hours}h"
