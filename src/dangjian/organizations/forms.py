from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput, StyledForm
from dangjian.core.widgets import PickerField
from dangjian.organizations.models import CommitteePost, Level, Organization, Sector, code_validator


def org_picker(label, queryset, query: str = "", **kwargs) -> PickerField:
    """An organization picked by search (name, pinyin initials, code); the value is its code.
    ``query`` narrows the search route (``?not=branch,party_group``, ``?sector=community``)."""
    url = format_lazy("{}{}", reverse_lazy("org-search"), query)
    return PickerField(label=label, queryset=queryset, to_field_name="code", url=url, **kwargs)


class OrganizationForm(StyledForm):
    FIELDS = ("name", "code", "level", "sector", "has_committee", "term_starts_on", "term_ends_on", "established_on")

    name = forms.CharField(label=_("name"), max_length=100)
    code = forms.CharField(
        label=_("code"),
        max_length=32,
        required=False,
        validators=[code_validator],
        help_text=_("Leave empty to number it after its parent."),
    )
    level = forms.ChoiceField(label=_("level"), choices=Level.choices)
    sector = forms.ChoiceField(label=_("sector"), choices=Sector.choices)
    has_committee = forms.BooleanField(label=_("has a committee"), required=False)
    term_starts_on = forms.DateField(label=_("term starts on"), required=False, widget=DateInput())
    term_ends_on = forms.DateField(label=_("term ends on"), required=False, widget=DateInput())
    established_on = forms.DateField(label=_("established on"), required=False, widget=DateInput())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, secretaries=None, **kwargs):
        super().__init__(*args, **kwargs)
        if secretaries is not None:
            self.fields["secretary"] = PickerField(
                label=_("secretary"), queryset=secretaries, required=False, url=reverse_lazy("member-search")
            )

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        if code:
            clash = Organization.objects.filter(code=code)
            if self.initial.get("pk"):
                clash = clash.exclude(pk=self.initial["pk"])
            if clash.exists():
                raise forms.ValidationError(_("This code is already used by another organization."))
        return code

    def clean(self):
        data = super().clean()
        if data.get("term_starts_on") and data.get("term_ends_on") and data["term_ends_on"] <= data["term_starts_on"]:
            self.add_error("term_ends_on", _("The term must end after it starts."))
        return data


class MoveForm(StyledForm):
    new_parent = org_picker(_("new parent"), Organization.objects.none(), "?not=branch,party_group")
    on = forms.DateField(label=_("date"), widget=DateInput())
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = parents if parents is not None else Organization.objects.none()


class DissolveForm(StyledForm):
    on = forms.DateField(label=_("dissolved on"), widget=DateInput())
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class CommitteeSeatForm(StyledForm):
    """A new seat on the committee: who, which post, from when."""

    member = PickerField(label=_("member"), queryset=None)
    post = forms.ChoiceField(label=_("committee post"), choices=CommitteePost.choices)
    started_on = forms.DateField(label=_("on the committee from"), widget=DateInput())
    ended_on = forms.DateField(
        label=_("left the committee on"),
        widget=DateInput(),
        required=False,
        help_text=_("Only for a seat of the past (history)."),
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, candidates, with_org: bool = False, org=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        field.queryset = candidates
        query = f"?status=full&within={org.pk}" if org is not None else "?status=full"  # seats are for full members
        field.set_url(format_lazy("{}{}", reverse_lazy("member-search"), query))
        if with_org:  # a committee above a branch draws on its subtree: say where each one is
            field.label_from_instance = lambda m: f"{m.name}（{m.org.name}）"


class CommitteeEndForm(StyledForm):
    ended_on = forms.DateField(
        label=_("left the committee on"), widget=DateInput(), help_text=_("The first day off the committee.")
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
