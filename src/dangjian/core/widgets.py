"""Search-as-you-type pickers for lists that grow with the subtree (members, organizations, cadres).

A drop-down of every member of a county is 40,000 ``<option>`` tags; a picker renders only what is
chosen. The page gets a text input carrying the search route in ``data-picker-url``;
``core/static/core/pickers.js`` turns it into a Tom Select (vendored) box that asks the route as
the user types. Without JavaScript the same input takes the record's number (a member) or code
(an organization), which the secretary can read off the record's own page.

The field (``PickerField`` / ``MultiPickerField``) keeps the form's scoped queryset: whatever is
typed or forged, a value outside it is refused with the field's Chinese message.

The search side (``search_response``) is the generic half of each app's search route: the app
gives the scoped, filtered queryset and how to show a row; this module cuts it to ``LIMIT`` rows
and answers JSON ``{"results": [{"value", "label"}…]}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django import forms
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _

from dangjian.core.scoping import get_visible_or_404

LIMIT = 20  # rows a search answers: enough to pick from on a phone, small whatever the subtree


class PickerInput(forms.TextInput):
    """A text input holding the chosen value(s), comma separated, with the chosen rows' labels."""

    def __init__(self, url: str = "", *, multiple: bool = False, attrs=None):
        super().__init__(attrs=attrs)
        self.url = url
        self.multiple = multiple
        self.labels: Callable[[list[str]], list[dict]] = lambda values: []

    def format_value(self, value):
        values = self.values(value)
        return ",".join(values) if values else None

    @staticmethod
    def values(value) -> list[str]:
        if value in (None, ""):
            return []
        if isinstance(value, (list, tuple)):
            return [str(v) for v in value if v not in (None, "")]
        return [v.strip() for v in str(value).split(",") if v.strip()]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["data-picker-url"] = str(self.url)
        widget_attrs["data-picker-selected"] = json.dumps(self.labels(self.values(value)), ensure_ascii=False)
        widget_attrs["autocomplete"] = "off"
        widget_attrs["data-picker-empty"] = str(_("No match among those you may choose"))
        if self.multiple:
            widget_attrs["data-picker-multiple"] = "1"
        widget_attrs.setdefault("placeholder", str(_("Type a name, pinyin initials or the number/code")))
        return context

    def value_from_datadict(self, data, files, name):
        raw = data.get(name)
        if self.multiple:
            return self.values(raw)
        return raw.strip() if isinstance(raw, str) else raw


def is_id(value: str) -> bool:
    """Whether ``value`` can be a record's id (digits that fit a 64-bit integer column)."""
    return value.isascii() and value.isdigit() and len(value) <= 18


def is_key(value: str) -> bool:
    """Whether ``value`` can be a record's code or number at all: printable, short (PostgreSQL refuses a
    NUL byte in a query outright, so a forged one must never reach it)."""
    return len(value) <= 64 and value.isprintable()


def _label_rows(field, values: list[str]) -> list[dict]:
    """The chosen rows, looked up in the field's (scoped) queryset: a value outside shows as itself."""
    key = field.to_field_name or "pk"
    values = [v for v in values if (is_id(v) if key == "pk" else is_key(v))]
    if not values:
        return []
    found = {str(getattr(obj, key)): obj for obj in field.queryset.filter(**{f"{key}__in": values})}
    return [{"value": v, "label": field.label_from_instance(found[v]) if v in found else v} for v in values]


class _PickerMixin:
    """Puts a ``PickerInput`` on a model choice field, keeping the queryset as the only rule."""

    multiple = False

    def __init__(self, *args, url: str = "", **kwargs):
        kwargs.setdefault("widget", PickerInput(url, multiple=self.multiple))
        super().__init__(*args, **kwargs)
        self.error_messages["invalid_choice"] = _(
            "No such record among those you may choose here; pick one from the search or check the number or code."
        )
        self.error_messages["invalid_pk_value"] = self.error_messages["invalid_choice"]
        self.widget.labels = lambda values: _label_rows(self, values)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.labels = lambda values: _label_rows(result, values)
        return result

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return [self.prepare_value(v) for v in value]
        if isinstance(value, int) and self.to_field_name not in (None, "pk"):
            # A view's initial given as an id: codes are text, so an int is always an id.
            value = self.queryset.filter(pk=value).first()
        return super().prepare_value(value)

    def set_url(self, url: str) -> None:
        self.widget.url = url


class PickerField(_PickerMixin, forms.ModelChoiceField):
    """One record, picked by search. ``to_field_name="code"`` for organizations."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if value and not is_key(value):
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
            if self.to_field_name == "code":
                value = value.upper()  # typed by hand (no JavaScript): codes are kept in upper case
            elif value and not is_id(value):
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class MultiPickerField(_PickerMixin, forms.ModelMultipleChoiceField):
    multiple = True

    def _check_values(self, value):
        check = is_id if self.to_field_name in (None, "pk") else is_key
        if not all(check(str(v)) for v in value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super()._check_values(value)


def search_response(rows, *, label: Callable, value: Callable = lambda obj: obj.pk) -> JsonResponse:
    """The JSON answer of a search route: the first ``LIMIT`` of ``rows`` (already scoped and filtered)."""
    return JsonResponse(
        {"results": [{"value": str(value(obj)), "label": label(obj)} for obj in rows[:LIMIT]]},
        json_dumps_params={"ensure_ascii": False},
    )


def search_text(request) -> str:
    return (request.GET.get("q") or "").strip()[:64]


def within_path(request, visible_orgs) -> str | None:
    """The path of ``?within=`` (an organization's id) to narrow a search to its subtree; a 404 when the
    user does not see it (like every filter by an organization)."""
    value = request.GET.get("within") or ""
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return get_visible_or_404(visible_orgs, pk=value).path
