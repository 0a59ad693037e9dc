"""The party organization tree, the units organizations sit in, and the tree's history."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import OrgScoped, TimeStamped
from dangjian.core.scoping import OrganizationQuerySet


class Level(models.TextChoices):
    COMMITTEE = "committee", _("Party committee")
    WORKING_COMMITTEE = "working_committee", _("Working committee")
    GENERAL_BRANCH = "general_branch", _("General branch")
    BRANCH = "branch", _("Branch")
    PARTY_GROUP = "party_group", _("Party group")


class Sector(models.TextChoices):
    RURAL = "rural", _("Rural")
    COMMUNITY = "community", _("Urban community")
    AGENCY = "agency", _("Government agency")
    INSTITUTION = "institution", _("Public institution")
    SCHOOL = "school", _("School")
    STATE_ENTERPRISE = "state_enterprise", _("State-owned enterprise")
    PRIVATE_ENTERPRISE = "private_enterprise", _("Private enterprise")
    SOCIAL_ORG = "social_org", _("Social organization")
    BUSINESS_DISTRICT = "business_district", _("Business district")
    INDUSTRIAL_PARK = "industrial_park", _("Industrial park")


code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9\-]{1,31}$",
    _("Use 2 to 32 letters, digits or hyphens, starting with a letter or digit."),
)


class Unit(TimeStamped):
    """The village, community, agency, enterprise, school or social organization a party organization sits in."""

    class Kind(models.TextChoices):
        VILLAGE = "village", _("Village")
        COMMUNITY = "community", _("Community")
        AGENCY = "agency", _("Agency")
        INSTITUTION = "institution", _("Public institution")
        SCHOOL = "school", _("School")
        ENTERPRISE = "enterprise", _("Enterprise")
        SOCIAL_ORG = "social_org", _("Social organization")
        OTHER = "other", _("Other")

    name = models.CharField(_("unit name"), max_length=100)
    kind = models.CharField(_("unit kind"), max_length=16, choices=Kind.choices)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name


class Organization(TimeStamped):
    """A node of the party organization tree, stored with a materialized path."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False, default=1)
    units = models.ManyToManyField(Unit, blank=True, related_name="organizations", verbose_name=_("units"))
    has_committee = models.BooleanField(_("has a committee"), default=False)
    term_starts_on = models.DateField(_("term starts on"), null=True, blank=True)
    term_ends_on = models.DateField(_("term ends on"), null=True, blank=True)
    secretary = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("secretary"),
    )
    established_on = models.DateField(_("established on"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    name_pinyin = models.CharField(max_length=300, blank=True, editable=False)
    name_initials = models.CharField(max_length=100, blank=True, editable=False)

    objects = OrganizationQuerySet.as_manager()
    scope_field = "path"

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None

    @property
    def is_branch(self) -> bool:
        return self.level == Level.BRANCH

    def clean(self):
        errors = {}
        if self.term_starts_on and self.term_ends_on and self.term_ends_on <= self.term_starts_on:
            errors["term_ends_on"] = _("The term must end after it starts.")
        if self.established_on and self.dissolved_on and self.dissolved_on < self.established_on:
            errors["dissolved_on"] = _("An organization cannot be dissolved before it was established.")
        if errors:
            raise ValidationError(errors)


class OrganizationChange(models.Model):
    """History of the tree: moves, dissolutions and renames of an organization."""

    class Kind(models.TextChoices):
        CREATE = "create", _("Established")
        MOVE = "move", _("Moved")
        DISSOLVE = "dissolve", _("Dissolved")
        RENAME = "rename", _("Renamed")

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("change"), max_length=16, choices=Kind.choices)
    on = models.DateField(_("date"))
    old_parent = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    new_parent = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    old_value = models.CharField(max_length=255, blank=True)
    new_value = models.CharField(max_length=255, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organization change")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.org} {self.get_kind_display()} {self.on}"


class CommitteePost(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")
    ORGANIZATION = "organization", _("Organization committee member")
    PROPAGANDA = "propaganda", _("Propaganda committee member")
    DISCIPLINE = "discipline", _("Discipline inspection committee member")
    YOUTH = "youth", _("Youth committee member")
    UNITED_FRONT = "united_front", _("United front committee member")
    MEMBER = "member", _("Committee member")


class CommitteeMember(OrgScoped):
    """A seat on an organization's committee (支部委员会 / 党总支委员会 / 党委): who, which post, from when.

    A member sits on the committee from ``started_on`` until the day before ``ended_on`` (the
    day the seat ended; a successor may start that day). Ended seats are kept as the history.
    """

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    post = models.CharField(_("committee post"), max_length=16, choices=CommitteePost.choices)
    started_on = models.DateField(_("on the committee from"))
    ended_on = models.DateField(_("left the committee on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["org_path", "ended_on", "started_on", "id"]
        indexes = [models.Index(fields=["org", "started_on"], name="committee_org_start_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "member"], condition=models.Q(ended_on__isnull=True), name="uniq_open_committee_seat"
            ),
            models.UniqueConstraint(
                fields=["org"],
                condition=models.Q(ended_on__isnull=True, post="secretary"),
                name="uniq_open_committee_secretary",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gt=models.F("started_on")),
                name="committee_seat_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_post_display()}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None

    def sits_on(self, day: dt.date) -> bool:
        return self.started_on <= day and (self.ended_on is None or day < self.ended_on)
