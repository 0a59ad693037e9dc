"""Core pages: home (what needs doing), the audit log for auditors, and the rule parameters."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core import parameters, services, tree
from dangjian.core.forms import DateInput
from dangjian.core.models import AuditEvent, Parameter
from dangjian.core.roles import Role
from dangjian.core.scoping import has_role, paths_for


def require_role(user, *roles: str) -> None:
    """Pages outside the user's roles do not exist for them."""
    if not has_role(user, *roles):
        raise Http404


@login_required
def home(request):
    from dangjian.organizations.models import Organization
    from dangjian.organizations.queries import subtree_org_breakdown, subtree_warnings, visible_roots

    roots = list(visible_roots(request.user))
    warnings = subtree_warnings(Organization.objects.visible_to(request.user)) if roots else []
    summaries = [(root, subtree_org_breakdown(root.path)) for root in roots[:5]]
    return render(
        request,
        "core/home.html",
        {
            "roots": roots,
            "warnings": warnings[:10],
            "warning_count": len(warnings),
            "summaries": summaries,
        },
    )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=gettext_lazy("Actor"), required=False)
    action = forms.CharField(label=gettext_lazy("Action"), required=False)
    object_type = forms.CharField(label=gettext_lazy("Object type"), required=False)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())


@login_required
def audit_log(request):
    """Auditors read and filter the audit events of their subtree (and the system events at the root)."""
    require_role(request.user, Role.AUDITOR)
    paths = paths_for(request.user, {Role.AUDITOR})
    query = tree.subtrees_q("org_path", paths)
    if any(tree.depth(p) == 1 for p in paths):
        query |= Q(org_path="")  # an auditor at a root also reads events tied to no organization (logins)
    events = AuditEvent.objects.filter(query)
    form = AuditFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            events = events.filter(actor_name__icontains=data["actor"])
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"])
        if data["date_from"]:
            events = events.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(created_at__date__lte=data["date_to"])
    page = Paginator(events.order_by("-id"), 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "core/audit_log.html", {"form": form, "page_obj": page, "query": params.urlencode()})


class ParameterForm(forms.Form):
    key = forms.ChoiceField(label=gettext_lazy("Rule"))
    value = forms.IntegerField(label=gettext_lazy("Value"), min_value=0, max_value=100000)
    effective_from = forms.DateField(label=gettext_lazy("Effective from"), widget=DateInput())
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(k, f"{label}（{k}）") for k, (_v, label) in parameters.DEFAULTS.items()]
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            )


@login_required
def parameter_list(request):
    """The department's rules: values in force and their history; organizers at the root change them."""
    require_role(request.user, Role.ORGANIZER)
    at_root = any(tree.depth(p) == 1 for p in paths_for(request.user, {Role.ORGANIZER}))
    form = ParameterForm(request.POST or None)
    if request.method == "POST":
        if not at_root:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.parameter_set(
                    actor=request.user,
                    key=data["key"],
                    value=data["value"],
                    effective_from=data["effective_from"],
                    note=data["note"],
                )
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                messages.success(request, _("The rule was saved."))
                return redirect("parameters")
    current = parameters.get_many(list(parameters.DEFAULTS))
    rows = [(key, label, current[key]) for key, (_v, label) in parameters.DEFAULTS.items()]
    history = Parameter.objects.select_related("created_by").order_by("key", "-effective_from")
    return render(
        request, "core/parameters.html", {"rows": rows, "history": history, "form": form, "can_edit": at_root}
    )
