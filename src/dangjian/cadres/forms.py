"""Forms of the reserve cadre pages; the checks are the services' (``cadres.services``)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.cadres.models import ReservePost, ReserveSource, ReserveState
from dangjian.cadres.queries import AGE_BANDS, EDUCATION_BANDS
from dangjian.core.forms import DateInput, FilterForm, StyledForm
from dangjian.members.forms import member_picker, member_search_url
from dangjian.members.models import Education, EvaluationRating
from dangjian.organizations.models import Organization

BLANK = [("", "—")]


class ReserveCadreForm(StyledForm):
    """A cadre: a member of the village (``member``) or a non-member's own fields."""

    member = member_picker(
        _("member"),
        None,
        required=False,
        help_text=_("Leave blank for a person who is not a party member, and fill in the fields below."),
    )
    name = forms.CharField(label=_("full name"), max_length=64, required=False)
    id_number = forms.CharField(
        label=_("ID number"), max_length=18, required=False, help_text=_("Birth date and gender are read from it.")
    )
    education = forms.ChoiceField(label=_("education"), choices=BLANK + Education.choices, required=False)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    selected_on = forms.DateField(label=_("selected on"), widget=DateInput())
    source = forms.ChoiceField(label=_("selection"), choices=ReserveSource.choices)
    planned_post = forms.ChoiceField(label=_("planned post"), choices=ReservePost.choices)
    mentor = forms.CharField(label=_("mentor"), max_length=64, required=False)
    note = forms.CharField(label=_("note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    PERSON = ("name", "id_number", "education", "phone")
    CADRE = ("selected_on", "source", "planned_post", "mentor", "note")

    def __init__(self, *args, members=None, org=None, person: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if members is None:
            del self.fields["member"]
        else:
            self.fields["member"].queryset = members
            if org is not None:
                self.fields["member"].set_url(member_search_url(org))
        if not person:
            for name in self.PERSON:
                del self.fields[name]

    def service_data(self) -> dict:
        """What the service reads: a member, or the non-member's fields (an empty secret of an
        existing cadre means unchanged)."""
        data = self.data_for(self.CADRE)
        if self.cleaned_data.get("member"):
            data["member"] = self.cleaned_data["member"]
            return data
        for name in self.PERSON:
            if name in self.cleaned_data and (self.cleaned_data[name] or name not in ("id_number", "phone")):
                data[name] = self.cleaned_data[name]
        if "member" in self.fields:
            data["member"] = None
        return data


class ReserveAppointForm(StyledForm):
    appointed_on = forms.DateField(label=_("appointed on"), widget=DateInput())
    appointed_to = forms.CharField(label=_("appointed to"), max_length=100, help_text=_("For example 村委会委员."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReserveDropForm(StyledForm):
    dropped_on = forms.DateField(label=_("dropped on"), widget=DateInput())
    drop_reason = forms.CharField(label=_("reason for dropping"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReserveAssessForm(StyledForm):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    rating = forms.ChoiceField(label=_("rating"), choices=EvaluationRating.choices)
    note = forms.CharField(label=_("note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"year": timezone.localdate().year})
        super().__init__(*args, **kwargs)


class ReserveFilterForm(FilterForm):
    """The list's filters; ``age``, ``edu`` and ``appointed_year`` come from the figures' links."""

    org = forms.ModelChoiceField(
        label=_("organization"), queryset=Organization.objects.none(), required=False, widget=forms.HiddenInput
    )
    state = forms.ChoiceField(label=_("state"), choices=[("", _("All")), *ReserveState.choices], required=False)
    age = forms.ChoiceField(
        label=_("age"),
        choices=[("", _("All")), *((k, label) for k, label in AGE_BANDS), ("over", _("At or above the ceiling"))],
        required=False,
    )
    edu = forms.ChoiceField(label=_("education"), choices=[("", _("All")), *EDUCATION_BANDS], required=False)
    appointed_year = forms.IntegerField(required=False, min_value=2000, max_value=2100, widget=forms.HiddenInput)
