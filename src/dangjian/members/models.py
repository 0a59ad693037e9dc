"""Party members and the dated history of their party standing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core import crypto, parameters, pinyin, tree
from dangjian.core.models import EncryptedIdentity, OrgScoped, TimeStamped
from dangjian.core.roles import WRITE_ROLES, Role
from dangjian.core.scoping import ScopedQuerySet, can_see_full_id, has_role, paths_for


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Status(models.TextChoices):
    FULL = "full", _("Full member")
    PROBATIONARY = "probationary", _("Probationary member")


class Education(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior middle school")
    SENIOR = "senior", _("Senior middle school")
    VOCATIONAL = "vocational", _("Secondary vocational")
    COLLEGE = "college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Master")
    DOCTOR = "doctor", _("Doctor")


def years_between(start: dt.date, end: dt.date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def shows_birth_date(user, person) -> bool:
    """Whether ``user`` sees the birth date of ``person`` (a member, or anyone with a ``user_id``) in full:
    the person themself and roles that may see full ID numbers; everyone else sees the year and the
    age (with a masked ID number, the birth date would leave one candidate: ``idnumber.mask``)."""
    return can_see_full_id(user) or (
        getattr(person, "user_id", None) is not None and person.user_id == getattr(user, "pk", None)
    )


class MemberQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        paths = paths_for(user, WRITE_ROLES)
        query = tree.subtrees_q(self._scope_field(), paths)
        if has_role(user, Role.MEMBER):
            own = Q(user=user)
            query = own if query is None else query | own
        return self.none() if query is None else self.filter(query)

    def current(self):
        return self.filter(left_on__isnull=True)

    def search(self, text: str):
        """Match the name in characters, full pinyin or initials (``zq`` finds 张强)."""
        text = (text or "").strip()
        if not text:
            return self
        if text.isascii():
            key = text.lower().replace(" ", "")
            return self.filter(Q(name_initials__startswith=key) | Q(name_pinyin__startswith=key))
        return self.filter(name__contains=text)

    def senior(self, on: dt.date | None = None, flag: bool = True):
        on = on or timezone.localdate()
        rule = parameters.get_many(["member.senior_min_age", "member.senior_min_standing"], on)
        query = Q(birth_date__lte=years_before(on, rule["member.senior_min_age"])) | Q(
            full_member_on__lte=years_before(on, rule["member.senior_min_standing"])
        )
        return self.filter(query) if flag else self.exclude(query)


class Member(OrgScoped, EncryptedIdentity):
    """A party member (full or probationary). The ID number and phone are stored encrypted."""

    name = models.CharField(_("full name"), max_length=64)
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    name_initials = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=16, default="汉族")
    birth_date = models.DateField(_("birth date"))
    education = models.CharField(_("education"), max_length=16, choices=Education.choices, blank=True)
    occupation = models.CharField(_("occupation"), max_length=64, blank=True)
    joined_on = models.DateField(_("joined the party on"))
    full_member_on = models.DateField(_("became a full member on"), null=True, blank=True)
    status = models.CharField(pgettext_lazy("member", "status"), max_length=16, choices=Status.choices)
    mobile = models.BooleanField(_("mobile member"), default=False)
    mobile_destination = models.CharField(_("where the mobile member is"), max_length=100, blank=True)
    in_hardship = models.BooleanField(_("in hardship"), default=False)
    holds_post = models.BooleanField(_("holds a post"), default=False)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="member"
    )

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["org_path", "name_pinyin", "id"]
        indexes = [
            models.Index(fields=["org_path", "name_pinyin", "id"], name="member_org_name_idx"),
            models.Index(fields=["org_path", "id"], name="member_org_idx"),
            # Covers the subtree counts of current members (organization pages, dashboards).
            models.Index(
                fields=["org_path", "status", "gender", "education", "birth_date"],
                condition=Q(left_on__isnull=True),
                name="member_current_stats_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # --- Derived -------------------------------------------------------------
    def age(self, on: dt.date | None = None) -> int:
        return years_between(self.birth_date, on or timezone.localdate())

    def party_standing(self, on: dt.date | None = None) -> int:
        """Years since becoming a full member (0 for a probationary member)."""
        if not self.full_member_on:
            return 0
        return max(0, years_between(self.full_member_on, on or timezone.localdate()))

    def is_senior(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        rule = parameters.get_many(["member.senior_min_age", "member.senior_min_standing"], on)
        return self.age(on) >= rule["member.senior_min_age"] or (
            self.full_member_on is not None and self.party_standing(on) >= rule["member.senior_min_standing"]
        )

    def prepare_names(self) -> None:
        """Fill the pinyin search columns from the name (``save`` does; call it before ``bulk_create``)."""
        self.name_pinyin = pinyin.full(self.name)
        self.name_initials = pinyin.initials(self.name)

    def save(self, *args, **kwargs):
        self.prepare_names()
        super().save(*args, **kwargs)


class StandingChange(models.Model):
    """A dated change of a member's party standing: joining, becoming full, transfers, leaving."""

    class Kind(models.TextChoices):
        JOINED = "joined", _("Admitted as probationary member")
        BECAME_FULL = "became_full", _("Became a full member")
        PROBATION_EXTENDED = "probation_extended", _("Probation extended")
        TRANSFERRED_IN = "transferred_in", _("Transferred in")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out")
        LEFT = "left", _("Left the party")
        DIED = "died", _("Died")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="standing_changes")
    kind = models.CharField(_("change"), max_length=24, choices=Kind.choices)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("standing change")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.member} {self.get_kind_display()} {self.on}"


class CorrectionRequest(TimeStamped):
    """A member's request to correct their own record (PIPL art. 46), answered by their branch.

    The proposed value is personal information, so it is stored encrypted like the record
    itself; it is shown to the reviewers (masked for ID numbers and phones) and applied by
    ``members.privacy.correction_accept`` through ``member_update``.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="correction_requests", verbose_name=_("member")
    )
    field = models.CharField(_("field"), max_length=32)
    proposed_value_enc = models.TextField(_("proposed value"), blank=True, editable=False)
    reason = models.CharField(_("reason"), max_length=500)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("requested by")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("reason for the decision"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "member__org_path"

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"], name="correction_state_idx")]

    def __str__(self) -> str:
        return f"{self.member} {self.field}"

    @cached_property
    def proposed_value(self) -> str:
        return crypto.decrypt(self.proposed_value_enc) if self.proposed_value_enc else ""

    def set_proposed_value(self, value: str) -> None:
        self.proposed_value_enc = crypto.encrypt(value) if value else ""
        self.__dict__["proposed_value"] = value


# The rating of a year's evaluation (定评, 年度考察): posts' evaluations and cadres' assessments use it.
# (A comment, not a docstring: the API schema shows an enum's docstring as its description.)
class EvaluationRating(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    COMPETENT = "competent", _("Competent")
    BASICALLY_COMPETENT = "basically_competent", _("Basically competent")
    INCOMPETENT = "incompetent", _("Incompetent")
