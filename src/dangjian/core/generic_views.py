"""Generic form pages: one service run on one record of the user's subtree.

Every app has pages of the same shape — cancel a meeting, a session or an activity with a reason;
revise a rule from a date; record one step of a case. Each is declared, not written::

    # the session's page, the service session_cancel(actor=…, session=…, reason=…, expected_version=…)
    session_cancel = CancelView.as_view(queryset=…, cancel=services.session_cancel, record_arg="session",
                                        success_url="training-session", title=…, success_message=…)

The record is fetched with ``get_visible_or_404`` from ``queryset(request)`` (a 404 outside the
subtree, or when ``allowed(request, record)`` says no); GET shows the form, POST validates it and
calls the service through :meth:`StyledForm.submitted` (its ``ValidationError`` lands on the form's
fields, nothing written); on success a message and a redirect. Texts given to ``as_view`` are read
when the module is imported: pass them through ``gettext_lazy``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from dangjian.core.forms import CancelForm, RuleEndForm, StyledForm
from dangjian.core.pages import require_business
from dangjian.core.scoping import get_visible_or_404


def _url(target: str | Callable[[Any], str], record) -> str:
    """A URL name (reversed with the record's pk) or a function of the record."""
    return target(record) if callable(target) else reverse(target, args=[record.pk])


class RecordFormView(LoginRequiredMixin, View):
    """A form page that runs ``service(request, record, cleaned_data)`` on one record.

    Parameters (class attributes, or keyword arguments of ``as_view``):

    - ``queryset(request)``: where the record is looked for (``writable_by(request.user)`` …);
    - ``allowed(request, record)``: False answers 404 (a page the user may not use on a record they see);
    - ``business_only``: organizers and secretaries only (``core.pages.require_business``), checked first;
    - ``form_class``, ``initial(record)`` and ``form_kwargs(record)``: the form, its initial values and
      its other arguments;
    - ``service(request, record, cleaned_data)``: the write;
    - ``success_url``, ``back_url``: a URL name reversed with the record's pk, or a function of the record
      (``back_url`` defaults to ``success_url``);
    - ``title`` (text, or a function of the record), ``success_message``, ``template_name``,
      ``context_name`` (the record's name in the template, besides ``record``), ``danger``.
    """

    http_method_names = ["get", "head", "post"]
    queryset: Callable[[Any], Any] | None = None
    allowed: Callable[[Any, Any], bool] | None = None
    business_only = False
    form_class: type[StyledForm] = StyledForm
    initial: Callable[[Any], dict] | None = None
    form_kwargs: Callable[[Any], dict] | None = None
    service: Callable[[Any, Any, dict], Any] | None = None
    success_url: str | Callable[[Any], str] = ""
    back_url: str | Callable[[Any], str] | None = None
    title: Any = ""
    success_message: Any = _("Saved.")
    template_name = "core/simple_form.html"
    context_name = ""  # the record's name in the template's context, besides ``record``
    danger = False

    def get_record(self):
        if self.business_only:
            require_business(self.request)
        record = get_visible_or_404(self.queryset(self.request), pk=self.kwargs["pk"])
        if self.allowed is not None and not self.allowed(self.request, record):
            raise Http404
        return record

    def get_initial(self, record) -> dict:
        return self.initial(record) if self.initial is not None else {}

    def get_form(self, record):
        kwargs = self.form_kwargs(record) if self.form_kwargs is not None else {}
        return self.form_class(self.request.POST or None, initial=self.get_initial(record), **kwargs)

    def perform(self, record, form, data: dict) -> Any:
        return self.service(self.request, record, data)

    def get_title(self, record) -> str:
        return self.title(record) if callable(self.title) else str(self.title)

    def get_context_data(self, record, form) -> dict:
        return {
            "form": form,
            "record": record,
            **({self.context_name: record} if self.context_name else {}),
            "title": self.get_title(record),
            "back": _url(self.back_url or self.success_url, record),
            **({"danger": True} if self.danger else {}),
        }

    def dispatch_form(self, request, pk: int):
        record = self.get_record()
        form = self.get_form(record)
        if form.submitted(request, lambda data: self.perform(record, form, data)):
            messages.success(request, str(self.success_message))
            return redirect(_url(self.success_url, record))
        return render(request, self.template_name, self.get_context_data(record, form))

    get = post = dispatch_form


class CancelView(RecordFormView):
    """Cancel a record with a reason: ``cancel(actor=…, <record_arg>=record, reason=…, expected_version=…)``.

    The form carries the record's ``version``, so a change saved in between is refused.
    """

    form_class = CancelForm
    cancel: Callable[..., Any] | None = None
    record_arg = ""

    def get_initial(self, record) -> dict:
        return {"version": record.version}

    def perform(self, record, form, data: dict) -> Any:
        return self.cancel(
            actor=self.request.user,
            **{self.record_arg: record},
            reason=data["reason"],
            expected_version=data.get("version"),
        )


class ReviseView(RecordFormView):
    """Change a versioned rule from a date: ``revise(actor=…, <record_arg>=record, data=…, effective_from=…)``.

    The form (with ``FIELDS``) starts from the rule in force and the day after its start (today at
    the earliest); the ``fixed`` field (the rule's code or kind) is shown but cannot change.
    """

    revise: Callable[..., Any] | None = None
    record_arg = ""
    fixed = ""
    success_message = _("The rule was saved.")

    def get_initial(self, record) -> dict:
        initial = {name: getattr(record, name) for name in self.form_class.FIELDS}
        initial["effective_from"] = max(timezone.localdate(), record.effective_from + dt.timedelta(days=1))
        return initial

    def get_form(self, record):
        form = super().get_form(record)
        if self.fixed:
            form.fields[self.fixed].disabled = True
        return form

    def perform(self, record, form, data: dict) -> Any:
        return self.revise(
            actor=self.request.user,
            **{self.record_arg: record},
            data=form.data_for([name for name in self.form_class.FIELDS if name != self.fixed]),
            effective_from=data["effective_from"],
        )


class EndView(RecordFormView):
    """End a versioned rule after a day (today by default): ``end(actor=…, <record_arg>=record, on=…)``."""

    form_class = RuleEndForm
    end: Callable[..., Any] | None = None
    record_arg = ""
    success_message = _("The rule was saved.")

    def get_initial(self, record) -> dict:
        return {"on": timezone.localdate()}

    def perform(self, record, form, data: dict) -> Any:
        return self.end(actor=self.request.user, **{self.record_arg: record}, on=data["on"])
