"""Pages of the work summary: the summary on screen (every figure a link to its records), its downloads, and
the department's template edit page."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import StyledForm
from dangjian.core.pages import Figures, require_role
from dangjian.core.roles import Role
from dangjian.core.scoping import has_role
from dangjian.core.spans import span_choices, span_param
from dangjian.reports import summary_services
from dangjian.reports.summary import summary_of, template_for
from dangjian.reports.summary_output import CONTENT_TYPES, summary_document


class Scope(Figures):
    """The figures page's scope (``?org=``), with the period of ``?period=`` or ``?from=&to=``."""

    def __init__(self, request):
        super().__init__(request)
        self.span = span_param(request)


@login_required
def summary(request):
    scope = Scope(request)
    fmt = request.GET.get("format", "")
    if fmt in ("docx", "xlsx"):
        body = summary_document(scope.org, scope.span, request.user, fmt)
        response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="summary-{scope.span.key or "custom"}.{fmt}"'
        return response
    return scope.render(
        "reports/summary.html",
        summary=summary_of(scope.org, scope.span, request.user),
        span=scope.span,
        spans=span_choices(),
        can_edit=scope.org.parent_id is None and has_role(request.user, Role.ORGANIZER),
        query=f"org={scope.org.pk}&{scope.span.query()}",
    )


class TemplateForm(StyledForm):
    title = forms.CharField(label=_("title"), max_length=100)
    body = forms.CharField(label=_("template text"), widget=forms.Textarea(attrs={"rows": 18}))
    effective_from = forms.DateField(label=_("effective from"), widget=forms.DateInput(attrs={"type": "date"}))


@login_required
def template_edit(request):
    """The district-wide template, for an organizer at a root (the department): a new version per save."""
    scope = Figures(request)
    require_role(request.user, Role.ORGANIZER)
    if scope.org.parent_id is not None:
        raise Http404
    current = template_for(scope.org, timezone.localdate())
    initial = {"effective_from": timezone.localdate()}
    if current is not None:
        initial |= {"title": current.title, "body": current.body}
    form = TemplateForm(request.POST or None, initial=initial)

    def call(data):
        return summary_services.summary_template_save(actor=request.user, current=current, **data)

    if form.submitted(request, call):
        return redirect(f"{reverse('reports-summary')}?org={scope.org.pk}")
    return render(request, "reports/template_edit.html", {"form": form, "current": current, "org": scope.org})
