"""Forms of the 一编三定 pages: placing members in groups, declaring and moving an assignment through
its stages, evaluations and the post catalogue."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput, StyledForm
from dangjian.members.forms import member_picker, member_search_url
from dangjian.members.models import EvaluationRating
from dangjian.posts.models import AssignmentOrigin, PostArea

DATE = {"widget": DateInput()}


class GroupAssignForm(StyledForm):
    member = forms.ModelChoiceField(label=_("member"), queryset=None)
    group = forms.ModelChoiceField(label=_("party group"), queryset=None)
    is_leader = forms.BooleanField(label=_("group leader"), required=False)
    started_on = forms.DateField(label=_("from"), required=False, **DATE)

    def __init__(self, *args, members, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["group"].queryset = groups


class DeclareForm(StyledForm):
    member = member_picker(_("member"), None, help_text=_("Members without a formal post."))
    post = forms.ModelChoiceField(label=_("post"), queryset=None)
    origin = forms.ChoiceField(label=_("origin"), choices=AssignmentOrigin.choices)
    recommended_by = forms.CharField(label=_("recommended by"), max_length=64, required=False)
    declared_on = forms.DateField(label=_("declared on"), required=False, **DATE)
    duties = forms.CharField(
        label=_("duties"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave empty to take the post's duties."),
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, members, posts, org=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        if org is not None:
            self.fields["member"].set_url(member_search_url(org))
        self.fields["post"].queryset = posts


class PubliciseForm(StyledForm):
    notice_starts_on = forms.DateField(label=_("public notice from"), **DATE)
    notice_ends_on = forms.DateField(label=_("public notice until"), **DATE)


class ObjectionsForm(StyledForm):
    objections = forms.CharField(
        label=_("objections received"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DayForm(StyledForm):
    on = forms.DateField(label=_("date"), required=False, **DATE)


class EndForm(StyledForm):
    on = forms.DateField(label=_("ended on"), required=False, **DATE)
    end_reason = forms.CharField(label=_("reason for ending"), max_length=200)


class DutiesForm(StyledForm):
    duties = forms.CharField(label=_("duties"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class EvaluationForm(StyledForm):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    rating = forms.ChoiceField(label=_("rating"), choices=EvaluationRating.choices)
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class PostForm(StyledForm):
    area = forms.ModelChoiceField(label=_("area"), queryset=PostArea.objects.all())
    name = forms.CharField(label=_("post"), max_length=40)
    duties = forms.CharField(label=_("duties"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    order = forms.IntegerField(label=_("order"), min_value=0, max_value=999, required=False, initial=0)
    is_active = forms.BooleanField(label=_("offered"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = ("area", "name", "duties", "order", "is_active")
