"""The dashboard with charts (``/dashboard/``) and its wall display (``/dashboard/wall/``): a subtree
(``?org=``, the user's topmost by default; a 404 outside what they see) over a period (``core.spans``),
for organizers and secretaries only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from dangjian.core import parameters, tree
from dangjian.core.pages import Figures
from dangjian.core.spans import span_choices, span_param
from dangjian.dashboard import charts


class _Scope(Figures):
    """The figures-page scope with a period instead of a year."""

    def __init__(self, request):
        super().__init__(request)
        self.span = span_param(request)
        self.children = list(self.visible.filter(parent=self.org, dissolved_on__isnull=True).order_by("path"))

    def context(self) -> dict:
        found = charts.all_charts(self.request.user, self.visible, self.org, self.children, self.span)
        return {
            "org": self.org,
            "span": self.span,
            "spans": span_choices(),
            "charts": found,
            "chart_data": [c.as_json() for c in found],
            "ancestors": self.visible.filter(path__in=tree.ancestors(self.org.path)).order_by("path"),
        }


@login_required
def dashboard(request):
    scope = _Scope(request)
    return render(request, "dashboard/charts.html", scope.context())


@login_required
def wall(request):
    scope = _Scope(request)
    seconds = parameters.get("dashboard.wall_seconds")
    return render(request, "dashboard/wall.html", {**scope.context(), "seconds": seconds})
