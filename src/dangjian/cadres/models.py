"""Reserve cadres (后备干部): people of a village or community trained to take a leadership post of
its committee later, their yearly assessments (年度考察).

A reserve cadre is either a party member (``member``: name, gender, birth date and education are
the member's, read through the link, never retyped) or a non-member, whose personal fields are kept
here — the ID number and phone encrypted with ``core.crypto`` (SM4-GCM) and found by blind index,
displayed masked (``core.models.EncryptedIdentity``). Every change goes through ``cadres.services``
and is audited; the history of a cadre is its audit events.

The models moved here from the members app without moving data: they keep their tables
(``Meta.db_table``, see ``migrations/0001_initial.py``) and the object type of their audit events
(``audit_type``, which ``core.audit`` writes instead of the model's label): events are hash-chained and cannot be
relabelled, so a cadre's history stays whole across the move.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import EncryptedIdentity, OrgScoped, TimeStamped
from dangjian.members.models import Education, EvaluationRating, Gender, years_between


class ReserveSource(models.TextChoices):
    LOCAL = "local", _("Trained in the village")
    RETURNED = "returned", _("Capable person brought back")
    GRADUATE = "graduate", _("College graduate")
    VETERAN = "veteran", _("Veteran")
    OTHER = "other", _("Other")


class ReservePost(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    DIRECTOR = "director", _("Director")
    COMMITTEE = "committee", _("Committee member")


class ReserveState(models.TextChoices):
    POOL = "pool", _("In the pool")
    APPOINTED = "appointed", _("Appointed")
    DROPPED = "dropped", _("Dropped")


class ReserveCadre(OrgScoped, EncryptedIdentity):
    """One reserve cadre of a village or community organization (``org``)."""

    Source = ReserveSource
    Post = ReservePost
    State = ReserveState

    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("member"),
    )
    # A non-member's own fields (blank for a member: read from the member).
    name = models.CharField(_("full name"), max_length=64, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    education_own = models.CharField(_("education"), max_length=16, choices=Education.choices, blank=True)
    # Optional here: a member's ID number is on the member (the phone field comes as it is).
    id_number_enc = models.TextField(_("ID number"), blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    selected_on = models.DateField(_("selected on"))
    source = models.CharField(_("selection"), max_length=16, choices=ReserveSource.choices)
    planned_post = models.CharField(_("planned post"), max_length=16, choices=ReservePost.choices)
    mentor = models.CharField(_("mentor"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=ReserveState.choices, default=ReserveState.POOL)
    appointed_on = models.DateField(_("appointed on"), null=True, blank=True)
    appointed_to = models.CharField(_("appointed to"), max_length=100, blank=True)
    dropped_on = models.DateField(_("dropped on"), null=True, blank=True)
    drop_reason = models.CharField(_("reason for dropping"), max_length=200, blank=True)

    audit_type = "members.reservecadre"  # the object type of its audit events (see above)

    class Meta:
        db_table = "members_reservecadre"  # kept from the members app
        verbose_name = _("reserve cadre")
        verbose_name_plural = _("reserve cadres")
        ordering = ["org_path", "id"]
        indexes = [models.Index(fields=["org_path", "state"], name="reserve_path_state_idx")]
        constraints = [
            # A member is in at most one pool at a time (appointed or dropped rows are history).
            models.UniqueConstraint(fields=["member"], condition=Q(state="pool"), name="uniq_reserve_member_in_pool"),
        ]

    def __str__(self) -> str:
        return self.person_name

    # --- The person: the member's fields, or the non-member's own ------------------------------
    @property
    def person_name(self) -> str:
        return self.member.name if self.member_id else self.name

    @property
    def person_gender(self) -> str:
        return self.member.gender if self.member_id else self.gender

    def get_person_gender_display(self) -> str:
        return str(dict(Gender.choices).get(self.person_gender, ""))

    @property
    def person_birth_date(self) -> dt.date | None:
        return self.member.birth_date if self.member_id else self.birth_date

    @property
    def education(self) -> str:
        return self.member.education if self.member_id else self.education_own

    def get_education_display(self) -> str:
        return str(dict(Education.choices).get(self.education, ""))

    def age(self, on: dt.date | None = None) -> int | None:
        birth = self.person_birth_date
        return years_between(birth, on or timezone.localdate()) if birth else None

    # --- Encrypted fields: a non-member's own, a member's read from the member ---------------------
    @cached_property
    def id_number(self) -> str:
        return self.member.id_number if self.member_id else super().id_number

    @cached_property
    def phone(self) -> str:
        return self.member.phone if self.member_id else super().phone


class ReserveAssessment(TimeStamped):
    """年度考察: the yearly assessment of a reserve cadre, one per year."""

    cadre = models.ForeignKey(
        ReserveCadre, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("reserve cadre")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    rating = models.CharField(_("rating"), max_length=24, choices=EvaluationRating.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    audit_type = "members.reserveassessment"  # the object type of its audit events (see above)

    class Meta:
        db_table = "members_reserveassessment"  # kept from the members app
        verbose_name = _("reserve cadre assessment")
        verbose_name_plural = _("reserve cadre assessments")
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["cadre", "year"], name="uniq_reserve_assessment_year")]

    def __str__(self) -> str:
        return f"{self.cadre_id} {self.year}"


__all__ = ["ReserveAssessment", "ReserveCadre", "ReservePost", "ReserveSource", "ReserveState"]
