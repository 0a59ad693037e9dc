"""Organization pages: the tree browser, an organization's page, warnings, and tree edits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import tree
from dangjian.core.pages import paged
from dangjian.core.scoping import get_visible_or_404
from dangjian.core.widgets import search_response, search_text, within_path

# An exception to the layers (see .importlinter): the committee's seats are given to members.
from dangjian.members.models import Member
from dangjian.organizations import contributions, queries, services
from dangjian.organizations.forms import (
    CommitteeEndForm,
    CommitteeSeatForm,
    DissolveForm,
    MoveForm,
    OrganizationForm,
)
from dangjian.organizations.models import CommitteeMember, Organization


def _visible(request):
    return Organization.objects.visible_to(request.user)


@login_required
def tree_view(request):
    """The tree, starting at the user's own organizations; children load on demand."""
    q = request.GET.get("q", "").strip()
    results = None
    if q:
        visible = _visible(request)
        key = q.lower()
        results = visible.filter(
            Q(name__contains=q)
            | Q(code__iexact=q)
            | Q(code__istartswith=q)
            | Q(name_initials__startswith=key)
            | Q(name_pinyin__startswith=key)
        ).order_by("path")[:50]
    roots = queries.visible_roots(request.user).annotate(
        child_count=Count("children", filter=Q(children__dissolved_on__isnull=True))
    )
    if not roots and not request.user.is_authenticated:
        raise Http404
    return render(request, "organizations/tree.html", {"roots": with_member_counts(roots), "q": q, "results": results})


def with_member_counts(orgs) -> list:
    """``orgs`` with ``member_count``, the members of each subtree (the one member count, ``members.queries``):
    one GROUP BY for all of them."""
    orgs = list(orgs)
    counts = contributions.member_counts().within([o.path for o in orgs])
    for org in orgs:
        org.member_count = counts.get(org.path, 0)
    return orgs


@login_required
def children(request, pk: int):
    org = get_visible_or_404(_visible(request), pk=pk)
    kids = queries.children_of(org, _visible(request)).filter(dissolved_on__isnull=True)
    return render(request, "organizations/_children.html", {"children": with_member_counts(kids)})


@login_required
def detail(request, pk: int):
    visible = _visible(request)
    org = get_visible_or_404(visible.select_related("parent", "secretary"), pk=pk)
    kids = list(queries.children_of(org, visible).filter(dissolved_on__isnull=True)[:200])
    panels = contributions.render_panels(request, org, kids)  # the members' figures, from the apps above
    own = visible.filter(pk=org.pk).annotate(unit_count=Count("units"))
    own_warnings = queries.warnings_for(own, {org.pk: contributions.member_counts().of(org)})
    return render(
        request,
        "organizations/detail.html",
        {
            "org": org,
            "ancestors": queries.ancestors_of(org).filter(pk__in=visible.values("pk")),
            "children": kids,
            "warnings": own_warnings,
            "orgs": queries.subtree_org_breakdown(org.path),
            "panels": panels,
            "history": org.changes.select_related("old_parent", "new_parent")[:20],
            "units": org.units.all(),
            "committee": queries.committee_seats(org).filter(ended_on__isnull=True),
            "can_edit": Organization.objects.writable_by(request.user).filter(pk=org.pk).exists(),
        },
    )


@login_required
def warnings_list(request):
    """Data-quality warnings for every organization the user sees."""
    found = queries.subtree_warnings(_visible(request))
    code = request.GET.get("code", "")
    if code:
        found = [w for w in found if w.code == code]
    page, query = paged(request, found)  # a district has hundreds: the page stays the same size (issue 14)
    return render(
        request,
        "organizations/warnings.html",
        {"warnings": page, "page_obj": page, "query": query, "code": code, "codes": queries.WARNING_LABELS.items()},
    )


def _form_initial(org: Organization) -> dict:
    return {
        "pk": org.pk,
        "name": org.name,
        "code": org.code,
        "level": org.level,
        "sector": org.sector,
        "has_committee": org.has_committee,
        "term_starts_on": org.term_starts_on,
        "term_ends_on": org.term_ends_on,
        "established_on": org.established_on,
        "version": org.version,
    }


@login_required
def edit(request, pk: int):
    org = get_visible_or_404(Organization.objects.writable_by(request.user), pk=pk)
    form = OrganizationForm(request.POST or None, initial=_form_initial(org))

    def update(cleaned):
        data = form.data_for(OrganizationForm.FIELDS)
        if not data["code"]:
            data.pop("code")
        services.organization_update(actor=request.user, org=org, data=data, expected_version=cleaned.get("version"))

    if form.submitted(request, update):
        messages.success(request, _("Saved."))
        return redirect("org-detail", pk=org.pk)
    return render(request, "organizations/form.html", {"form": form, "org": org, "title": _("Edit organization")})


@login_required
def create_child(request, pk: int):
    parent = get_visible_or_404(Organization.objects.writable_by(request.user), pk=pk)
    form = OrganizationForm(request.POST or None, initial={"sector": parent.sector, "level": "branch"})
    if form.submitted(
        request,
        lambda d: services.organization_create(
            actor=request.user, parent=parent, data=form.data_for(OrganizationForm.FIELDS)
        ),
    ):
        messages.success(request, _("Created."))
        return redirect("org-detail", pk=form.result.pk)
    return render(
        request,
        "organizations/form.html",
        {"form": form, "org": parent, "title": _("New organization under %s") % parent.name},
    )


@login_required
def move(request, pk: int):
    writable = Organization.objects.writable_by(request.user)
    org = get_visible_or_404(writable.exclude(parent__isnull=True), pk=pk)
    parents = (
        writable.filter(dissolved_on__isnull=True)
        .exclude(tree.subtree_q("path", org.path))
        .exclude(level__in=["branch", "party_group"])
    )
    form = MoveForm(request.POST or None, parents=parents, initial={"on": timezone.localdate()})
    if form.submitted(
        request,
        lambda d: services.organization_move(
            actor=request.user, org=org, new_parent=d["new_parent"], on=d["on"], note=d["note"]
        ),
    ):
        messages.success(request, _("Moved."))
        return redirect("org-detail", pk=org.pk)
    return render(request, "organizations/form.html", {"form": form, "org": org, "title": _("Move %s") % org.name})


@login_required
def dissolve(request, pk: int):
    org = get_visible_or_404(Organization.objects.writable_by(request.user).exclude(parent__isnull=True), pk=pk)
    form = DissolveForm(request.POST or None, initial={"on": timezone.localdate()})
    if form.submitted(
        request, lambda d: services.organization_dissolve(actor=request.user, org=org, on=d["on"], note=d["note"])
    ):
        messages.success(request, _("Dissolved."))
        return redirect("org-detail", pk=org.pk)
    return render(request, "organizations/form.html", {"form": form, "org": org, "title": _("Dissolve %s") % org.name})


# --- The committee ---------------------------------------------------------------------------------
def _candidates(org: Organization):
    """Current members who may be given a seat: the organization's own (a branch) or its subtree's."""
    members = Member.objects.current().filter(status="full")
    if org.level == "branch":
        return members.filter(org=org).order_by("name_pinyin", "id")
    return members.filter(tree.subtree_q("org_path", org.path)).select_related("org").order_by("name_pinyin", "id")


@login_required
def committee(request, pk: int):
    """The committee of an organization: who sits on it now with their posts, the history, and a new seat."""
    visible = _visible(request)
    org = get_visible_or_404(visible, pk=pk)
    if org.level == "party_group":
        raise Http404
    writable = Organization.objects.accepting_members_from(request.user)  # organizers and secretaries
    can_edit = org.dissolved_on is None and writable.filter(pk=org.pk).exists()
    form = None
    if can_edit:
        form = CommitteeSeatForm(
            request.POST or None,
            candidates=_candidates(org),
            with_org=org.level != "branch",
            org=org,
            initial={"started_on": org.term_starts_on or timezone.localdate(), "post": "member"},
        )
        if form.submitted(request, lambda d: services.committee_member_add(actor=request.user, org=org, **d)):
            messages.success(request, _("Saved."))
            return redirect("org-committee", pk=org.pk)
    elif request.method == "POST":
        raise Http404
    seats = list(queries.committee_seats(org))
    return render(
        request,
        "organizations/committee.html",
        {
            "org": org,
            "current": [s for s in seats if s.ended_on is None],
            "history": [s for s in seats if s.ended_on is not None],
            "form": form,
            "can_edit": can_edit,
            "ancestors": queries.ancestors_of(org).filter(pk__in=visible.values("pk")),
        },
    )


@login_required
def committee_end(request, pk: int):
    """End a seat (the member leaves the committee); the seat stays in the history."""
    seats = CommitteeMember.objects.writable_by(request.user).filter(ended_on__isnull=True)
    seat = get_visible_or_404(seats.select_related("member", "org"), pk=pk)
    form = CommitteeEndForm(request.POST or None, initial={"ended_on": timezone.localdate(), "version": seat.version})
    if form.submitted(
        request,
        lambda d: services.committee_member_end(
            actor=request.user, seat=seat, ended_on=d["ended_on"], note=d["note"], expected_version=d.get("version")
        ),
    ):
        messages.success(request, _("Saved."))
        return redirect("org-committee", pk=seat.org_id)
    title = _("%(name)s leaves the committee of %(org)s") % {"name": seat.member.name, "org": seat.org.name}
    return render(request, "organizations/form.html", {"form": form, "org": seat.org, "title": title})


@login_required
def org_search(request):
    """A picker's search (JSON): organizations the user sees, by name, pinyin initials or code.
    ``?within=`` narrows to a subtree, ``?not=branch,party_group`` leaves levels out, ``?sector=``."""
    visible = _visible(request)
    rows = queries.picker_search(
        visible,
        search_text(request),
        within=within_path(request, visible),
        exclude_levels=[v for v in request.GET.get("not", "").split(",") if v],
        sector=request.GET.get("sector", ""),
    )
    return search_response(rows, label=org_label, value=lambda org: org.code)


def org_label(org) -> str:
    return f"{org.name}（{org.code}）"
