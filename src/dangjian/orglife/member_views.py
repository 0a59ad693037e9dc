"""A member's own organizational life (``/orglife/mine/``): the planned meetings of their branch and
party group, their attendance record, and the results of their democratic appraisals.

Scoped to the member themself: the meetings are those of the organization their record is in and of
the party group they are in; the attendance and appraisals are their own rows. A user without a
current member record gets a 404; organizers and secretaries keep ``/orglife/`` (the compliance
pages), a member who is nothing else is sent here from it.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from dangjian.core.pages import paged, year_param
from dangjian.core.roles import Role
from dangjian.core.scoping import has_role
from dangjian.members.models import Member
from dangjian.orglife import queries, views


@login_required
def index(request):
    """``/orglife/``: the business pages for organizers and secretaries, the member's own page for a member."""
    if not has_role(request.user, Role.ORGANIZER, Role.SECRETARY) and has_role(request.user, Role.MEMBER):
        return redirect("orglife-mine")
    return views.index(request)


@login_required
def mine(request):
    member = Member.objects.current().filter(user=request.user).select_related("org").first()
    if member is None:
        raise Http404
    today = timezone.localdate()
    year = year_param(request)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    page, query = paged(request, queries.member_attendance(member, start, end))
    summary = queries.attendance_summary([member.pk], start, end)[member.pk]
    return render(
        request,
        "orglife/mine.html",
        {
            "member": member,
            "year": year,
            "years": range(today.year, max(member.joined_on.year, today.year - 9) - 1, -1),
            "upcoming": queries.upcoming_meetings(today, org_ids=queries.member_org_ids(member, today)),
            "summary": summary,
            "page_obj": page,
            "query": query,
            "appraisals": list(queries.member_appraisals(member)),
        },
    )
