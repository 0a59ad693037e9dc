from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.community.models import ServiceKind, VolunteerActivity
from dangjian.community.services import ACTIVITY_FIELDS, ServiceIn
from dangjian.core.forms import DateInput, FilterForm, StyledForm
from dangjian.members.forms import member_picker
from dangjian.organizations.forms import org_picker
from dangjian.organizations.models import Organization


class CheckInForm(StyledForm):
    """A serving member checks in: found by ID number and name (both must match), wherever their
    organization is; the community is one the user records for."""

    org = org_picker(_("community"), Organization.objects.none(), "?sector=community")
    id_number = forms.CharField(label=_("ID number"), max_length=18, min_length=15)
    name = forms.CharField(label=_("full name"), max_length=64)
    checked_in_on = forms.DateField(label=_("checked in on"), widget=DateInput())
    offers = forms.ChoiceField(label=_("service offered"), choices=ServiceKind.choices)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if communities is not None:
            self.fields["org"].queryset = communities


class CheckInEditForm(StyledForm):
    offers = forms.ChoiceField(label=_("service offered"), choices=ServiceKind.choices)
    note = forms.CharField(label=_("note"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CheckInEndForm(StyledForm):
    ended_on = forms.DateField(
        label=_("ended on"), widget=DateInput(), help_text=_("The first day the member is no longer checked in there.")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DeleteForm(StyledForm):
    confirm = forms.BooleanField(label=_("Yes, delete this activity and its service hours"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ActivityForm(StyledForm):
    """One screen: what, when, where, and the sheet — every member who may be on it with their hours."""

    FIELDS = ACTIVITY_FIELDS

    state = forms.ChoiceField(
        label=_("state"),
        choices=[(VolunteerActivity.State.HELD, _("Held")), (VolunteerActivity.State.PLANNED, _("Planned"))],
        widget=forms.RadioSelect,
        initial=VolunteerActivity.State.HELD,
    )
    held_on = forms.DateField(label=_("date"), widget=DateInput())
    title = forms.CharField(label=_("title"), max_length=200)
    kind = forms.ChoiceField(label=_("kind"), choices=ServiceKind.choices)
    place = forms.CharField(label=_("place"), max_length=100, required=False)
    note = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, members=(), hours_initial=None, outside=frozenset(), pick_from=None, org=None, **kwargs):
        super().__init__(*args, **kwargs)
        if pick_from is not None:  # too many to list: pick who served, with the same hours each
            self.fields["participants"] = member_picker(
                _("members who served"), pick_from, org, multiple=True, required=False
            )
            self.fields["hours_each"] = forms.DecimalField(
                label=_("hours each"), required=False, min_value=Decimal("0.1"), max_digits=4, decimal_places=1
            )
            for name in ("participants", "hours_each"):
                self.fields[name].widget.attrs.setdefault("class", "form-control")
        self.fields["state"].widget.attrs["class"] = "form-check-input"
        self.members = list(members)
        self.outside = outside
        hours_initial = hours_initial or {}
        self.sheet_fields = []
        for member in self.members:
            name = f"hours_{member.pk}"
            self.fields[name] = forms.DecimalField(
                label=member.name,
                required=False,
                min_value=Decimal("0.1"),
                max_digits=4,
                decimal_places=1,
                initial=hours_initial.get(member.pk),
                widget=forms.NumberInput(attrs={"step": "0.5", "min": "0", "class": "form-control form-control-sm"}),
            )
            self.sheet_fields.append((member, self[name], member.pk in outside))

    def activity_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS if name in self.cleaned_data}

    def clean(self):
        data = super().clean()
        if data.get("participants") and not data.get("hours_each"):
            self.add_error("hours_each", _("Give the hours each member picked served."))
        return data

    def service(self) -> list[ServiceIn]:
        lines = [
            ServiceIn(member.pk, self.cleaned_data[f"hours_{member.pk}"])
            for member in self.members
            if self.cleaned_data.get(f"hours_{member.pk}")
        ]
        listed = {line.member_id for line in lines}
        lines += [
            ServiceIn(member.pk, self.cleaned_data["hours_each"])
            for member in self.cleaned_data.get("participants") or ()
            if member.pk not in listed
        ]
        return lines

    def visible_fields(self):
        return [f for f in super().visible_fields() if not f.name.startswith("hours_")]


def _org_field():
    return forms.ModelChoiceField(
        label=_("organization"), queryset=Organization.objects.none(), required=False, widget=forms.HiddenInput
    )


def _year_field():
    return forms.TypedChoiceField(label=_("year"), coerce=int, choices=[], required=False, empty_value=None)


class ActivityFilterForm(FilterForm):
    org = _org_field()
    year = _year_field()
    kind = forms.ChoiceField(label=_("kind"), choices=[("", _("All")), *ServiceKind.choices], required=False)
    state = forms.ChoiceField(
        label=_("state"), choices=[("", _("All")), *VolunteerActivity.State.choices], required=False
    )


SIDES = [("member", _("Served by its members")), ("activity", _("Served at its activities"))]


class ServiceFilterForm(FilterForm):
    org = _org_field()
    year = _year_field()
    side = forms.ChoiceField(label=_("whose service"), choices=SIDES, required=False)


class CheckInFilterForm(FilterForm):
    org = _org_field()
    side = forms.ChoiceField(
        label=_("side"),
        choices=[("", _("All")), ("member", _("Its members checked in")), ("community", _("Checked in to it"))],
        required=False,
    )
    state = forms.ChoiceField(
        label=_("state"), choices=[("", _("All")), ("open", _("Checked in")), ("ended", _("Ended"))], required=False
    )
    q = forms.CharField(label=_("name"), max_length=64, required=False)
