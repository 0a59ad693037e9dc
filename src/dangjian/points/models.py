"""Points (党员积分): schemes of rules as data, the ledger of entries, its approval steps and the
per-member totals.

- A :class:`PointScheme` is a named set of rules that an organization's subtree uses; the scheme
  of the nearest organization up the tree applies to a member.
- A :class:`PointRule` is one row per version: changing a rule closes the old row the day before
  and starts a new one (``replaces``), so every entry keeps the version it was made under and no
  change rewrites a past entry. Rules sharing a ``code`` within a scheme are one rule's versions;
  caps count over all of them.
- A :class:`PointEntry` is one line of a member's ledger: automatic (from a meeting's attendance, a
  training session's or a volunteer activity's, one row per member and record — the unique key is
  what makes the sync idempotent), a claim, a bulk award, or the year's base points. Each approval
  step is a :class:`PointStep`.
- :class:`PointBalance` is derived: one row per member, year and month, rewritten by the services
  from the ledger, so balance pages and distributions never sum the raw ledger.

Points are ``Decimal`` with one decimal place: schemes in use give half points (0.5 for a study
session), which integers cannot hold and floats would sum wrongly; a rule says whether its
entries may be fractional.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.fields import user_link
from dangjian.core.models import DefaultOrOwn, RuleVersion
from dangjian.core.scoping import ScopedQuerySet
from dangjian.orglife.models import MeetingKind
from dangjian.training.models import ProgrammeKind

POINTS = {"max_digits": 7, "decimal_places": 1}
ZERO = Decimal("0.0")


class Category(models.TextChoices):
    BASE = "base", _("Base points")
    STUDY = "study", _("Political study")
    ORGLIFE = "orglife", _("Organizational life")
    TASKS = "tasks", _("Tasks and posts")
    SERVICE = "service", _("Volunteer service")
    REWARDS = "rewards", _("Rewards and honours")
    DISCIPLINE = "discipline", _("Discipline")


class Direction(models.TextChoices):
    AWARD = "award", _("Award")
    DEDUCTION = "deduction", _("Deduction")
    BASE = "base", _("Base")


class CapPeriod(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class Step(models.TextChoices):
    """A step of an approval chain: who may take it (see ``services.holds_step``)."""

    GROUP_LEADER = "group_leader", _("Party group leader")
    SECRETARY = "secretary", _("Branch secretary")
    TOWNSHIP = "township", _("Township committee")


# What feeds a rule. Empty: only claims and awards. "meeting:<kind>" awards the members present at
# a held meeting of that kind; "meeting_absent:<kind>" deducts from those absent without leave;
# "training:<programme kind>" awards the members present at a held training session (of any
# organization: a district lecture counts for the members of every branch); "service_hours" awards
# the rule's points for every hour of volunteer service recorded by the activity's organization;
# "base" gives every member the rule's points once a year. Those are automatic. "post_duty" is fed
# by the duties of a post (一编三定): claimed or awarded like any manual rule, but every entry names
# the post assignment the member was on duty in that day, so it reaches the post's evaluation (定评).
SOURCE_MEETING = "meeting"
SOURCE_MEETING_ABSENT = "meeting_absent"
SOURCE_TRAINING = "training"
SOURCE_SERVICE_HOURS = "service_hours"
SOURCE_BASE = "base"
SOURCE_POST_DUTY = "post_duty"
ANY_KIND = "any"


def is_automatic(source_kind: str) -> bool:
    """Whether a rule fed by ``source_kind`` is computed from the records (never claimed)."""
    return bool(source_kind) and source_kind != SOURCE_POST_DUTY


def source_kind_choices():
    kinds = [*MeetingKind.choices, (ANY_KIND, _("any meeting"))]
    programmes = [*ProgrammeKind.choices, (ANY_KIND, _("any training"))]
    choices = [
        ("", _("Claims and awards only")),
        (SOURCE_POST_DUTY, _("Duties of a post (一编三定): claims and awards naming the post on duty")),
        (SOURCE_BASE, _("Base points: every member, once a year")),
    ]
    choices += [(f"{SOURCE_MEETING}:{k}", _("Present at: %(kind)s") % {"kind": label}) for k, label in kinds]
    choices += [
        (f"{SOURCE_MEETING_ABSENT}:{k}", _("Absent without leave from: %(kind)s") % {"kind": label})
        for k, label in kinds
    ]
    choices += [
        (f"{SOURCE_TRAINING}:{k}", _("Present at a training session: %(kind)s") % {"kind": label})
        for k, label in programmes
    ]
    choices.append((SOURCE_SERVICE_HOURS, _("Volunteer service: the points for every hour served")))
    return choices


class PointScheme(DefaultOrOwn, RuleVersion):
    """A named set of rules used by an organization's subtree (the nearest one up the tree applies)."""

    name = models.CharField(_("name"), max_length=100)
    org = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
        help_text=_("Empty: the default for every organization without a scheme of its own."),
    )
    org_path = models.CharField(max_length=255, editable=False, blank=True, db_index=True)
    template = models.BooleanField(
        _("template"),
        default=False,
        help_text=_("A template never applies by itself; it is copied to an organization."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = user_link()
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points scheme")
        verbose_name_plural = _("points schemes")
        ordering = ["org_path", "-effective_from", "id"]


class PointRule(RuleVersion):
    """One version of a rule: what earns or costs points, how many, how often at most, fed by what,
    approved by whom, from when to when."""

    scheme = models.ForeignKey(PointScheme, on_delete=models.PROTECT, related_name="rules", verbose_name=_("scheme"))
    code = models.SlugField(_("code"), max_length=40, help_text=_("Stable across the rule's versions."))
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    direction = models.CharField(_("award or deduction"), max_length=12, choices=Direction.choices)
    points = models.DecimalField(
        _("points"), **POINTS, help_text=_("Per event; a deduction is entered as a positive number.")
    )
    allow_fraction = models.BooleanField(_("fractional points allowed"), default=False)
    cap = models.DecimalField(
        _("cap"), **POINTS, null=True, blank=True, help_text=_("Most points per member per period.")
    )
    cap_period = models.CharField(_("cap period"), max_length=8, choices=CapPeriod.choices, blank=True)
    source_kind = models.CharField(_("fed automatically by"), max_length=48, blank=True)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    chain = models.JSONField(_("approval chain"), default=list, blank=True)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("replaces")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = user_link()
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("point rule")
        verbose_name_plural = _("point rules")
        ordering = ["scheme_id", "category", "code", "-effective_from", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code", "effective_from"], name="uniq_point_rule_version"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def sign(self) -> int:
        return -1 if self.direction == Direction.DEDUCTION else 1

    @property
    def automatic(self) -> bool:
        return is_automatic(self.source_kind)

    @property
    def for_post(self) -> bool:
        """Fed by a post's duties: every entry must name the post assignment it was for."""
        return self.source_kind == SOURCE_POST_DUTY

    @property
    def chain_labels(self) -> list[str]:
        labels = dict(Step.choices)
        return [str(labels.get(s, s)) for s in self.chain]

    @property
    def source_label(self) -> str:
        return str(dict(source_kind_choices()).get(self.source_kind, self.source_kind))


class EntryQuerySet(ScopedQuerySet):
    def counted(self):
        return self.filter(status=PointEntry.Status.APPROVED)


class PointEntry(models.Model):
    """One line of a member's ledger. ``points`` is signed (a deduction is negative) and is what
    counts once approved, after the cap; ``requested`` is what the rule or the claim asked for.

    Kept narrow on purpose (a county writes some 600,000 automatic entries a year): the workflow
    of a claim or an award lives in its :class:`PointClaim`, the rule's code and category in the
    rule version it points to.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        REVERSED = "reversed", _("Reversed")

    class Source(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        TRAINING = "training", _("Training session")
        SERVICE = "service", _("Volunteer service")
        BASE = "base", _("Base points")
        CLAIM = "claim", _("Claim")
        AWARD = "award", _("Award by the branch")

    org = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    org_path = models.CharField(max_length=255, editable=False)
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"), db_index=False
    )
    rule = models.ForeignKey(PointRule, on_delete=models.PROTECT, related_name="entries", verbose_name=_("rule"))
    points = models.DecimalField(_("points"), **POINTS)
    requested = models.DecimalField(_("points requested"), **POINTS)
    occurred_on = models.DateField(_("date"))
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    source_type = models.CharField(_("source"), max_length=8, choices=Source.choices)
    source_id = models.BigIntegerField(_("source record"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)

    objects = EntryQuerySet.as_manager()
    scope_field = "org_path"

    class Meta:
        verbose_name = _("point entry")
        verbose_name_plural = _("point entries")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["org_path"], condition=Q(status="proposed"), name="point_entry_proposed_idx"),
        ]
        constraints = [
            # One automatic entry per member and source record (claims have no source id, and NULLs
            # never collide): recording a meeting again, or recomputing a year, finds and adjusts
            # the same row. The index also serves every look-up by member.
            models.UniqueConstraint(fields=["member", "source_type", "source_id"], name="uniq_point_entry_source"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on:%Y-%m-%d} {self.points:+}"

    @property
    def automatic(self) -> bool:
        return self.source_type in AUTOMATIC_SOURCES


# Entries computed from the records (never proposed): reconciled by the sync and the recomputation.
AUTOMATIC_SOURCES = (
    PointEntry.Source.MEETING,
    PointEntry.Source.TRAINING,
    PointEntry.Source.SERVICE,
    PointEntry.Source.BASE,
)


class PointClaim(models.Model):
    """The workflow of an entry that a person proposed (a claim or an award): what was done, the
    evidence, the post it was done for, the chain it goes through, how far it got, who decided and why."""

    entry = models.OneToOneField(PointEntry, on_delete=models.CASCADE, primary_key=True, related_name="claim")
    event = models.CharField(_("what was done"), max_length=200)
    evidence = models.CharField(_("evidence"), max_length=500, blank=True)
    chain = models.JSONField(_("approval chain"), default=list, blank=True)
    steps_done = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    batch = models.CharField(max_length=32, blank=True, db_index=True)
    # The post (一编三定) the work was done for: the member's own assignment, on duty that day. The
    # post's evaluation (定评) sums the approved entries whose claim names it.
    assignment = models.ForeignKey(
        "posts.PostAssignment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("post"),
    )
    proposed_by = user_link()
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_by = user_link()
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "entry__org_path"

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")

    def __str__(self) -> str:
        return self.event

    @property
    def next_step(self) -> str | None:
        if self.entry.status != PointEntry.Status.PROPOSED or self.steps_done >= len(self.chain):
            return None
        return self.chain[self.steps_done]

    @property
    def next_step_label(self) -> str:
        step = self.next_step
        return str(dict(Step.choices).get(step, step)) if step else ""


class PointStep(models.Model):
    """One step of an entry's way through its chain: proposed, approved at a step, rejected."""

    class Action(models.TextChoices):
        PROPOSE = "propose", _("Proposed")
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")

    claim = models.ForeignKey(PointClaim, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("step"), max_length=16, blank=True)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    actor = user_link()
    actor_name = models.CharField(_("by"), max_length=150)
    at = models.DateTimeField(_("time"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "claim__entry__org_path"

    class Meta:
        verbose_name = _("approval step")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.action} {self.step}"

    @property
    def step_label(self) -> str:
        return str(dict(Step.choices).get(self.step, self.step)) if self.step else ""


class PointBalance(models.Model):
    """A member's approved points in one year, derived from the ledger by the services (never
    typed): balance pages and distributions read this instead of summing the ledger."""

    org = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField()
    total = models.DecimalField(**POINTS, default=ZERO)
    awarded = models.DecimalField(**POINTS, default=ZERO)
    deducted = models.DecimalField(**POINTS, default=ZERO)
    by_category = models.JSONField(default=dict)  # {category: points}
    entries = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_field = "org_path"

    class Meta:
        verbose_name = _("points balance")
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="uniq_point_balance")]
        indexes = [models.Index(fields=["org_path", "year"], name="point_balance_path_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year} {self.total}"
