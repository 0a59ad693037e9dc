"""Training (培训): programmes (大讲堂, 培训班, study trips) of an organization at any level, their
sessions, and who attended each session.

Person-times (人次) are never stored: they are counted from the attendance rows (present, once per
person per session). Each attendance row carries copies written by the services: the session's
organization path (who organized it), the member's organization path (whose member attended) and
the day, so that an organization's person-times — its members at anyone's sessions, the district's
included — are one index range on the member's path.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core import tree
from dangjian.core.gatherings import AttendanceCounts, AttendanceRow, Held
from dangjian.core.models import OrgScoped
from dangjian.core.roles import WRITE_ROLES
from dangjian.core.scoping import ScopedQuerySet, paths_for


class ProgrammeKind(models.TextChoices):
    LECTURE_SERIES = "lecture_series", _("Lecture series")
    COURSE = "course", _("Training course")
    STUDY_TRIP = "study_trip", _("Study trip")


class Programme(OrgScoped):
    """A programme of training organized by an organization (any level): a lecture series
    (大讲堂), a course (培训班) or a study trip, held as one or more sessions."""

    Kind = ProgrammeKind

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ProgrammeKind.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    audience = models.CharField(_("audience"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["org_path", "starts_on"], name="programme_path_day_idx")]

    def __str__(self) -> str:
        return self.name


class SessionQuerySet(ScopedQuerySet):
    def held(self):
        return self.filter(state=Session.State.HELD)


class Session(OrgScoped, Held, AttendanceCounts):
    """One session of a programme; its organization is the programme's (copied by the services)."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("programme")
    )
    held_on = models.DateField(_("date"))
    title = models.CharField(pgettext_lazy("training", "topic"), max_length=200)
    speaker = models.CharField(_("speaker"), max_length=64, blank=True)
    hours = models.DecimalField(
        _("class hours"),
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("24"))],
    )
    venue = models.CharField(_("venue"), max_length=100, blank=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["org_path", "held_on"], name="session_path_day_idx")]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"


class AttendanceQuerySet(ScopedQuerySet):
    """Attendance is placed in the tree twice: by the session's organizer and by the member's
    organization. ``in_subtree`` goes by the member (person-times of a subtree); a user sees a row
    when either lies in one of their subtrees."""

    def _within_either(self, paths: list[str]):
        by_member = tree.subtrees_q("org_path", paths)
        if by_member is None:
            return self.none()
        by_session = tree.subtrees_q("session_path", paths)
        return self.filter(by_member | by_session if by_session is not None else by_member)

    def visible_to(self, user):
        return self._within_either(paths_for(user, WRITE_ROLES))

    def writable_by(self, user):
        """Rows the user may change: only through the session, by its organizer's subtree."""
        query = tree.subtrees_q("session_path", paths_for(user, WRITE_ROLES))
        return self.none() if query is None else self.filter(query)


class SessionAttendance(AttendanceRow):
    """Whether one member attended one session. Person-times count the ``present`` rows."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance", db_index=False)
    # Copied by the services: the member's organization path on the day, the session's
    # organizer's path, its day and hours, and whether it counts (held, not cancelled since).
    org_path = models.CharField(max_length=255, editable=False)
    session_path = models.CharField(max_length=255, editable=False)
    held_on = models.DateField(editable=False)
    hours = models.DecimalField(max_digits=3, decimal_places=1, editable=False)
    counted = models.BooleanField(default=True, editable=False)

    objects = AttendanceQuerySet.as_manager()
    scope_field = "org_path"
    copied_paths = ("org_path", "session_path")  # rewritten when a subtree moves (organizations.services)

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendance")
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="uniq_session_attendance")]
        indexes = [
            models.Index(fields=["org_path", "held_on"], name="training_att_path_day_idx"),
            models.Index(fields=["member", "held_on"], name="training_att_member_day_idx"),
        ]


__all__ = ["Programme", "ProgrammeKind", "Session", "SessionAttendance"]
