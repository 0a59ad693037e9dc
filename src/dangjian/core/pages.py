"""Small helpers the apps' pages share: who may open the business pages, and reading the query string."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core import tree
from dangjian.core.models import organization_model
from dangjian.core.roles import WRITE_ROLES, Role
from dangjian.core.scoping import get_visible_or_404, has_role, paths_for

SAVED = _("Saved.")


def form_page(request, form, call, *, title, back: str, success_url=None, message=SAVED):
    """A form page (``core/simple_form.html``): when ``form.submitted(request, call)`` — the service ran —
    ``message`` (none when empty) and a redirect to ``success_url`` (a URL, or a function of what the
    service returned; ``back`` by default); otherwise the form with its ``title`` and a ``back`` link."""
    if form.submitted(request, call):
        if message:
            messages.success(request, str(message))
        target = success_url or back
        return redirect(target(form.result) if callable(target) else target)
    return render(request, "core/simple_form.html", {"form": form, "title": title, "back": back})


def require_role(user, *roles: str) -> None:
    """Pages outside the user's roles do not exist for them (a 404)."""
    if not has_role(user, *roles):
        raise Http404


def require_business(request) -> None:
    """The business pages (records, figures) are for organizers and secretaries; a 404 for everyone else."""
    if not has_role(request.user, Role.ORGANIZER, Role.SECRETARY):
        raise Http404


def year_param(request) -> int:
    """The year of ``?year=``: this year when it is missing, not a number, or outside 2000 … next year."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


def day_param(value: str | None, default: dt.date) -> dt.date:
    """An ISO date from a query string or a post, or ``default`` when it is missing or not a date."""
    try:
        return dt.date.fromisoformat(value) if value else default
    except (TypeError, ValueError):
        return default


def page_of(request, rows) -> Page:
    """The page of ``rows`` that ``?page=`` asks for, ``settings.PAGE_SIZE`` rows long (the last page
    when the number is too large, the first when it is not a number)."""
    return Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def paged(request, rows) -> tuple[Page, str]:
    """:func:`page_of`, and the query string without ``page`` for the pager's links."""
    params = request.GET.copy()
    params.pop("page", None)
    return page_of(request, rows), params.urlencode()


def filtered_list(request, template_name: str, form, filters: dict, rows, **context):
    """A list under its filter bar (``FilterForm.from_query``): the page of ``rows`` and the pager's query."""
    page, query = paged(request, rows)
    scope = {"form": form, "page_obj": page, "query": query, "org": filters.get("org")}
    return render(request, template_name, {**scope, **context})


def org_param(request, visible, name: str = "org"):
    """The organization named by ``?org=`` (or ``name``), None without one, a 404 when not in ``visible``."""
    value = request.GET.get(name)
    if not value:
        return None
    return get_visible_or_404(visible, pk=value)


def with_org(request, visible, initial: dict) -> dict:
    """A new record's form ``initial`` with the organization ``?org=`` names (by key; a 404 when it is
    not in ``visible``), so that a page's "new" button opens on the organization it was shown for."""
    chosen = org_param(request, visible)
    return initial if chosen is None else {**initial, "org": chosen.pk}


def recording_orgs(request):
    """Organizations whose records the user keeps (an organizer's or a secretary's subtree), not dissolved."""
    return organization_model().objects.accepting_members_from(request.user).filter(dissolved_on__isnull=True)


def recording_org(request, orgs, levels=()):
    """The organization of ``?org=`` (a 404 outside ``orgs``), or else the user's own one when they are
    organizer or secretary of exactly one of ``orgs`` (of one of ``levels``); None: they must choose."""
    org = org_param(request, orgs)
    if org is not None:
        return org
    grants = paths_for(request.user, {Role.ORGANIZER, Role.SECRETARY})
    mine = list(orgs.filter(path__in=grants)[:2])
    if len(mine) != 1 or (levels and mine[0].level not in levels):
        return None
    return mine[0]


def default_root(request):
    """The user's topmost organization, where a page without ``?org=`` starts; a 404 for a user with none."""
    paths = paths_for(request.user, WRITE_ROLES)
    roots = list(organization_model().objects.filter(path__in=paths).order_by("path")[:1])
    if not roots:
        raise Http404
    return roots[0]


def recent_years() -> range:
    """This year and the five before it, newest first (a figures page's year picker)."""
    this = timezone.localdate().year
    return range(this, this - 6, -1)


class Figures:
    """The scope of a figures page (``?org=&year=``), for organizers and secretaries only (a 404 for
    everyone else): the organizations the user sees, the one of ``?org=`` (their topmost by default)
    and the year of ``?year=`` (this year by default)."""

    def __init__(self, request):
        require_business(request)
        self.request = request
        self.visible = organization_model().objects.visible_to(request.user)
        self.org = org_param(request, self.visible) or default_root(request)
        self.year = year_param(request)

    def render(self, template_name: str, **context):
        """The page, with ``org``, ``year``, ``years`` and ``ancestors`` (those of ``org`` the user sees)."""
        ancestors = self.visible.filter(path__in=tree.ancestors(self.org.path)).order_by("path")
        scope = {"org": self.org, "year": self.year, "years": recent_years(), "ancestors": ancestors}
        return render(self.request, template_name, {**scope, **context})
