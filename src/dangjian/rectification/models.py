"""Rectification (软弱涣散/后进党组织 排查整顿): the yearly screening of a subtree's organizations,
the weak or lagging ones it names, and the rectification case of each (plan, problems with their
countermeasures, work team, progress) up to acceptance by the township and closing by the department.

A mark and a case belong to the rectified organization (``org``): it sees its own case. A mark also
copies the screening's path, so that the screening's organizer finds its marks by one index range.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.fields import user_link
from dangjian.core.models import OrgScoped, RuleVersion
from dangjian.core.scoping import ScopedQuerySet


class ScreeningCriterion(RuleVersion):
    """One criterion of the screening (班子不健全, 组织生活不经常…): rules as rows, with effective dates;
    a version of a code lasts until it ends or the next one of its code starts."""

    code = models.CharField(_("code"), max_length=16)
    text = models.CharField(_("criterion"), max_length=200)

    version_key = ("code",)

    class Meta:
        verbose_name = _("screening criterion")
        verbose_name_plural = _("screening criteria")
        ordering = ["code", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["code", "effective_from"], name="uniq_criterion_code_from")]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class Classification(models.TextChoices):
    WEAK = "weak", _("Weak and lax")
    LAGGING = "lagging", _("Lagging")


class Screening(OrgScoped):
    """The screening of ``org``'s subtree in ``year``."""

    year = models.PositiveIntegerField(_("year"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        ordering = ["-year", "org_path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="uniq_screening_org_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.org}"


class ScreeningMark(OrgScoped):
    """An organization (``org``) named weak or lagging by a screening, with the criteria that apply."""

    Classification = Classification

    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="marks")
    classification = models.CharField(_("classification"), max_length=8, choices=Classification.choices)
    criteria = models.ManyToManyField(ScreeningCriterion, related_name="+", verbose_name=_("criteria"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Copied by the services from the screening.
    screening_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveIntegerField(_("year"), editable=False)

    copied_paths = ("org_path", "screening_path")  # rewritten when a subtree moves (organizations.services)

    class Meta:
        verbose_name = _("screening mark")
        verbose_name_plural = _("screening marks")
        ordering = ["org_path"]
        constraints = [models.UniqueConstraint(fields=["screening", "org"], name="uniq_mark_screening_org")]
        indexes = [models.Index(fields=["screening_path", "year"], name="rect_mark_screening_idx")]

    def __str__(self) -> str:
        return f"{self.year} {self.org} {self.get_classification_display()}"


class Rectification(OrgScoped):
    """The rectification case (整顿) of a marked organization: one plan (一支部一方案), its problems."""

    class State(models.TextChoices):
        OPENED = "opened", _("Opened")
        IN_PROGRESS = "in_progress", _("In progress")
        ACCEPTED = "accepted", _("Accepted by the township")
        CLOSED = "closed", _("Closed")

    mark = models.OneToOneField(ScreeningMark, on_delete=models.PROTECT, related_name="case")
    year = models.PositiveIntegerField(_("year"), editable=False)
    classification = models.CharField(_("classification"), max_length=8, choices=Classification.choices, editable=False)
    lead_official = models.CharField(_("leading official (挂帅)"), max_length=64, blank=True)
    township_sponsor = models.CharField(_("township sponsor (分包)"), max_length=64, blank=True)
    plan = models.TextField(_("rectification plan"), max_length=4000, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPENED)
    opened_on = models.DateField(_("opened on"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["-year", "org_path"]
        indexes = [models.Index(fields=["org_path", "year"], name="rect_case_path_year_idx")]

    def __str__(self) -> str:
        return f"{self.year} {self.org}"


class WorkTeamMember(models.Model):
    """A member of the case's work team (工作队) on site; one of them is the captain."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="team")
    name = models.CharField(_("name"), max_length=64)
    role = models.CharField(_("role in the team"), max_length=64, blank=True)
    captain = models.BooleanField(_("captain"), default=False)

    class Meta:
        verbose_name = _("work team member")
        verbose_name_plural = _("work team")
        ordering = ["-captain", "id"]

    def __str__(self) -> str:
        return self.name


class Problem(models.Model):
    """A problem of the plan (一问题一对策) with its countermeasure: what, who, by when, done on."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="problems")
    description = models.CharField(_("problem"), max_length=500)
    countermeasure = models.CharField(_("countermeasure"), max_length=500)
    responsible = models.CharField(_("responsible"), max_length=64)
    deadline = models.DateField(_("deadline"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    # Copied by the services from the case.
    org_path = models.CharField(max_length=255, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_field = "org_path"
    copied_paths = ("org_path",)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["org_path", "deadline"], name="rect_problem_path_idx")]

    def __str__(self) -> str:
        return self.description[:50]


class ProgressNote(models.Model):
    """What was done on a case, and when."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="notes")
    written_on = models.DateField(_("date"))
    text = models.CharField(_("progress"), max_length=1000)
    author = user_link()

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["-written_on", "-id"]

    def __str__(self) -> str:
        return f"{self.written_on:%Y-%m-%d} {self.text[:30]}"


__all__ = [
    "Classification",
    "Problem",
    "ProgressNote",
    "Rectification",
    "Screening",
    "ScreeningCriterion",
    "ScreeningMark",
    "WorkTeamMember",
]
