from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput, StyledForm
from dangjian.training.models import ProgrammeKind, Session, SessionAttendance
from dangjian.training.services import AttendanceIn

NOT_ON_SHEET = "none"


class ProgrammeForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=ProgrammeKind.choices)
    starts_on = forms.DateField(label=_("starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("ends on"), required=False, widget=DateInput())
    audience = forms.CharField(label=_("audience"), max_length=200, required=False)
    note = forms.CharField(label=_("note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = ("name", "kind", "starts_on", "ends_on", "audience", "note")

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if orgs is not None:
            self.fields = {
                "org": forms.ModelChoiceField(
                    label=_("organizing organization"),
                    queryset=orgs,
                    widget=forms.Select(attrs={"class": "form-select"}),
                ),
                **self.fields,
            }


class SessionForm(StyledForm):
    """A session and its sheet: one status per member listed (``—``: not on the sheet)."""

    state = forms.ChoiceField(
        label=_("state"), choices=[(Session.State.HELD, _("Held")), (Session.State.PLANNED, _("Planned"))]
    )
    held_on = forms.DateField(label=_("date"), widget=DateInput())
    title = forms.CharField(label=_("topic"), max_length=200)
    speaker = forms.CharField(label=_("speaker"), max_length=64, required=False)
    hours = forms.DecimalField(label=_("class hours"), max_digits=3, decimal_places=1, min_value=0.1, max_value=24)
    venue = forms.CharField(label=_("venue"), max_length=100, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = ("state", "held_on", "title", "speaker", "hours", "venue")

    def __init__(self, *args, members=(), sheet_initial=None, **kwargs):
        super().__init__(*args, **kwargs)
        sheet_initial = sheet_initial or {}
        choices = [*SessionAttendance.Status.choices, (NOT_ON_SHEET, "—")]
        self.sheet_rows = []
        for member in members:
            status, reason = sheet_initial.get(member.pk, (NOT_ON_SHEET, ""))
            self.fields[f"att_{member.pk}"] = forms.ChoiceField(
                choices=choices, initial=status, required=False, widget=forms.RadioSelect(attrs={"class": "btn-check"})
            )
            self.fields[f"reason_{member.pk}"] = forms.CharField(
                max_length=100,
                required=False,
                initial=reason,
                widget=forms.TextInput(
                    attrs={
                        "class": "form-control form-control-sm",
                        "placeholder": _("reason for leave"),
                        "aria-label": _("reason for leave"),
                    }
                ),
            )
            self.sheet_rows.append((member, self[f"att_{member.pk}"], self[f"reason_{member.pk}"]))

    def session_data(self) -> dict:
        return self.data_for(self.FIELDS)

    def attendance(self) -> list[AttendanceIn]:
        rows = []
        for member, _att, _reason in self.sheet_rows:
            status = self.cleaned_data.get(f"att_{member.pk}") or NOT_ON_SHEET
            if status != NOT_ON_SHEET:
                rows.append(AttendanceIn(member.pk, status, self.cleaned_data.get(f"reason_{member.pk}") or ""))
        return rows


class CancelForm(StyledForm):
    reason = forms.CharField(label=_("reason for cancelling"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
