"""The home page: what is due for the user, by role.

- a secretary (a grant over a branch): the branch's meetings due and overdue this period, the
  reminders (the same items the daily job sends), planned meetings, claims and requests waiting,
  members whose probation ends soon;
- a township or the department: the subtree's overdue periods by kind (each count links to the
  filtered list), approvals waiting, the key figures (members, organizations, this year's rate),
  and the organizations' data-quality warnings;
- a member: their next meetings, their points this year, their post and duties, their requests.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from dangjian.core.roles import Role
from dangjian.core.scoping import has_role
from dangjian.dashboard import homes
from dangjian.organizations.queries import subtree_warnings, visible_organizations, visible_roots

ROOTS_SHOWN = 3  # a user with grants over many organizations gets the first few; the lists hold the rest


@login_required
def home(request):
    user = request.user
    today = timezone.localdate()
    roots = list(visible_roots(user)[: ROOTS_SHOWN + 1])
    branches = [homes.branch_home(user, r, today) for r in roots[:ROOTS_SHOWN] if r.level in homes.BRANCH_LEVELS]
    subtrees = [homes.subtree_home(user, r, today) for r in roots[:ROOTS_SHOWN] if r.level not in homes.BRANCH_LEVELS]
    warnings = subtree_warnings(visible_organizations(user)) if subtrees else []
    return render(
        request,
        "dashboard/home.html",
        {
            "today": today,
            "roots": roots,
            "more_roots": len(roots) > ROOTS_SHOWN,
            "branches": branches,
            "subtrees": subtrees,
            "waiting": homes.waiting_for(user) if roots else [],
            "warnings": warnings[:10],
            "warning_count": len(warnings),
            "mine": homes.member_home(user, today) if has_role(user, Role.MEMBER) else None,
        },
    )
