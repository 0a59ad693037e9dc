from __future__ import annotations

from django import forms
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.forms import DateInput, StyledForm
from dangjian.organizations.forms import org_picker
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
                "org": org_picker(_("organizing organization"), orgs),
                **self.fields,
            }


class SheetAddForm(forms.Form):
    """Whose members to list on a sheet: an organization of the programme's subtree, picked by search
    (a subtree can hold a thousand organizations: never a drop-down of them)."""

    def __init__(self, data=None, *, orgs, programme, added=None):
        super().__init__(data, initial={"add_org": added.code if added else None})
        self.fields["add_org"] = org_picker(
            _("List the members of"), orgs, query=f"?within={programme.org_id}", required=False
        )
        self.fields["add_org"].widget.attrs["class"] = "form-control form-control-sm"


class SessionForm(StyledForm):
    """A session and its sheet: one status per member listed (``—``: not on the sheet)."""

    state = forms.ChoiceField(
        label=_("state"), choices=[(Session.State.HELD, _("Held")), (Session.State.PLANNED, _("Planned"))]
    )
    held_on = forms.DateField(label=_("date"), widget=DateInput())
    title = forms.CharField(label=pgettext_lazy("training", "topic"), max_length=200)
    speaker = forms.CharField(label=_("speaker"), max_length=64, required=False)
    hours = forms.DecimalField(label=_("class hours"), max_digits=3, decimal_places=1, min_value=0.1, max_value=24)
    venue = forms.CharField(label=_("venue"), max_length=100, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = ("state", "held_on", "title", "speaker", "hours", "venue")

    def __init__(self, *args, members=(), sheet_initial=None, **kwargs):
        super().__init__(*args, **kwargs)
        sheet_initial = sheet_initial or {}
        choices = [*SessionAttendance.Status.choices, (NOT_ON_SHEET, "—")]
        self.status_choices = choices
        self.members = list(members)
        self.sheet_initial = sheet_initial
        for member in self.members:
            status, reason = sheet_initial.get(member.pk, (NOT_ON_SHEET, ""))
            self.fields[f"att_{member.pk}"] = forms.ChoiceField(choices=choices, initial=status, required=False)
            self.fields[f"reason_{member.pk}"] = forms.CharField(max_length=100, required=False, initial=reason)

    @property
    def main_fields(self) -> list:
        return [self[name] for name in self.FIELDS]

    @property
    def sheet_rows(self) -> list[tuple]:
        """``(member, status, reason, errors)`` per member listed, as submitted or as initially."""
        rows = []
        for member in self.members:
            status, reason = self.sheet_initial.get(member.pk, (NOT_ON_SHEET, ""))
            errors: list[str] = []
            if self.is_bound:
                status = self.data.get(f"att_{member.pk}") or NOT_ON_SHEET
                reason = self.data.get(f"reason_{member.pk}", "")
                errors = [*self.errors.get(f"att_{member.pk}", []), *self.errors.get(f"reason_{member.pk}", [])]
            rows.append((member, status, reason, errors))
        return rows

    def sheet_html(self) -> str:
        """The sheet's rows as HTML, built here rather than by widgets or template loops: a county
        township's course lists a thousand members, which those take seconds to render."""
        styles = ("btn-outline-success", "btn-outline-warning", "btn-outline-danger", "btn-outline-secondary")
        placeholder = escape(_("reason for leave"))
        parts = []
        for member, status, reason, errors in self.sheet_rows:
            pk, name = member.pk, escape(member.name)
            radios = "".join(
                f'<input type="radio" class="btn-check" name="att_{pk}" id="att_{pk}_{i}" value="{value}"'
                f'{" checked" if value == status else ""}><label class="btn {styles[i]}" for="att_{pk}_{i}">'
                f"{escape(label)}</label>"
                for i, (value, label) in enumerate(self.status_choices)
            )
            problems = f'<div class="text-danger small">{escape(" ".join(map(str, errors)))}</div>' if errors else ""
            parts.append(
                f'<tr><td class="text-nowrap">{name}</td><td><div class="btn-group btn-group-sm" role="group" '
                f'aria-label="{name}">{radios}</div><input type="text" name="reason_{pk}" value="{escape(reason)}" '
                f'maxlength="100" class="form-control form-control-sm" placeholder="{placeholder}" '
                f'aria-label="{placeholder}">{problems}</td></tr>'
            )
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped

    def session_data(self) -> dict:
        return self.data_for(self.FIELDS)

    def attendance(self) -> list[AttendanceIn]:
        rows = []
        for member in self.members:
            status = self.cleaned_data.get(f"att_{member.pk}") or NOT_ON_SHEET
            if status != NOT_ON_SHEET:
                rows.append(AttendanceIn(member.pk, status, self.cleaned_data.get(f"reason_{member.pk}") or ""))
        return rows
