"""Reserve cadre pages: the figures of a subtree with the records behind each, the pool of a village,
a cadre's page (assessments, training attended, history) and the forms.

Every page starts from ``visible_to(user)`` (reads) or ``writable_by(user)`` (writes); anything
outside the user's subtrees is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.cadres import queries, services
from dangjian.cadres.forms import (
    ReserveAppointForm,
    ReserveAssessForm,
    ReserveCadreForm,
    ReserveDropForm,
    ReserveFilterForm,
)
from dangjian.cadres.models import ReserveCadre
from dangjian.core.pages import Figures, form_page, org_param, page_of, recording_orgs, require_business
from dangjian.core.scoping import can_see_full_id, get_visible_or_404
from dangjian.members.models import Member
from dangjian.organizations.models import Organization


def _orgs(request):
    return Organization.objects.visible_to(request.user)


@login_required
def figures(request):
    """The reserve cadre figures of a subtree (the user's topmost organization by default)."""
    scope = Figures(request)
    children = list(scope.visible.filter(parent=scope.org, dissolved_on__isnull=True).order_by("path"))
    return scope.render("cadres/figures.html", fig=queries.figures(scope.org, scope.year, children=children))


@login_required
def cadre_list(request):
    """The cadres behind a figure, or the pool of one village (``?org=``)."""
    require_business(request)
    visible = _orgs(request)
    form, filters = ReserveFilterForm.from_query(request, visible)
    org = filters.get("org")
    rows = queries.filter_list(
        ReserveCadre.objects.visible_to(request.user),
        org=org,
        state=filters.get("state") or "",
        age=filters.get("age") or "",
        edu=filters.get("edu") or "",
        appointed_year=filters.get("appointed_year"),
    )
    query = urlencode({k: (v.pk if k == "org" else v) for k, v in filters.items() if v})
    can_add = org is not None and services.is_village(org) and recording_orgs(request).filter(pk=org.pk).exists()
    return render(
        request,
        "cadres/list.html",
        {
            "form": form,
            "org": org,
            "page_obj": page_of(request, rows),
            "query": query,
            "can_add": can_add,
            "max_age": queries.rules()["reserve.max_age"],
        },
    )


@login_required
def cadre_create(request):
    """Add a reserve cadre to the village or community named by ``?org=``."""
    require_business(request)
    org = org_param(request, recording_orgs(request))
    if org is None or not services.is_village(org):
        raise Http404
    members = Member.objects.visible_to(request.user).current().filter(org_path__startswith=org.path)
    form = ReserveCadreForm(request.POST or None, members=members.order_by("name_pinyin", "id"), org=org)
    return form_page(
        request,
        form,
        lambda d: services.reserve_create(actor=request.user, org=org, data=form.service_data()),
        title=_("New reserve cadre · %(org)s") % {"org": org.name},
        back=reverse("reserve-list") + f"?org={org.pk}",
        success_url=lambda cadre: reverse("reserve-detail", args=[cadre.pk]),
    )


@login_required
def cadre_detail(request, pk: int):
    cadre = get_visible_or_404(ReserveCadre.objects.visible_to(request.user).select_related("org", "member"), pk=pk)
    return render(
        request,
        "cadres/detail.html",
        {
            "cadre": cadre,
            "age": cadre.age(),
            "max_age": queries.rules()["reserve.max_age"],
            "assessments": queries.assessments_of(cadre),
            "training": queries.training_of(cadre),
            "history": queries.history_of(cadre),
            "can_edit": ReserveCadre.objects.writable_by(request.user).filter(pk=pk).exists(),
            "can_reveal": not cadre.member_id and can_see_full_id(request.user),
        },
    )


def _writable(request, pk: int) -> ReserveCadre:
    return get_visible_or_404(ReserveCadre.objects.writable_by(request.user).select_related("org", "member"), pk=pk)


@login_required
def cadre_edit(request, pk: int):
    cadre = _writable(request, pk)
    person = not cadre.member_id
    initial = {name: getattr(cadre, name) for name in ReserveCadreForm.CADRE}
    if person:  # secrets are never sent back to the browser: empty means unchanged
        initial.update(name=cadre.name, education=cadre.education_own)
    initial["version"] = cadre.version
    form = ReserveCadreForm(request.POST or None, initial=initial, person=person)
    return form_page(
        request,
        form,
        lambda d: services.reserve_update(
            actor=request.user, cadre=cadre, data=form.service_data(), expected_version=d.get("version")
        ),
        title=_("Edit the reserve cadre"),
        back=reverse("reserve-detail", args=[pk]),
    )


class Step(NamedTuple):
    """One step of a cadre's record: its form, the page's title, the service and the service's
    arguments taken from the form (argument → field); ``versioned`` steps guard against a concurrent change."""

    form_class: type
    title: str
    service: Callable[..., Any]
    args: dict[str, str]
    versioned: bool = True


STEPS = {
    "appoint": Step(
        ReserveAppointForm,
        _("Appoint %(name)s"),
        services.reserve_appoint,
        {"on": "appointed_on", "post": "appointed_to"},
    ),
    "drop": Step(
        ReserveDropForm,
        _("Drop %(name)s from the pool"),
        services.reserve_drop,
        {"on": "dropped_on", "reason": "drop_reason"},
    ),
    "assess": Step(
        ReserveAssessForm,
        _("Yearly assessment of %(name)s"),
        services.reserve_assess,
        {"year": "year", "rating": "rating", "note": "note"},
        versioned=False,
    ),
}


@login_required
def cadre_step(request, pk: int, step: str):
    """Appoint, drop or assess a cadre."""
    if step not in STEPS:
        raise Http404
    cadre = _writable(request, pk)
    action = STEPS[step]
    form = action.form_class(request.POST or None, initial={"version": cadre.version} if action.versioned else None)

    def run(data):
        version = {"expected_version": data.get("version")} if action.versioned else {}
        args = {arg: data[field] for arg, field in action.args.items()}
        return action.service(actor=request.user, cadre=cadre, **args, **version)

    title = str(action.title) % {"name": cadre.person_name}
    return form_page(request, form, run, title=title, back=reverse("reserve-detail", args=[pk]))


@login_required
@require_POST
def cadre_reveal_id(request, pk: int):
    """Show a non-member cadre's full ID number to a role allowed to see it; every reveal is audited."""
    cadre = get_visible_or_404(ReserveCadre.objects.visible_to(request.user), pk=pk)
    if cadre.member_id or not can_see_full_id(request.user):
        raise Http404
    number = services.reveal_id_number(actor=request.user, cadre=cadre)
    return render(request, "members/_id_number.html", {"number": number})
