"""Core pages: the rule parameters and the audit administrator's audit log.

三员分立: the audit administrator reads and exports the audit log (``audit/``); the system and
security administrators' pages are in ``accounts``. Each page is a 404 for everyone else.
"""

from __future__ import annotations

import tempfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core import audit, parameters, services, tree
from dangjian.core.audit_display import link_names, object_label, object_type_choices, readable_rows, source_label
from dangjian.core.forms import DateInput, StyledForm
from dangjian.core.models import Parameter
from dangjian.core.pages import paged, require_role
from dangjian.core.roles import Role
from dangjian.core.scoping import paths_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=gettext_lazy("Actor"), required=False)
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    object_type = forms.ChoiceField(label=gettext_lazy("Object type"), required=False)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        actions = sorted(((k, str(v)) for k, v in audit.ACTION_LABELS.items()), key=lambda c: c[1])
        self.fields["action"].choices = every + actions
        self.fields["object_type"].choices = every + object_type_choices()
        self.fields["actor"].widget.attrs["placeholder"] = _("Name or username")


def _audit_events(request):
    """The auditor's events narrowed by the filter form; ``(events, form)``."""
    events = audit.events_visible_to(request.user)
    form = AuditFilterForm(request.GET or None)
    if form.is_valid():
        events = audit.filter_events(events, form.cleaned_data)
    return events, form


@login_required
def audit_log(request):
    """Auditors read and filter the audit events of their subtree (and the system events at the root)."""
    require_role(request.user, Role.AUDITOR)
    events, form = _audit_events(request)
    page, query = paged(request, events.order_by("-id"))
    # The auditor sees who changed which field when; ID numbers, birth dates and a person's business
    # data are masked (core.audit_display), in the export too.
    # Linked records by name, within the auditor's subtrees (one query per linked model for the page).
    events = list(page)
    links = link_names(((e.object_type, e.changes) for e in events), paths_for(request.user, {Role.AUDITOR}))
    rows = [
        (e, object_label(e.object_type), source_label(e.source), readable_rows(e.object_type, e.changes, links))
        for e in events
    ]
    return render(request, "core/audit_log.html", {"form": form, "page_obj": page, "rows": rows, "query": query})


@login_required
def audit_export(request):
    """The filtered audit log as .xlsx (formula-safe). The export is itself an audit event."""
    require_role(request.user, Role.AUDITOR)
    events, form = _audit_events(request)
    if form.is_bound and not form.is_valid():
        return redirect(f"{reverse('audit-log')}?{request.GET.urlencode()}")
    fh = tempfile.TemporaryFile()  # closed by the response that sends it
    try:
        count = audit.write_events_xlsx(events, fh, paths=paths_for(request.user, {Role.AUDITOR}))
        filters = {k: v for k, v in (form.cleaned_data if form.is_bound else {}).items() if v}
        audit.record(
            actor=request.user,
            action="export",
            object_type="core.auditevent",
            object_repr=_("Audit log"),
            changes={"register": "audit", "filter": audit.jsonable(filters), "rows": count},
        )
    except BaseException:
        fh.close()
        raise
    fh.seek(0)
    response = FileResponse(fh, content_type=XLSX)
    filename = f"{_('Audit log')}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


class ParameterForm(StyledForm):
    key = forms.ChoiceField(label=gettext_lazy("Rule"))
    value = forms.IntegerField(label=gettext_lazy("Value"), min_value=0, max_value=100000)
    effective_from = forms.DateField(label=gettext_lazy("Effective from"), widget=DateInput())
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(k, parameters.name(k)) for k in parameters.DEFAULTS]


@login_required
def parameter_list(request):
    """The department's rules: values in force and their history; organizers at the root change them."""
    require_role(request.user, Role.ORGANIZER)
    at_root = any(tree.depth(p) == 1 for p in paths_for(request.user, {Role.ORGANIZER}))
    form = ParameterForm(request.POST or None)
    if request.method == "POST" and not at_root:
        raise Http404
    if form.submitted(request, lambda d: services.parameter_set(actor=request.user, **d)):
        messages.success(request, _("The rule was saved."))
        return redirect("parameters")
    current = parameters.get_many(list(parameters.DEFAULTS))
    rows = [(key, parameters.name(key), label, current[key]) for key, (_v, label) in parameters.DEFAULTS.items()]
    history = list(Parameter.objects.select_related("created_by").order_by("key", "-effective_from"))
    for version in history:  # as a person reads them: the rule's name, the note in their language
        version.name, version.note_text = parameters.name(version.key), parameters.note_text(version.note)
    return render(
        request, "core/parameters.html", {"rows": rows, "history": history, "form": form, "can_edit": at_root}
    )
