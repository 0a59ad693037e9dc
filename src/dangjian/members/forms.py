from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.forms import DateInput, FilterForm, StyledForm
from dangjian.core.widgets import MultiPickerField, PickerField
from dangjian.members.models import Education, Gender, Status
from dangjian.members.queries import AGE_BANDS
from dangjian.members.services import EDITABLE_FIELDS
from dangjian.organizations.forms import org_picker
from dangjian.organizations.models import Organization, Sector

DATE = {"widget": DateInput()}


class MemberForm(StyledForm):
    name = forms.CharField(label=_("full name"), max_length=64)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        min_length=18,
        help_text=_("18 characters; birth date and gender are checked against it."),
    )
    gender = forms.ChoiceField(label=_("gender"), choices=[("", "—"), *Gender.choices], required=False)
    birth_date = forms.DateField(label=_("birth date"), required=False, **DATE)
    ethnicity = forms.CharField(label=_("ethnicity"), max_length=16, initial="汉族")
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    education = forms.ChoiceField(label=_("education"), choices=[("", "—"), *Education.choices], required=False)
    occupation = forms.CharField(label=_("occupation"), max_length=64, required=False)
    status = forms.ChoiceField(label=pgettext_lazy("member", "status"), choices=Status.choices)
    joined_on = forms.DateField(label=_("joined the party on"), **DATE)
    full_member_on = forms.DateField(label=_("became a full member on"), required=False, **DATE)
    mobile = forms.BooleanField(label=_("mobile member"), required=False)
    mobile_destination = forms.CharField(label=_("where the mobile member is"), max_length=100, required=False)
    in_hardship = forms.BooleanField(label=_("in hardship"), required=False)
    holds_post = forms.BooleanField(label=_("holds a post"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = EDITABLE_FIELDS  # the fields the service accepts: one list for the form, the API and the import

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if orgs is not None:
            self.fields = {
                "org": org_picker(_("organization"), orgs, "?not=party_group"),
                **self.fields,
            }

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("This field is required."))
        return name


def member_search_url(within=None):
    """The members' search route, narrowed to ``within``'s subtree (an organization) when given."""
    return format_lazy("{}{}", reverse_lazy("member-search"), f"?within={within.pk}" if within is not None else "")


def member_picker(label, queryset, within=None, *, multiple: bool = False, **kwargs):
    """A member (or several) picked by search (name, pinyin initials, number), within ``within``'s subtree."""
    field = MultiPickerField if multiple else PickerField
    return field(label=label, queryset=queryset, url=member_search_url(within), **kwargs)


class MemberFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=64)
    org = forms.ModelChoiceField(
        label=_("organization"), queryset=Organization.objects.none(), required=False, widget=forms.HiddenInput
    )
    direct = forms.BooleanField(required=False, widget=forms.HiddenInput)
    on = forms.DateField(required=False, widget=forms.HiddenInput)  # the register of a past day (a table's cell)
    status = forms.ChoiceField(
        label=pgettext_lazy("member", "status"), choices=[("", _("All")), *Status.choices], required=False
    )
    gender = forms.ChoiceField(label=_("gender"), choices=[("", _("All")), *Gender.choices], required=False)
    education = forms.ChoiceField(label=_("education"), choices=[("", _("All")), *Education.choices], required=False)
    age = forms.ChoiceField(label=_("age"), choices=[("", _("All"))] + [(b, b) for b, _u in AGE_BANDS], required=False)
    sector = forms.ChoiceField(label=_("sector"), choices=[("", _("All")), *Sector.choices], required=False)
    # 汉族 / 少数民族 as the intra-party statistics count them, or one ethnicity (a dashboard chart's slice).
    ethnicity = forms.CharField(
        label=_("ethnicity"),
        max_length=16,
        required=False,
        widget=forms.Select(choices=[("", _("All")), ("han", _("Han")), ("minority", _("ethnic minority"))]),
    )
    flag = forms.ChoiceField(
        label=_("Other"),
        required=False,
        choices=[
            ("", _("All")),
            ("mobile", _("mobile member")),
            ("in_hardship", _("in hardship")),
            ("senior", _("senior")),
            ("no_post", _("without a post")),
            ("holds_post", _("holds a post")),
        ],
    )
    sort = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[
            (s, s) for s in ("name", "-name", "birth_date", "-birth_date", "joined_on", "-joined_on", "org", "-org")
        ],
    )
