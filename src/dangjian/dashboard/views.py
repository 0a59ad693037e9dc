"""The home page: what needs doing in the user's subtrees, and their organizations at a glance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from dangjian.organizations.queries import subtree_org_breakdown, subtree_warnings, visible_organizations, visible_roots


@login_required
def home(request):
    roots = list(visible_roots(request.user))
    warnings = subtree_warnings(visible_organizations(request.user)) if roots else []
    summaries = [(root, subtree_org_breakdown(root.path)) for root in roots[:5]]
    return render(
        request,
        "dashboard/home.html",
        {
            "roots": roots,
            "warnings": warnings[:10],
            "warning_count": len(warnings),
            "summaries": summaries,
        },
    )
