from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput, FilterForm, StyledForm, year_choices
from dangjian.organizations.forms import org_picker
from dangjian.organizations.models import Level, Organization, Sector
from dangjian.orglife.models import (
    KIND_LEVELS,
    AppraisalFollowUp,
    Attendance,
    LifeMeetingFollowUp,
    Meeting,
    MeetingKind,
    Quorum,
    Rating,
    RequirementKind,
)
from dangjian.orglife.periods import QUARTER_NAMES, PeriodKind
from dangjian.orglife.services import MEETING_FIELDS, AttendanceIn

NOT_EXPECTED = "none"
# Quick choices for the reason of a leave (the field stays free text).
LEAVE_REASONS = (
    _("Working away"),
    _("Ill or in hospital"),
    _("Away for study or training"),
    _("Away on business"),
    _("Caring for family"),
    _("Elderly, cannot come"),
)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


def kind_choices(level: str | None) -> list[tuple[str, str]]:
    return [(k, label) for k, label in MeetingKind.choices if level is None or level in KIND_LEVELS[k]]


class MeetingForm(StyledForm):
    """One screen: what, when, where, who ran it, who came. The attendance sheet is built from the
    roster (``members``) with one status per member."""

    state = forms.ChoiceField(
        label=_("state"),
        choices=[(Meeting.State.HELD, _("Held")), (Meeting.State.PLANNED, _("Planned"))],
        widget=forms.RadioSelect,
        initial=Meeting.State.HELD,
    )
    kinds = forms.MultipleChoiceField(
        label=_("kinds"),
        choices=MeetingKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose several when one meeting counts for several (a theme day held as a general meeting)."),
    )
    held_on = forms.DateField(label=_("date"), widget=DateInput())
    starts_at = forms.TimeField(label=_("starts at"), required=False, widget=TimeInput())
    ends_at = forms.TimeField(label=_("ends at"), required=False, widget=TimeInput())
    place = forms.CharField(label=_("place"), max_length=100, required=False)
    topic = forms.CharField(label=_("topic"), max_length=200)
    host = forms.CharField(label=_("host"), max_length=64, required=False)
    recorder = forms.CharField(label=_("recorder"), max_length=64, required=False)
    lecturer = forms.CharField(
        label=_("lecturer"), max_length=64, required=False, help_text=_("Required for a party lecture.")
    )
    participants = forms.CharField(
        label=_("others attending"),
        max_length=300,
        required=False,
        help_text=_("Guests not on the roster, without a vote."),
    )
    minutes = forms.CharField(label=_("minutes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = MEETING_FIELDS

    def __init__(self, *args, orgs=None, level: str | None = None, members=None, sheet_initial=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = kind_choices(level)
        for name in ("kinds", "state"):
            self.fields[name].widget.attrs["class"] = "btn-check"
        if orgs is not None:
            self.fields = {
                "org": org_picker(_("organization"), orgs),
                **self.fields,
            }
        self.members = list(members or [])
        sheet_initial = sheet_initial or {}
        status_choices = [*Attendance.Status.choices, (NOT_EXPECTED, "—")]
        self.sheet_rows = []
        for member in self.members:
            status, reason, dual = sheet_initial.get(member.pk, (Attendance.Status.PRESENT, "", False))
            self.fields[f"att_{member.pk}"] = forms.ChoiceField(
                choices=status_choices,
                initial=status,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
            )
            self.fields[f"reason_{member.pk}"] = forms.CharField(
                max_length=100,
                required=False,
                initial=reason,
                widget=forms.TextInput(
                    attrs={
                        "class": "form-control form-control-sm reason",
                        "list": "leave-reasons",
                        "placeholder": _("reason for leave"),
                        "aria-label": _("reason for leave"),
                    }
                ),
            )
            self.fields[f"dual_{member.pk}"] = forms.BooleanField(
                required=False, initial=dual, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
            )
            self.sheet_rows.append(
                (member, self[f"att_{member.pk}"], self[f"reason_{member.pk}"], self[f"dual_{member.pk}"])
            )

    def visible_main_fields(self):
        skip = {"kinds", "state"}
        return [f for f in self.visible_fields() if f.name in self.main_names and f.name not in skip]

    @property
    def main_names(self) -> set[str]:
        return {"org", *self.FIELDS}

    def clean(self):
        data = super().clean()
        sheet = []
        for member in self.members:
            status = data.get(f"att_{member.pk}") or Attendance.Status.PRESENT
            if status == NOT_EXPECTED:
                continue
            sheet.append(
                AttendanceIn(
                    member_id=member.pk,
                    status=status,
                    reason=data.get(f"reason_{member.pk}", "") or "",
                    dual_life=bool(data.get(f"dual_{member.pk}")),
                )
            )
        data["attendance"] = sheet
        return data

    def meeting_data(self) -> dict:
        data = self.data_for(self.FIELDS)
        data["kinds"] = list(data.get("kinds") or [])
        return data


class AttachmentForm(forms.Form):
    """Only to render and bound the file input; the content is checked by ``attachments.check_upload``."""

    files = forms.FileField(label=_("photos or PDF"), required=False)


class LifeFollowUpForm(StyledForm):
    issue = forms.CharField(label=_("issue raised"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    measure = forms.CharField(
        label=_("rectification measure"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    responsible = forms.CharField(label=_("responsible"), max_length=64, required=False)
    due_on = forms.DateField(label=_("due on"), widget=DateInput())
    status = forms.ChoiceField(label=_("status"), choices=LifeMeetingFollowUp.Status.choices)
    completed_on = forms.DateField(label=_("completed on"), required=False, widget=DateInput())
    note = forms.CharField(label=_("progress note"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = ("issue", "measure", "responsible", "due_on", "status", "completed_on", "note")


def _any_of(label, choices, help_text) -> forms.MultipleChoiceField:
    """Check boxes where none checked means every one."""
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple, help_text=help_text
    )


class RequirementForm(StyledForm):
    kind = forms.ChoiceField(label=_("kind"), choices=RequirementKind.choices)
    levels = _any_of(_("levels"), Level.choices, _("None chosen: every level."))
    sectors = _any_of(_("sectors"), Sector.choices, _("None chosen: every sector."))
    committee_only = forms.BooleanField(label=_("only organizations with a committee"), required=False)
    period = forms.ChoiceField(label=_("period"), choices=PeriodKind.choices)
    minimum = forms.IntegerField(label=_("minimum count"), min_value=1, max_value=31, initial=1)
    quorum = forms.ChoiceField(label=_("quorum rule"), choices=Quorum.choices)
    effective_from = forms.DateField(label=_("effective from"), widget=DateInput())
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    FIELDS = ("kind", "levels", "sectors", "committee_only", "period", "minimum", "quorum", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("levels", "sectors"):
            self.fields[name].widget.attrs["class"] = "form-check-input"


class AppraisalOpenForm(StyledForm):
    org = org_picker(_("organization"), Organization.objects.none())
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if orgs is not None:
            self.fields["org"].queryset = orgs
        self.fields["year"].initial = timezone.localdate().year


class AppraisalForm(StyledForm):
    """The committee's sheet: the vote's attendance, and per member the assessments, tallies and rating."""

    meeting = forms.ModelChoiceField(label=_("meeting of the vote"), queryset=Meeting.objects.none(), required=False)
    voters = forms.IntegerField(
        label=_("members present at the vote"),
        min_value=0,
        max_value=100000,
        required=False,
        help_text=_("Only when no meeting is chosen."),
    )
    note = forms.CharField(label=_("note"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    VOTES = ("votes_excellent", "votes_qualified", "votes_basically_qualified", "votes_unqualified")

    def __init__(self, *args, meetings=None, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        if meetings is not None:
            self.fields["meeting"].queryset = meetings
        self.entries = list(entries)
        self.entry_rows = []
        rating_choices = [("", "—"), *Rating.choices]
        for entry in self.entries:
            pk = entry.member_id
            self.fields[f"self_{pk}"] = forms.CharField(
                required=False,
                max_length=2000,
                initial=entry.self_assessment,
                widget=forms.Textarea(attrs={"rows": 1, "class": "form-control form-control-sm"}),
            )
            self.fields[f"peer_{pk}"] = forms.CharField(
                required=False,
                max_length=2000,
                initial=entry.peer_assessment,
                widget=forms.Textarea(attrs={"rows": 1, "class": "form-control form-control-sm"}),
            )
            votes = []
            for name in self.VOTES:
                key = f"{name}_{pk}"
                self.fields[key] = forms.IntegerField(
                    required=False,
                    min_value=0,
                    max_value=100000,
                    initial=getattr(entry, name),
                    widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "inputmode": "numeric"}),
                )
                votes.append(self[key])
            self.fields[f"rating_{pk}"] = forms.ChoiceField(
                required=False,
                choices=rating_choices,
                initial=entry.rating,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.entry_rows.append((entry, self[f"self_{pk}"], self[f"peer_{pk}"], votes, self[f"rating_{pk}"]))

    def entry_data(self) -> dict[int, dict]:
        data = {}
        for entry in self.entries:
            pk = entry.member_id
            values = {
                "self_assessment": self.cleaned_data.get(f"self_{pk}", ""),
                "peer_assessment": self.cleaned_data.get(f"peer_{pk}", ""),
                "rating": self.cleaned_data.get(f"rating_{pk}", ""),
            }
            for name in self.VOTES:
                values[name] = self.cleaned_data.get(f"{name}_{pk}") or 0
            data[pk] = values
        return data


class FollowUpForm(StyledForm):
    measure = forms.ChoiceField(
        label=_("handling"), choices=[("", "—"), *AppraisalFollowUp.Measure.choices], required=False
    )
    due_on = forms.DateField(label=_("due on"), required=False, widget=DateInput())
    status = forms.ChoiceField(label=_("status"), choices=AppraisalFollowUp.Status.choices)
    outcome = forms.CharField(label=_("outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    closed_on = forms.DateField(label=_("closed on"), required=False, widget=DateInput())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = ("measure", "due_on", "status", "outcome", "closed_on")


class MeetingFilterForm(FilterForm):
    org = forms.ModelChoiceField(
        label=_("organization"), queryset=Organization.objects.none(), required=False, widget=forms.HiddenInput
    )
    kind = forms.ChoiceField(label=_("kind"), choices=[("", _("All")), *MeetingKind.choices], required=False)
    state = forms.ChoiceField(label=_("state"), choices=[("", _("All")), *Meeting.State.choices], required=False)
    year = forms.TypedChoiceField(label=_("year"), coerce=int, choices=[], required=False, empty_value=None)
    month = forms.TypedChoiceField(
        label=_("month"),
        coerce=int,
        choices=[("", _("All")), *[(m, m) for m in range(1, 13)]],
        required=False,
        empty_value=None,
    )


class ComplianceFilterForm(FilterForm):
    org = forms.ModelChoiceField(
        label=_("organization"), queryset=Organization.objects.none(), required=False, widget=forms.HiddenInput
    )
    year = forms.TypedChoiceField(label=_("year"), coerce=int, choices=[], required=False, empty_value=None)
    quarter = forms.TypedChoiceField(
        label=_("quarter"),
        coerce=int,
        choices=[("", _("Whole year")), *((q, label) for q, label in QUARTER_NAMES.items())],
        required=False,
        empty_value=None,
    )
    kind = forms.ChoiceField(label=_("kind"), choices=[("", _("All")), *RequirementKind.choices], required=False)
    sector = forms.ChoiceField(label=_("sector"), choices=[("", _("All")), *Sector.choices], required=False)
    status = forms.ChoiceField(
        label=_("status"),
        choices=[("", _("All")), ("overdue", _("Overdue")), ("due_soon", _("Due soon")), ("done", _("Done"))],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        # This year first: a bound form without a year shows (and the view uses) this year.
        self.base_fields["year"].choices = year_choices()[1:]
        super().__init__(*args, **kwargs)
