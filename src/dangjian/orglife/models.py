"""Organizational life: the requirements (rules as rows), meetings with their attendance,
life-meeting follow-ups, the annual appraisal of members, and reminders.

Compliance is derived from the meetings held (see ``queries``); its cells are kept as
:class:`ComplianceFigure` rows, rewritten by the services from the records, never typed. What is
stored beside a meeting is derived from it by the services and never typed: its month, the
attendance counts and quorum, and one :class:`MeetingKindEntry` per kind it counts as (a theme
day combined with a general meeting counts for both), which is what the compliance aggregate
groups by.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.fields import user_link
from dangjian.core.gatherings import AttendanceCounts, AttendanceRow, Held
from dangjian.core.models import OrgScoped, RuleVersion, TimeStamped
from dangjian.core.scoping import ScopedQuerySet
from dangjian.organizations.models import Level, Sector
from dangjian.orglife.periods import PeriodKind


class MeetingKind(models.TextChoices):
    GENERAL_MEETING = "general_meeting", _("Branch general meeting")
    COMMITTEE_MEETING = "committee_meeting", _("Branch committee meeting")
    GROUP_MEETING = "group_meeting", _("Party group meeting")
    PARTY_LECTURE = "party_lecture", _("Party lecture")
    THEME_DAY = "theme_day", _("Theme day")
    LIFE_MEETING = "life_meeting", _("Organizational life meeting")
    DEMOCRATIC_LIFE_MEETING = "democratic_life_meeting", _("Democratic life meeting")


RequirementKind = models.TextChoices(
    "RequirementKind",
    [
        *((kind.name, (kind.value, kind.label)) for kind in MeetingKind),
        ("APPRAISAL", ("appraisal", _("Democratic appraisal of members"))),
    ],
)
RequirementKind.__doc__ = """What a requirement counts: a kind of meeting, or the annual appraisal of members."""


# Who a meeting of each kind expects. "whole": every member of the organization's roster (the
# quorum counts the full members of the roster, whoever was recorded); "team": only those recorded
# (the committee, the party group, the leadership team). Kinds of one meeting share a scope.
WHOLE = frozenset(
    {MeetingKind.GENERAL_MEETING, MeetingKind.PARTY_LECTURE, MeetingKind.THEME_DAY, MeetingKind.LIFE_MEETING}
)
TEAM = frozenset({MeetingKind.COMMITTEE_MEETING, MeetingKind.GROUP_MEETING, MeetingKind.DEMOCRATIC_LIFE_MEETING})
# Meetings whose record carries issues raised and rectification items.
LIFE_KINDS = frozenset({MeetingKind.LIFE_MEETING, MeetingKind.DEMOCRATIC_LIFE_MEETING})
# The organization levels that hold each kind of meeting.
KIND_LEVELS = {
    MeetingKind.GENERAL_MEETING: {"branch", "general_branch"},
    MeetingKind.COMMITTEE_MEETING: {"branch", "general_branch", "committee", "working_committee"},
    MeetingKind.GROUP_MEETING: {"party_group", "branch"},
    MeetingKind.PARTY_LECTURE: {"branch", "general_branch", "committee", "working_committee", "party_group"},
    MeetingKind.THEME_DAY: {"branch", "general_branch", "party_group"},
    MeetingKind.LIFE_MEETING: {"branch", "general_branch"},
    MeetingKind.DEMOCRATIC_LIFE_MEETING: {"committee", "working_committee", "general_branch"},
}


def ordered_kinds(kinds) -> list[str]:
    """Kinds in their declared order, without duplicates."""
    wanted = set(kinds)
    return [k for k in MeetingKind.values if k in wanted]


class Quorum(models.TextChoices):
    NONE = "none", _("No quorum rule")
    FULL_MEMBERS = "full_members", _("More than half of the full members present")
    EXPECTED = "expected", _("More than half of those expected present (the committee)")


class MeetingRequirement(RuleVersion):
    """A rule: how often a kind of meeting must be held, by which organizations, from when.

    Changing a rule closes this row (``effective_to``) and starts a new one (``replaces``), so
    that every past period is judged by the rule that was in force: the history is the rows.
    A period is judged by the version in force on its first day.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=RequirementKind.choices)
    levels = models.JSONField(_("levels"), default=list, blank=True, help_text=_("Empty: every level."))
    sectors = models.JSONField(_("sectors"), default=list, blank=True, help_text=_("Empty: every sector."))
    committee_only = models.BooleanField(_("only organizations with a committee"), default=False)
    period = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    minimum = models.PositiveSmallIntegerField(
        _("minimum count"), default=1, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    quorum = models.CharField(_("quorum rule"), max_length=16, choices=Quorum.choices, default=Quorum.NONE)
    note = models.CharField(_("note"), max_length=200, blank=True)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("replaces")
    )
    created_by = user_link()
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting requirement")
        verbose_name_plural = _("meeting requirements")
        ordering = ["kind", "-effective_from", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_period_display()} ≥{self.minimum}"

    def clean(self):
        errors = self.version_errors()
        if not isinstance(self.levels, list) or set(self.levels) - set(Level.values):
            errors["levels"] = _("Choose levels from the list.")
        if not isinstance(self.sectors, list) or set(self.sectors) - set(Sector.values):
            errors["sectors"] = _("Choose sectors from the list.")
        if errors:
            raise ValidationError(errors)

    @property
    def levels_label(self) -> str:
        labels = dict(Level.choices)
        return "、".join(str(labels.get(code, code)) for code in self.levels)

    @property
    def sectors_label(self) -> str:
        labels = dict(Sector.choices)
        return "、".join(str(labels.get(code, code)) for code in self.sectors)

    def applies_to(self, level: str, sector: str, has_committee: bool) -> bool:
        return (
            (not self.levels or level in self.levels)
            and (not self.sectors or sector in self.sectors)
            and (has_committee or not self.committee_only)
        )


class MeetingQuerySet(ScopedQuerySet):
    def held(self):
        return self.filter(state=Meeting.State.HELD)


class Meeting(OrgScoped, Held, AttendanceCounts):
    """A meeting of an organization: planned, then held (or cancelled). One record may count as
    several kinds. The counts and quorum are derived from the attendance by the services."""

    kinds = models.JSONField(_("kinds"), default=list)
    held_on = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    topic = models.CharField(_("topic"), max_length=200)
    host = models.CharField(_("host"), max_length=64, blank=True)
    recorder = models.CharField(_("recorder"), max_length=64, blank=True)
    lecturer = models.CharField(_("lecturer"), max_length=64, blank=True)
    participants = models.CharField(
        _("others attending"), max_length=300, blank=True, help_text=_("Guests not on the roster, without a vote.")
    )
    minutes = models.TextField(_("minutes"), blank=True)
    # Derived by the services, never typed.
    month = models.PositiveIntegerField(editable=False, db_index=True)
    expected = models.PositiveIntegerField(_("expected"), default=0, editable=False)
    voting_expected = models.PositiveIntegerField(_("full members expected"), default=0, editable=False)
    voting_present = models.PositiveIntegerField(_("full members present"), default=0, editable=False)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["org_path", "held_on"], name="meeting_org_path_day_idx"),
            models.Index(fields=["org", "held_on"], name="meeting_org_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.topic}"

    @property
    def kind_labels(self) -> list[str]:
        labels = dict(MeetingKind.choices)
        return [str(labels.get(k, k)) for k in self.kinds]

    @property
    def is_team(self) -> bool:
        return bool(set(self.kinds) & TEAM)

    @property
    def is_life_meeting(self) -> bool:
        return bool(set(self.kinds) & LIFE_KINDS)

    @property
    def full_quorum(self) -> bool:
        """More than half of the full members (those with a vote) expected were present."""
        return self.voting_expected > 0 and self.voting_present * 2 > self.voting_expected

    @property
    def majority_quorum(self) -> bool:
        """More than half of those expected were present (for a committee meeting: the committee)."""
        return self.expected > 0 and self.present * 2 > self.expected

    @property
    def quorum_rule(self) -> str:
        """The rule that decides whether this meeting may take decisions."""
        kinds = set(self.kinds)
        if MeetingKind.GENERAL_MEETING in kinds:
            return Quorum.FULL_MEMBERS
        if MeetingKind.COMMITTEE_MEETING in kinds:
            return Quorum.EXPECTED
        return Quorum.NONE

    @property
    def quorate(self) -> bool | None:
        """Whether the meeting could take decisions; None when no quorum rule applies to it."""
        rule = self.quorum_rule
        if rule == Quorum.FULL_MEMBERS:
            return self.full_quorum
        if rule == Quorum.EXPECTED:
            return self.majority_quorum
        return None


class MeetingKindEntry(OrgScoped):
    """One row per kind a meeting counts as, with what the compliance aggregate needs (derived)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="kind_entries", db_index=False)
    kind = models.CharField(max_length=32, choices=MeetingKind.choices)
    month = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=Meeting.State.choices)
    full_quorum = models.BooleanField(default=False)
    majority_quorum = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("meeting kind entry")
        indexes = [models.Index(fields=["org_path", "month"], name="meeting_kind_path_month_idx")]
        constraints = [models.UniqueConstraint(fields=["meeting", "kind"], name="uniq_meeting_kind")]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.kind}"


class Attendance(AttendanceRow):
    """Whether one member of the roster attended a held meeting."""

    # The biggest table (a county holds some 700,000 rows a year): no index of its own on either
    # key; the unique (meeting, member) and the (member, day) index serve both look-ups.
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance", db_index=False)
    dual_life = models.BooleanField(_("leading cadre (dual organizational life)"), default=False)
    # Copied from the meeting and the member by the services.
    full_member = models.BooleanField(default=False, editable=False)
    held_on = models.DateField(editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_field = "meeting__org_path"

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="uniq_attendance")]
        indexes = [models.Index(fields=["member", "held_on"], name="attendance_member_day_idx")]


class MeetingAttachment(models.Model):
    """A photo or PDF kept with a meeting (never required). The file lives under
    ``VAR_DIR/attachments`` with a random name and is served only through a scoped view."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attachments")
    stored_name = models.CharField(max_length=64, unique=True, editable=False)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField(_("size"))
    digest = models.CharField(max_length=64, editable=False)
    uploaded_by = user_link()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "meeting__org_path"

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class LifeMeetingFollowUp(OrgScoped):
    """An issue raised at a life meeting or democratic life meeting and what will be done about it
    (整改事项; not a rectification case of the ``rectification`` app)."""

    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        DONE = "done", _("Done")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("meeting"))
    issue = models.CharField(_("issue raised"), max_length=500)
    measure = models.CharField(_("rectification measure"), max_length=500)
    responsible = models.CharField(_("responsible"), max_length=64, blank=True)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    note = models.CharField(_("progress note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["org_path", "status", "due_on"], name="rectification_path_idx")]

    def __str__(self) -> str:
        return self.issue[:60]

    def is_overdue(self, on: dt.date) -> bool:
        return self.status == self.Status.OPEN and self.due_on < on


class Rating(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    QUALIFIED = "qualified", _("Qualified")
    BASICALLY_QUALIFIED = "basically_qualified", _("Basically qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")


class Appraisal(OrgScoped):
    """The democratic appraisal of a branch's members for one year (民主评议党员).

    The committee sees the members' attendance (and other inputs) beside the self-assessment,
    the peer assessment and the vote; the organization decides the ratings. Nothing is rated
    automatically.
    """

    class State(models.TextChoices):
        OPEN = "open", _("In progress")
        DECIDED = "decided", _("Decided")

    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("meeting of the vote"),
        help_text=_("The general meeting at which the members voted: its attendance gives the number of voters."),
    )
    voters = models.PositiveIntegerField(
        _("members present at the vote"),
        null=True,
        blank=True,
        help_text=_("Only when no meeting is chosen: the vote's attendance."),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = user_link()
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")
        ordering = ["-year", "org_path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="uniq_appraisal_org_year")]

    def __str__(self) -> str:
        return f"{self.year}"

    @property
    def voter_count(self) -> int | None:
        if self.meeting_id:
            return self.meeting.present
        return self.voters


class AppraisalEntry(models.Model):
    """One member's appraisal: assessments, the vote's tallies and the organization's rating."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="entries")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    self_assessment = models.TextField(_("self-assessment"), blank=True)
    peer_assessment = models.TextField(_("peer assessment"), blank=True)
    votes_excellent = models.PositiveIntegerField(_("votes: excellent"), default=0)
    votes_qualified = models.PositiveIntegerField(_("votes: qualified"), default=0)
    votes_basically_qualified = models.PositiveIntegerField(_("votes: basically qualified"), default=0)
    votes_unqualified = models.PositiveIntegerField(_("votes: unqualified"), default=0)
    rating = models.CharField(_("rating"), max_length=24, choices=Rating.choices, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "appraisal__org_path"

    class Meta:
        verbose_name = _("appraisal entry")
        verbose_name_plural = _("appraisal entries")
        constraints = [models.UniqueConstraint(fields=["appraisal", "member"], name="uniq_appraisal_member")]

    def __str__(self) -> str:
        return f"{self.appraisal_id} {self.member_id}"

    @property
    def votes_total(self) -> int:
        return self.votes_excellent + self.votes_qualified + self.votes_basically_qualified + self.votes_unqualified


class AppraisalFollowUp(TimeStamped):
    """The organizational handling of a member rated unqualified (组织处置)."""

    class Measure(models.TextChoices):
        CORRECT = "correct", _("Correct within a time limit")
        PERSUADE = "persuade", _("Persuade to leave the party")
        REMOVE = "remove", _("Remove from the party")
        OTHER = "other", _("Other handling")

    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        CLOSED = "closed", _("Closed")

    entry = models.OneToOneField(AppraisalEntry, on_delete=models.CASCADE, related_name="follow_up")
    measure = models.CharField(_("handling"), max_length=12, choices=Measure.choices, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(_("outcome"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "entry__appraisal__org_path"

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"{self.entry_id} {self.measure}"


class Reminder(OrgScoped):
    """A reminder to an organization's secretary that a required meeting is due soon.

    One per organization, kind and period; shown in the in-app inbox and sent through the
    outbound channel (``ORGLIFE_REMINDER_CHANNEL``) by ``dangjian orglife remind``.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=RequirementKind.choices)
    period_key = models.CharField(_("period"), max_length=8)
    due_on = models.DateField(_("due on"))
    required = models.PositiveSmallIntegerField(_("required"))
    held = models.PositiveSmallIntegerField(_("held"))
    message = models.CharField(_("message"), max_length=300)
    recipients = models.JSONField(_("recipients"), default=list)
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-due_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["org", "kind", "period_key"], name="uniq_reminder_period")]

    def __str__(self) -> str:
        return self.message


class ComplianceFigure(OrgScoped):
    """One organization, one requirement kind, one period it owes: what judging it at any date needs,
    maintained by :mod:`dangjian.orglife.services.figures` in the transaction of every change that
    affects it (issue 15: the subtree table sums these rows by child instead of recomputing the cells).

    ``met_on`` is the day the period's requirement was met (the day of the meeting that made the count,
    or the appraisal's decision), null while it is not. Rows exist only for the years in
    :class:`ComplianceFigureYear`; the others are computed by the cell engine.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=RequirementKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    period_start = models.DateField(_("period starts on"))
    period_end = models.DateField(_("deadline"))  # the period's last day
    required = models.PositiveSmallIntegerField(_("required count"))
    met_on = models.DateField(_("met on"), null=True, blank=True)

    class Meta:
        verbose_name = _("compliance figure")
        verbose_name_plural = _("compliance figures")
        indexes = [models.Index(fields=["year", "org_path"], name="figure_year_path_idx")]
        constraints = [
            models.UniqueConstraint(fields=["org", "kind", "period_start"], name="figure_one_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.kind} {self.period_start}"


class ComplianceFigureYear(models.Model):
    """A year whose :class:`ComplianceFigure` rows are complete and maintained."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    built_at = models.DateTimeField(_("built at"), auto_now=True)

    class Meta:
        verbose_name = _("year of compliance figures")
        verbose_name_plural = _("years of compliance figures")

    def __str__(self) -> str:
        return str(self.year)
