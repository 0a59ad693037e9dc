"""Forms of the points pages. They parse; the services check the rules (and name the field)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import DateInput, StyledForm
from dangjian.organizations.forms import org_picker
from dangjian.points.models import CapPeriod, Category, Direction, Step, source_kind_choices
from dangjian.points.services import RULE_FIELDS


class ClaimForm(StyledForm):
    rule = forms.TypedChoiceField(label=_("rule"), coerce=int)
    occurred_on = forms.DateField(label=_("date"), widget=DateInput())
    event = forms.CharField(label=_("what was done"), max_length=200)
    points = forms.CharField(label=_("points"), required=False, max_length=12, help_text=_("Empty: the rule's points."))
    evidence = forms.CharField(
        label=_("evidence"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who can confirm it. No screenshots or photos are needed."),
    )
    assignment = forms.TypedChoiceField(
        label=_("post"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_(
            "The post (一编三定) this was done for: the points count in its evaluation. Empty: for tasks and "
            "posts, the post on duty that day."
        ),
    )

    def __init__(self, *args, rules=(), posts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rules = {r.pk: r for r in rules}
        self.fields["rule"].choices = [(r.pk, f"{r.name}（{r.get_direction_display()} {r.points}）") for r in rules]
        self.fields["occurred_on"].initial = timezone.localdate()
        # The member's posts that reached duty (挂牌), newest first; the service checks the day.
        self.posts = {a.pk: a for a in posts}
        if self.posts:
            self.fields["assignment"].choices = [("", "—"), *((a.pk, post_label(a)) for a in posts)]
        else:
            del self.fields["assignment"]


def post_label(assignment) -> str:
    """``政策宣传岗（2025-03-08 起在岗）``, or with the day it ended (its first day off duty)."""
    if assignment.ended_on:
        return _("%(post)s (on duty from %(start)s, ended %(end)s)") % {
            "post": assignment.post.name,
            "start": assignment.on_duty_from.isoformat(),
            "end": assignment.ended_on.isoformat(),
        }
    return _("%(post)s (on duty since %(start)s)") % {
        "post": assignment.post.name,
        "start": assignment.on_duty_from.isoformat(),
    }


class AwardForm(ClaimForm):
    members = forms.TypedMultipleChoiceField(label=_("members"), coerce=int, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(m.pk, m.name) for m in members]
        self.fields["members"].widget.attrs["class"] = "list-unstyled"
        # Each member's own post is found by the service (see the page's note); one field cannot name them.
        self.fields.pop("assignment", None)


class DecisionForm(StyledForm):
    note = forms.CharField(label=_("note"), required=False, max_length=300)


class RejectForm(StyledForm):
    reason = forms.CharField(label=_("reason"), max_length=300)


class RuleForm(StyledForm):
    FIELDS = RULE_FIELDS
    code = forms.CharField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name"), max_length=100)
    category = forms.ChoiceField(label=_("category"), choices=Category.choices)
    direction = forms.ChoiceField(label=_("award or deduction"), choices=Direction.choices)
    points = forms.DecimalField(label=_("points"), max_digits=7, decimal_places=1)
    allow_fraction = forms.BooleanField(label=_("fractional points allowed"), required=False)
    cap = forms.DecimalField(label=_("cap"), max_digits=7, decimal_places=1, required=False)
    cap_period = forms.ChoiceField(label=_("cap period"), choices=[("", "—"), *CapPeriod.choices], required=False)
    source_kind = forms.ChoiceField(label=_("fed by"), required=False)
    evidence_required = forms.BooleanField(label=_("evidence required"), required=False)
    chain = forms.MultipleChoiceField(
        label=_("approval chain"), choices=Step.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("note"), max_length=300, required=False)
    effective_from = forms.DateField(label=_("effective from"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_kind"].choices = source_kind_choices()
        self.fields["chain"].widget.attrs["class"] = "list-unstyled"


class SchemeForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=100)
    org = org_picker(_("organization"), None, required=False)
    effective_from = forms.DateField(label=_("effective from"), widget=DateInput())
    copy_from = forms.ModelChoiceField(label=_("copy the rules of"), queryset=None, required=False)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args, orgs, schemes, allow_default: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs
        self.fields["org"].required = not allow_default
        self.fields["copy_from"].queryset = schemes
