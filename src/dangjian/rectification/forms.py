"""Forms of the rectification pages; the services check everything, the forms only parse."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput, FilterForm, StyledForm
from dangjian.organizations.forms import org_picker
from dangjian.rectification.models import Classification, Rectification
from dangjian.rectification.queries import PROBLEM_STATUSES


class ScreeningForm(StyledForm):
    org = org_picker(_("organization"), None)
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    note = forms.CharField(label=_("note"), max_length=500, required=False)

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs


class MarkForm(StyledForm):
    classification = forms.ChoiceField(label=_("classification"), choices=Classification.choices)
    criteria = forms.MultipleChoiceField(label=_("criteria"), widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("note"), max_length=500, required=False)

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criteria"].choices = [(c.pk, f"{c.code} {c.text}") for c in criteria]
        self.fields["criteria"].widget.attrs["class"] = "list-unstyled"


class CaseForm(StyledForm):
    FIELDS = ("lead_official", "township_sponsor", "plan")

    lead_official = forms.CharField(label=_("leading official (挂帅)"), max_length=64, required=False)
    township_sponsor = forms.CharField(label=_("township sponsor (分包)"), max_length=64, required=False)
    plan = forms.CharField(
        label=_("rectification plan"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class OpenForm(CaseForm):
    opened_on = forms.DateField(label=_("opened on"), widget=DateInput)


class DayForm(StyledForm):
    """One date: accepted on, closed on."""

    day = forms.DateField(label=_("date"), widget=DateInput)


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("reason for reopening"), max_length=200)


class TeamMemberForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=64)
    role = forms.CharField(label=_("role in the team"), max_length=64, required=False)
    captain = forms.BooleanField(label=_("captain"), required=False)


class ProblemForm(StyledForm):
    FIELDS = ("description", "countermeasure", "responsible", "deadline")

    description = forms.CharField(label=_("problem"), max_length=500)
    countermeasure = forms.CharField(label=_("countermeasure"), max_length=500)
    responsible = forms.CharField(label=_("responsible"), max_length=64)
    deadline = forms.DateField(label=_("deadline"), widget=DateInput)


class DoneForm(StyledForm):
    done_on = forms.DateField(label=_("done on"), widget=DateInput, required=False, help_text=_("Empty: not done."))


class ProgressForm(StyledForm):
    written_on = forms.DateField(label=_("date"), widget=DateInput)
    text = forms.CharField(label=_("progress"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class CaseFilterForm(FilterForm):
    org = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)
    year = forms.TypedChoiceField(label=_("year"), coerce=int, required=False, empty_value=None)
    state = forms.ChoiceField(label=_("state"), choices=[("", ""), *Rectification.State.choices], required=False)
    classification = forms.ChoiceField(
        label=_("classification"), choices=[("", ""), *Classification.choices], required=False
    )


STATUS_LABELS = {
    "done": _("Done"),
    "open": _("Not done"),
    "due_soon": _("Due soon"),
    "overdue": _("Past the deadline"),
}


class ProblemFilterForm(FilterForm):
    org = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)
    year = forms.TypedChoiceField(label=_("year"), coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(
        label=_("countermeasure status"),
        choices=[("", ""), *((s, STATUS_LABELS[s]) for s in PROBLEM_STATUSES)],
        required=False,
    )
