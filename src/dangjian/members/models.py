"""Party members and the dated history of their party standing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from dangjian.core import crypto, idnumber, tree
from dangjian.core.models import OrgScoped, TimeStamped
from dangjian.core.roles import WRITE_ROLES, Role
from dangjian.core.scoping import OrganizationQuerySet, ScopedQuerySet, has_role, paths_for
from dangjian.organizations.models import Organization


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
        from dangjian.core import parameters

        on = on or timezone.localdate()
        rule = parameters.get_many(["member.senior_min_age", "member.senior_min_standing"], on)
        query = Q(birth_date__lte=years_before(on, rule["member.senior_min_age"])) | Q(
            full_member_on__lte=years_before(on, rule["member.senior_min_standing"])
        )
        return self.filter(query) if flag else self.exclude(query)


class Member(OrgScoped):
    """A party member (full or probationary). The ID number is stored encrypted."""

    name = models.CharField(_("full name"), max_length=64)
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    name_initials = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=16, default="汉族")
    birth_date = models.DateField(_("birth date"))
    id_number_enc = models.TextField(_("ID number"), editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    phone_enc = models.TextField(_("phone"), blank=True, editable=False)
    education = models.CharField(_("education"), max_length=16, choices=Education.choices, blank=True)
    occupation = models.CharField(_("occupation"), max_length=64, blank=True)
    joined_on = models.DateField(_("joined the party on"))
    full_member_on = models.DateField(_("became a full member on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
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

    # --- Encrypted fields ----------------------------------------------------
    @cached_property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc) if self.id_number_enc else ""

    def set_id_number(self, number: str) -> None:
        number = idnumber.normalize(number)
        self.id_number_enc = crypto.encrypt(number)
        self.id_number_hash = crypto.blind_index(number)
        self.__dict__["id_number"] = number

    @property
    def id_number_masked(self) -> str:
        return idnumber.mask(self.id_number)

    @cached_property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc) if self.phone_enc else ""

    def set_phone(self, phone: str) -> None:
        phone = (phone or "").strip()
        self.phone_enc = crypto.encrypt(phone) if phone else ""
        self.__dict__["phone"] = phone

    @property
    def phone_masked(self) -> str:
        return idnumber.mask_phone(self.phone)

    # --- Derived -------------------------------------------------------------
    def age(self, on: dt.date | None = None) -> int:
        return years_between(self.birth_date, on or timezone.localdate())

    def party_standing(self, on: dt.date | None = None) -> int:
        """Years since becoming a full member (0 for a probationary member)."""
        if not self.full_member_on:
            return 0
        return max(0, years_between(self.full_member_on, on or timezone.localdate()))

    def is_senior(self, on: dt.date | None = None) -> bool:
        from dangjian.core import parameters

        on = on or timezone.localdate()
        rule = parameters.get_many(["member.senior_min_age", "member.senior_min_standing"], on)
        return self.age(on) >= rule["member.senior_min_age"] or (
            self.full_member_on is not None and self.party_standing(on) >= rule["member.senior_min_standing"]
        )

    def prepare_names(self) -> None:
        """Fill the pinyin search columns from the name (``save`` does; call it before ``bulk_create``)."""
        from dangjian.core import pinyin

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


# --- 一编三定: groups, posts, duties and evaluations of members without a formal post ----------------
class PartyGroupManager(models.Manager.from_queryset(OrganizationQuerySet)):
    """Only organizations of level ``party_group``."""

    def get_queryset(self):
        return super().get_queryset().filter(level="party_group")


class PartyGroup(Organization):
    """A party group (党小组, 编组): an organization of level ``party_group`` under a branch.

    A proxy of :class:`Organization`, so the tree stays the one tree; members belong to the branch
    and are placed in a group by a :class:`GroupMembership`.
    """

    objects = PartyGroupManager()

    class Meta:
        proxy = True
        verbose_name = _("party group")
        verbose_name_plural = _("party groups")


class GroupMembership(OrgScoped):
    """A member's place in a party group over a span of days (编组), with whether they lead it.

    ``org`` is the party group itself (so the branch above sees it). A member has at most one
    open membership; moving or becoming the leader ends the row and starts a new one, so the
    rows are the history.
    """

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="group_memberships", verbose_name=_("member")
    )
    is_leader = models.BooleanField(_("group leader"), default=False)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        ordering = ["org_path", "-is_leader", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(ended_on__isnull=True), name="uniq_open_group_membership"
            ),
            models.UniqueConstraint(
                fields=["org"], condition=Q(ended_on__isnull=True, is_leader=True), name="uniq_open_group_leader"
            ),
        ]
        indexes = [models.Index(fields=["org_path", "id"], name="groupmembership_org_idx")]

    def __str__(self) -> str:
        return f"{self.member} @ {self.org}"

    @property
    def group(self):
        return self.org

    @property
    def group_id(self) -> int:
        return self.org_id


class PostArea(models.Model):
    """A field of posts (经济发展, 村务监督, 公共事务, 思想教育): data, loaded with the defaults."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=32)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("post area")
        verbose_name_plural = _("post areas")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Post(TimeStamped):
    """A post (岗位) for members without a formal post, with its default duties (定责).

    ``org`` empty: a default of the whole district (loaded by the migration). Otherwise the post
    is offered in that organization's subtree only. Posts are never deleted; a post that is no
    longer offered is deactivated (``is_active``), and an organization hides a post for its
    subtree with a :class:`PostSetting` (the nearest setting up the tree wins).
    """

    org = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("defined by"),
    )
    org_path = models.CharField(max_length=255, blank=True, editable=False, db_index=True)
    area = models.ForeignKey(PostArea, on_delete=models.PROTECT, related_name="posts", verbose_name=_("area"))
    code = models.SlugField(_("code"), max_length=40, blank=True)
    name = models.CharField(_("post"), max_length=40)
    duties = models.TextField(_("duties"), max_length=1000)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("offered"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "org_path"

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["area__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "name"], condition=Q(org__isnull=False), name="uniq_post_name_per_org"
            ),
            models.UniqueConstraint(fields=["name"], condition=Q(org__isnull=True), name="uniq_default_post_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.org_path = self.org.path if self.org_id else ""
        super().save(*args, **kwargs)


class PostSetting(TimeStamped):
    """Whether ``post`` is offered in ``org``'s subtree; the setting nearest up the tree wins."""

    org = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="settings", verbose_name=_("post"))
    hidden = models.BooleanField(_("hidden"), default=True)

    class Meta:
        verbose_name = _("post setting")
        constraints = [models.UniqueConstraint(fields=["org", "post"], name="uniq_post_setting")]

    def __str__(self) -> str:
        return f"{self.post} @ {self.org}"


class AssignmentOrigin(models.TextChoices):
    SELF_DECLARED = "self_declared", _("Self-declared")
    RECOMMENDED = "recommended", _("Recommended")


class AssignmentState(models.TextChoices):
    DECLARED = "declared", _("Declared")
    APPROVED = "approved", _("Approved by the branch")
    PUBLICISED = "publicised", _("Under public notice")
    ON_DUTY = "on_duty", _("On duty (badge)")
    ENDED = "ended", _("Ended")


OPEN_STATES = (
    AssignmentState.DECLARED,
    AssignmentState.APPROVED,
    AssignmentState.PUBLICISED,
    AssignmentState.ON_DUTY,
)


class PostAssignment(OrgScoped):
    """一编三定 for one member: a post with its duties in the member's branch (``org``), in a group.

    declared → approved → publicised (public notice, objections recorded) → on duty (挂牌) → ended.
    Every transition is its own service in ``members.posts``; the record keeps the date of each.
    A member has at most one open assignment; ended ones are the history.
    """

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="post_assignments", verbose_name=_("member")
    )
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("post"))
    group = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("party group"),
    )
    duties = models.TextField(_("duties"), max_length=1000)
    origin = models.CharField(_("origin"), max_length=16, choices=AssignmentOrigin.choices)
    recommended_by = models.CharField(_("recommended by"), max_length=64, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=AssignmentState.choices, default=AssignmentState.DECLARED
    )
    declared_on = models.DateField(_("declared on"))
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    notice_starts_on = models.DateField(_("public notice from"), null=True, blank=True)
    notice_ends_on = models.DateField(_("public notice until"), null=True, blank=True)
    objections = models.TextField(_("objections received"), max_length=1000, blank=True)
    on_duty_from = models.DateField(_("on duty from"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("post assignment")
        verbose_name_plural = _("post assignments")
        ordering = ["org_path", "state", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(state__in=OPEN_STATES), name="uniq_open_post_assignment"
            ),
        ]
        indexes = [models.Index(fields=["org_path", "state", "id"], name="postassignment_org_state_idx")]

    def __str__(self) -> str:
        return f"{self.member} {self.post}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class EvaluationRating(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    COMPETENT = "competent", _("Competent")
    BASICALLY_COMPETENT = "basically_competent", _("Basically competent")
    INCOMPETENT = "incompetent", _("Incompetent")


class PostEvaluation(TimeStamped):
    """定评: the branch's rating of one assignment for one year, with the points shown as input."""

    assignment = models.ForeignKey(
        PostAssignment, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("post assignment")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    rating = models.CharField(_("rating"), max_length=24, choices=EvaluationRating.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    points = models.DecimalField(  # points may be fractional (half points for study in some schemes)
        _("points of the post's duties"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("As shown when the rating was decided; empty when the points ledger gave none."),
    )
    evaluated_on = models.DateField(_("evaluated on"))

    objects = ScopedQuerySet.as_manager()
    scope_field = "assignment__org_path"  # visible where its assignment is

    class Meta:
        verbose_name = _("post evaluation")
        verbose_name_plural = _("post evaluations")
        ordering = ["-year", "id"]
        constraints = [models.UniqueConstraint(fields=["assignment", "year"], name="uniq_post_evaluation_year")]

    def __str__(self) -> str:
        return f"{self.assignment} {self.year}"


# Reserve cadres live in their own module (members/reserve_models.py); imported here so that Django finds them.
from dangjian.members.reserve_models import ReserveAssessment, ReserveCadre  # noqa: E402, F401
