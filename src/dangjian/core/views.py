"""Core pages: home (what needs doing), the rule parameters, and the three administrators' pages.

三员分立: the system administrator manages accounts (``system/users/``), the security
administrator grants and revokes roles (``security/roles/``), the audit administrator reads
and exports the audit log (``audit/``). Each page is a 404 for everyone else.
"""

from __future__ import annotations

import tempfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangjian.core import audit, parameters, services, tree
from dangjian.core.forms import DateInput, StyledForm
from dangjian.core.models import Parameter, RoleAssignment, User
from dangjian.core.roles import ADMIN_ROLES, Role
from dangjian.core.scoping import get_visible_or_404, has_role, paths_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INDENT = "\u3000"  # an ideographic space: nests organization names in a drop-down


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
    page = Paginator(events.order_by("-id"), 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "core/audit_log.html", {"form": form, "page_obj": page, "query": params.urlencode()})


@login_required
def audit_export(request):
    """The filtered audit log as .xlsx (formula-safe). The export is itself an audit event."""
    require_role(request.user, Role.AUDITOR)
    events, form = _audit_events(request)
    if form.is_bound and not form.is_valid():
        return redirect(f"{reverse('audit-log')}?{request.GET.urlencode()}")
    fh = tempfile.TemporaryFile()  # closed by the response that sends it
    try:
        count = audit.write_events_xlsx(events, fh)
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
        self.fields["key"].choices = [(k, f"{label}（{k}）") for k, (_v, label) in parameters.DEFAULTS.items()]


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
    rows = [(key, label, current[key]) for key, (_v, label) in parameters.DEFAULTS.items()]
    history = Parameter.objects.select_related("created_by").order_by("key", "-effective_from")
    return render(
        request, "core/parameters.html", {"rows": rows, "history": history, "form": form, "can_edit": at_root}
    )


# --- System administrator: accounts ------------------------------------------------------------------
class UserCreateForm(StyledForm):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=64, required=False)


class UserEditForm(StyledForm):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=64, required=False)


def _manageable_user_or_404(request, pk: int) -> User:
    require_role(request.user, Role.SYSADMIN)
    return get_visible_or_404(services.users_manageable_by(request.user), pk=pk)


@login_required
def user_list(request):
    """Accounts whose roles all lie in the system administrator's subtree; administrators are read-only."""
    require_role(request.user, Role.SYSADMIN)
    users = services.users_visible_to_sysadmin(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    grants = RoleAssignment.objects.select_related("org").order_by("role", "org__path")
    users = users.order_by("username").prefetch_related(Prefetch("role_assignments", queryset=grants))
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    for account in page:
        roles = account.role_assignments.all()
        account.is_administrator = account.is_superuser or any(r.role in ADMIN_ROLES for r in roles)
        account.manageable = not account.is_administrator and account.pk != request.user.pk
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "core/users.html", {"page_obj": page, "q": q, "query": params.urlencode()})


@login_required
def user_create(request):
    require_role(request.user, Role.SYSADMIN)
    form = UserCreateForm(request.POST or None)
    if form.submitted(request, lambda d: services.user_create(actor=request.user, **d)):
        account, password = form.result
        # Shown once in this response and kept nowhere (not in a message: those live in cookies).
        return render(request, "core/user_password.html", {"account": account, "password": password})
    return render(request, "core/user_form.html", {"form": form, "account": None})


@login_required
def user_edit(request, pk: int):
    account = _manageable_user_or_404(request, pk)
    form = UserEditForm(request.POST or None, initial={"full_name": account.full_name})
    if form.submitted(
        request, lambda d: services.user_update(actor=request.user, user=account, full_name=d["full_name"])
    ):
        messages.success(request, _("Saved."))
        return redirect("user-list")
    return render(request, "core/user_form.html", {"form": form, "account": account})


@require_POST
@login_required
def user_deactivate(request, pk: int):
    account = _manageable_user_or_404(request, pk)
    services.user_deactivate(actor=request.user, user=account)
    messages.success(request, _("The account %(name)s was deactivated.") % {"name": account.get_username()})
    return redirect("user-list")


@require_POST
@login_required
def user_activate(request, pk: int):
    account = _manageable_user_or_404(request, pk)
    services.user_activate(actor=request.user, user=account)
    messages.success(request, _("The account %(name)s was reactivated.") % {"name": account.get_username()})
    return redirect("user-list")


@require_POST
@login_required
def user_reset_password(request, pk: int):
    account = _manageable_user_or_404(request, pk)
    password = services.user_reset_password(actor=request.user, user=account)
    return render(request, "core/user_password.html", {"account": account, "password": password, "reset": True})


# --- Security administrator: roles ---------------------------------------------------------------------
class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{INDENT * (obj.depth - 1)}{obj.name}（{obj.code}）"


class RoleGrantForm(StyledForm):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    org = OrganizationChoiceField(label=gettext_lazy("Organization"), queryset=None, required=False)
    org_code = forms.CharField(label=gettext_lazy("or organization code"), max_length=32, required=False)

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.orgs = orgs
        self.fields["org"].queryset = orgs

    def clean(self):
        data = super().clean()
        username = (data.get("username") or "").strip()
        if username:
            data["user"] = User.objects.filter(username=username).first()
            if data["user"] is None:
                self.add_error("username", _("There is no account with this user name."))
        code = (data.get("org_code") or "").strip()
        if code:
            by_code = self.orgs.filter(code=code).first()
            if by_code is None:
                self.add_error("org_code", _("There is no organization with this code in your subtree."))
            elif data.get("org") and data["org"] != by_code:
                self.add_error("org_code", _("The code names another organization than the one selected."))
            else:
                data["org"] = by_code
        elif not data.get("org") and "org" not in self.errors:
            self.add_error("org", _("Choose an organization or enter its code."))
        return data


@login_required
def role_list(request):
    """Role assignments over the security administrator's subtree; grant a role here."""
    require_role(request.user, Role.SECADMIN)
    orgs = services.organizations_for_secadmin(request.user)
    form = RoleGrantForm(request.POST or None, orgs=orgs)
    if form.submitted(
        request, lambda d: services.role_grant(actor=request.user, user=d["user"], role=d["role"], org=d["org"])
    ):
        data = form.cleaned_data
        messages.success(
            request,
            _("%(user)s now holds the role %(role)s over %(org)s.")
            % {"user": data["user"].get_username(), "role": Role(data["role"]).label, "org": data["org"].name},
        )
        return redirect("role-list")
    assignments = services.role_assignments_for_secadmin(request.user).select_related("user", "org")
    q = request.GET.get("q", "").strip()
    if q:
        assignments = assignments.filter(Q(user__username__icontains=q) | Q(user__full_name__icontains=q))
    role = request.GET.get("role", "")
    if role in Role.values:
        assignments = assignments.filter(role=role)
    page = Paginator(assignments.order_by("org__path", "role", "user__username"), 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "core/roles.html",
        {"form": form, "page_obj": page, "q": q, "role": role, "roles": Role.choices, "query": params.urlencode()},
    )


@require_POST
@login_required
def role_revoke(request, pk: int):
    require_role(request.user, Role.SECADMIN)
    assignment = get_visible_or_404(
        services.role_assignments_for_secadmin(request.user).select_related("user", "org"), pk=pk
    )
    try:
        services.role_revoke(actor=request.user, assignment=assignment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(user)s no longer holds the role %(role)s over %(org)s.")
            % {
                "user": assignment.user.get_username(),
                "role": assignment.get_role_display(),
                "org": assignment.org.name,
            },
        )
    return redirect("role-list")
