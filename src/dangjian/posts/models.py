"""一编三定 for members without a formal post: party groups (编组), the post catalogue (设岗), each
member's post with its duties (定岗, 定责) and the branch's yearly evaluation (定评).

The models moved here from the members app without moving data: each keeps its table
(``Meta.db_table = "members_post"`` …, see ``migrations/0001_initial.py``) and the object type of
its audit events (``audit_type = "members.post"`` …, which ``core.audit`` writes instead of the model's label):
events are hash-chained and cannot be relabelled, so keeping the type keeps an object's history
and the audit log's filter whole across the move.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import DefaultOrOwn, OrgScoped, TimeStamped, optional_org
from dangjian.core.scoping import OrganizationQuerySet, ScopedQuerySet
from dangjian.members.models import EvaluationRating, Member
from dangjian.organizations.models import Organization


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

    audit_type = "members.groupmembership"  # the object type of its audit events (see above)

    class Meta:
        db_table = "members_groupmembership"  # kept from the members app
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

    audit_type = "members.postarea"  # the object type of its audit events (see above)

    class Meta:
        db_table = "members_postarea"  # kept from the members app
        verbose_name = _("post area")
        verbose_name_plural = _("post areas")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Post(DefaultOrOwn, TimeStamped):
    """A post (岗位) for members without a formal post, with its default duties (定责).

    ``org`` empty: a default of the whole district (loaded by the migration). Otherwise the post
    is offered in that organization's subtree only. Posts are never deleted; a post that is no
    longer offered is deactivated (``is_active``), and an organization hides a post for its
    subtree with a :class:`PostSetting` (the nearest setting up the tree wins).
    """

    org = optional_org(_("defined by"))
    area = models.ForeignKey(PostArea, on_delete=models.PROTECT, related_name="posts", verbose_name=_("area"))
    code = models.SlugField(_("code"), max_length=40, blank=True)
    name = models.CharField(_("post"), max_length=40)
    duties = models.TextField(_("duties"), max_length=1000)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("offered"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "org_path"

    audit_type = "members.post"  # the object type of its audit events (see above)

    class Meta:
        db_table = "members_post"  # kept from the members app
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["area__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "name"], condition=Q(org__isnull=False), name="uniq_post_name_per_org"
            ),
            models.UniqueConstraint(fields=["name"], condition=Q(org__isnull=True), name="uniq_default_post_name"),
        ]


class PostSetting(TimeStamped):
    """Whether ``post`` is offered in ``org``'s subtree; the setting nearest up the tree wins."""

    org = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="settings", verbose_name=_("post"))
    hidden = models.BooleanField(_("hidden"), default=True)

    audit_type = "members.postsetting"  # the object type of its audit events (see above)

    class Meta:
        db_table = "members_postsetting"  # kept from the members app
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
    Every transition is its own service in ``posts.services``; the record keeps the date of each.
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

    audit_type = "members.postassignment"  # the object type of its audit events (see above)

    class Meta:
        db_table = "members_postassignment"  # kept from the members app
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

    audit_type = "members.postevaluation"  # the object type of its audit events (see above)

    class Meta:
        db_table = "members_postevaluation"  # kept from the members app
        verbose_name = _("post evaluation")
        verbose_name_plural = _("post evaluations")
        ordering = ["-year", "id"]
        constraints = [models.UniqueConstraint(fields=["assignment", "year"], name="uniq_post_evaluation_year")]

    def __str__(self) -> str:
        return f"{self.assignment} {self.year}"
