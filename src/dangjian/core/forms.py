"""Form helpers shared by every app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    """An HTML5 date picker; it only understands ISO dates, whatever the interface language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class StyledForm(forms.Form):
    """A form whose widgets carry Bootstrap classes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)

    def apply_errors(self, exc: ValidationError) -> None:
        """Put a service's ValidationError on the matching fields (or on the form)."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)

    def submitted(self, request, call: Callable[[dict[str, Any]], Any]) -> bool:
        """The POST half of a form page: whether ``call(cleaned_data)`` — the service — succeeded.

        False on a GET, an invalid form, or the service's ``ValidationError`` (put on the matching
        fields, nothing written); what the service returned is kept in ``self.result``::

            if form.submitted(request, lambda d: services.thing_cancel(actor=request.user, thing=thing, **d)):
                messages.success(request, _("Cancelled."))
                return redirect("thing", pk=thing.pk)
            return render(...)
        """
        if request.method != "POST" or not self.is_valid():
            return False
        try:
            self.result = call(self.cleaned_data)
        except ValidationError as exc:
            self.apply_errors(exc)
            return False
        return True

    def data_for(self, names) -> dict:
        return {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}


def year_choices(today: dt.date | None = None) -> list[tuple[int, int]]:
    """Next year, this year and the nine before it, newest first."""
    today = today or timezone.localdate()
    return [(y, y) for y in range(today.year + 1, today.year - 10, -1)]


class FilterForm(forms.Form):
    """The small filter bar above a list: compact widgets, ``orgs`` limits the (hidden) ``org`` field,
    a ``year`` field declared without choices gets "all" and :func:`year_choices`.

    On a phone the labels are hidden, so the empty choice of a drop-down names its filter ("状态：全部").
    """

    @classmethod
    def from_query(cls, request, orgs) -> tuple[FilterForm, dict]:
        """The form bound to the query string and its values (none when it is not valid); an ``?org=``
        outside ``orgs`` is an organization that does not exist for the user: a 404."""
        form = cls(request.GET or None, orgs=orgs)
        filters = form.cleaned_data if form.is_valid() else {}
        if request.GET.get("org") and not filters.get("org"):
            raise Http404
        return form, filters

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if orgs is not None and "org" in self.fields:
            self.fields["org"].queryset = orgs
        if "year" in self.fields and not self.fields["year"].choices:
            self.fields["year"].choices = [("", _("All")), *year_choices()]
        for field in self.fields.values():
            if (
                isinstance(field, forms.ChoiceField)
                and not isinstance(field, forms.ModelChoiceField)
                and field.choices
                and field.choices[0][0] == ""
            ):
                field.choices = [("", f"{field.label}：{_('All')}"), *field.choices[1:]]
            if not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs["class"] = (
                    "form-select form-select-sm"
                    if isinstance(field.widget, forms.Select)
                    else "form-control form-control-sm"
                )


class CancelForm(StyledForm):
    """Cancel a record with a reason; ``version`` guards against a concurrent change."""

    reason = forms.CharField(label=_("reason for cancelling"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RuleEndForm(StyledForm):
    """End a versioned rule: the last day it is in force."""

    on = forms.DateField(label=_("last day in force"), widget=DateInput())
