"""Community pages: the volunteer figures of a subtree with their drill-down, volunteer activities
with their service sheet on one screen, serving members' check-ins, and a member's own record.

Every page starts from ``visible_to(user)`` (reads) or ``writable_by(user)`` (writes); anything
outside the user's subtree is a 404. The member's own branch sees its members' hours served in other
communities (the service list, the member's record) but not those communities' activities.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.community import queries, services
from dangjian.community.forms import (
    ActivityFilterForm,
    ActivityForm,
    CheckInEditForm,
    CheckInEndForm,
    CheckInFilterForm,
    CheckInForm,
    DeleteForm,
    ServiceFilterForm,
)
from dangjian.community.models import MemberCheckIn, ServiceHours, VolunteerActivity
from dangjian.core.generic_views import CancelView, RecordFormView
from dangjian.core.models import AuditEvent
from dangjian.core.pages import (
    Figures,
    day_param,
    default_root,
    filtered_list,
    form_page,
    org_param,
    paged,
    recording_org,
    recording_orgs,
    require_business,
    year_param,
)
from dangjian.core.scoping import get_visible_or_404
from dangjian.members.models import Member
from dangjian.organizations.models import Organization, Sector


def _orgs(request):
    return Organization.objects.visible_to(request.user)


# --- The figures -----------------------------------------------------------------------------------------
@login_required
def index(request):
    require_business(request)
    return redirect("community-table")


@login_required
def table(request):
    """Activities, volunteers, person-times and hours, and the check-in rate, by child organization."""
    scope = Figures(request)
    data = queries.volunteer_table(scope.visible, scope.org, queries.Span.year(scope.year))
    return scope.render("community/table.html", table=data)


# --- Activities -------------------------------------------------------------------------------------------
@login_required
def activity_list(request):
    require_business(request)
    form, filters = ActivityFilterForm.from_query(request, _orgs(request))
    year = filters.get("year")
    qs = queries.activity_list(
        VolunteerActivity.objects.visible_to(request.user),
        org=filters.get("org"),
        span=queries.Span.year(year) if year else None,
        state=filters.get("state") or "",
        kind=filters.get("kind") or "",
    )
    return filtered_list(request, "community/activity_list.html", form, filters, qs)


def _sheet_members(org, day: dt.date, keep=()) -> tuple[list, set[int], object]:
    """Who the sheet lists: the members of the subtree on that day, then those checked in to it (marked);
    anyone already on the sheet stays listed so that their hours can be seen and removed.

    Above ``SHEET_LIMIT`` members (a township, the district) the sheet lists only those already on it,
    and the others are picked by search: the third value is then the queryset to pick from."""
    eligible = services.eligible_query(org, day)
    pick_from = eligible if eligible.count() > SHEET_LIMIT else None
    found = services.eligible_members(org, day, member_ids=list(keep) if pick_from is not None else None)
    missing = [pk for pk in keep if pk not in found]
    if missing:
        found.update(
            {m.pk: m for m in Member.objects.filter(pk__in=missing).only("id", "name", "org_path", "name_pinyin")}
        )
    outside = {pk for pk, m in found.items() if not m.org_path.startswith(org.path)}
    members = sorted(found.values(), key=lambda m: (m.pk in outside, m.name_pinyin, m.pk))
    return members, outside, pick_from


SHEET_LIMIT = 200  # members a sheet lists in full; a larger organization picks them by search


def _sheet_context(form) -> dict:
    return {"sheet": form.sheet_fields, "sheet_errors": form.errors.get("service")}


@login_required
def activity_create(request):
    require_business(request)
    orgs = recording_orgs(request)
    org = recording_org(request, orgs)
    if org is None:
        messages.info(request, _("Choose the organization whose activity you record."))
        return redirect("community-table")
    today = timezone.localdate()
    on = min(day_param(request.POST.get("held_on") or request.GET.get("on"), today), today)
    members, outside, pick_from = _sheet_members(org, on)
    form = ActivityForm(
        request.POST or None, initial={"held_on": on}, members=members, outside=outside, pick_from=pick_from, org=org
    )

    def create(cleaned):
        data = form.activity_data()
        data.pop("version", None)
        held = data.get("state") == VolunteerActivity.State.HELD
        return services.activity_create(actor=request.user, org=org, data=data, service=form.service() if held else [])

    if form.submitted(request, create):
        messages.success(request, _("Saved."))
        return redirect("community-activity", pk=form.result.pk)
    return render(
        request,
        "community/activity_form.html",
        {"form": form, "org": org, "title": _("Record a volunteer activity"), **_sheet_context(form)},
    )


@login_required
def activity_detail(request, pk: int):
    activity = get_visible_or_404(VolunteerActivity.objects.visible_to(request.user).select_related("org"), pk=pk)
    can_edit = VolunteerActivity.objects.writable_by(request.user).filter(pk=pk).exists()
    rows = list(activity.service.select_related("member", "member__org").order_by("member__name_pinyin", "member_id"))
    changes = AuditEvent.objects.filter(object_type="community.volunteeractivity", object_id=str(activity.pk)).order_by(
        "-id"
    )[:20]
    return render(
        request,
        "community/activity_detail.html",
        {
            "activity": activity,
            "rows": rows,
            "total": sum((r.hours for r in rows), queries.ZERO),
            "changes": changes,
            "can_edit": can_edit and activity.state != VolunteerActivity.State.CANCELLED,
            "can_delete": can_edit,
        },
    )


@login_required
def activity_edit(request, pk: int):
    activity = get_visible_or_404(
        VolunteerActivity.objects.writable_by(request.user)
        .exclude(state=VolunteerActivity.State.CANCELLED)
        .select_related("org"),
        pk=pk,
    )
    today = timezone.localdate()
    stored = dict(activity.service.values_list("member_id", "hours"))
    on = min(day_param(request.POST.get("held_on"), activity.held_on), today)
    members, outside, pick_from = _sheet_members(activity.org, on, keep=stored)
    initial = {name: getattr(activity, name) for name in ActivityForm.FIELDS}
    initial["version"] = activity.version
    if activity.state == VolunteerActivity.State.PLANNED and request.GET.get("held") == "1":
        initial["state"] = VolunteerActivity.State.HELD
        initial["held_on"] = min(activity.held_on, today)
    form = ActivityForm(
        request.POST or None,
        initial=initial,
        members=members,
        hours_initial=stored,
        outside=outside,
        pick_from=pick_from,
        org=activity.org,
    )

    def update(cleaned):
        data = form.activity_data()
        data.pop("version", None)
        held = data.get("state") == VolunteerActivity.State.HELD
        services.activity_update(
            actor=request.user,
            activity=activity,
            data=data,
            service=form.service() if held else [],
            expected_version=cleaned.get("version"),
        )

    if form.submitted(request, update):
        messages.success(request, _("Saved."))
        return redirect("community-activity", pk=activity.pk)
    return render(
        request,
        "community/activity_form.html",
        {
            "form": form,
            "org": activity.org,
            "activity": activity,
            "title": _("Change the activity"),
            **_sheet_context(form),
        },
    )


activity_cancel = CancelView.as_view(
    queryset=lambda request: VolunteerActivity.objects.writable_by(request.user).exclude(
        state=VolunteerActivity.State.CANCELLED
    ),
    cancel=services.activity_cancel,
    record_arg="activity",
    success_url="community-activity",
    title=gettext_lazy("Cancel the activity"),
    success_message=gettext_lazy("The activity is cancelled."),
)


activity_delete = RecordFormView.as_view(
    queryset=lambda request: VolunteerActivity.objects.writable_by(request.user).select_related("org"),
    form_class=DeleteForm,
    initial=lambda activity: {"version": activity.version},
    service=lambda request, activity, d: services.activity_delete(
        actor=request.user, activity=activity, expected_version=d.get("version")
    ),
    success_url=lambda activity: f"{reverse('community-activities')}?org={activity.org_id}",
    back_url="community-activity",
    title=lambda activity: _("Delete the activity %(title)s") % {"title": activity},
    success_message=gettext_lazy("The activity is deleted."),
    danger=True,
)


# --- Service rows (the drill-down of the figures) -----------------------------------------------------------
@login_required
def service_list(request):
    require_business(request)
    form, filters = ServiceFilterForm.from_query(request, _orgs(request))
    year = filters.get("year")
    side = filters.get("side") or "member"
    qs = queries.service_list(
        ServiceHours.objects.visible_to(request.user),
        org=filters.get("org"),
        side=side,
        span=queries.Span.year(year) if year else None,
    )
    page, query = paged(request, qs)
    shown = VolunteerActivity.objects.visible_to(request.user).filter(pk__in={r.activity_id for r in page})
    visible_activities = set(shown.values_list("pk", flat=True))
    return render(
        request,
        "community/service_list.html",
        {
            "form": form,
            "page_obj": page,
            "query": query,
            "org": filters.get("org"),
            "side": side,
            "visible_activities": visible_activities,
        },
    )


@login_required
def serving(request):
    """Serving members of the subtree and where each is checked in (``?missing=1``: those who are not)."""
    require_business(request)
    org = org_param(request, _orgs(request)) or default_root(request)
    missing = request.GET.get("missing") == "1"
    qs = queries.serving_list(Member.objects.visible_to(request.user), org=org, missing=missing)
    page, query = paged(request, qs)
    return render(request, "community/serving.html", {"page_obj": page, "query": query, "org": org, "missing": missing})


# --- Check-ins ------------------------------------------------------------------------------------------------
@login_required
def checkin_list(request):
    require_business(request)
    form, filters = CheckInFilterForm.from_query(request, _orgs(request))
    qs = queries.checkin_list(
        MemberCheckIn.objects.visible_to(request.user),
        org=filters.get("org"),
        side=filters.get("side") or "",
        state=filters.get("state") or "",
        q=filters.get("q") or "",
    )
    page, query = paged(request, qs)
    writable = set(
        MemberCheckIn.objects.writable_by(request.user).filter(pk__in=[c.pk for c in page]).values_list("pk", flat=True)
    )
    return render(
        request,
        "community/checkin_list.html",
        {
            "form": form,
            "page_obj": page,
            "query": query,
            "org": filters.get("org"),
            "writable": writable,
            "can_record": _communities(request).exists(),
        },
    )


def _communities(request):
    return recording_orgs(request).filter(sector=Sector.COMMUNITY)


@login_required
def checkin_create(request):
    """A community records a serving member who checked in, found by ID number and name."""
    require_business(request)
    communities = _communities(request)
    initial = {"checked_in_on": timezone.localdate()}
    chosen = org_param(request, communities)
    if chosen is not None:
        initial["org"] = chosen
    elif communities.count() == 1:
        initial["org"] = communities.first()
    form = CheckInForm(request.POST or None, initial=initial, communities=communities)

    def create(data):
        member = queries.member_by_id_number(data["id_number"], data["name"])
        if member is None:
            raise ValidationError({"id_number": _("No current member with this ID number and name.")})
        return services.checkin_create(
            actor=request.user,
            member=member,
            org=data["org"],
            data={k: data[k] for k in ("checked_in_on", "offers", "note")},
        )

    return form_page(
        request,
        form,
        create,
        title=_("Record a member's check-in"),
        back=reverse("community-checkins"),
        success_url=lambda checkin: f"{reverse('community-checkins')}?org={form.cleaned_data['org'].pk}",
    )


def _checkins_of(checkin) -> str:
    return f"{reverse('community-checkins')}?org={checkin.org_id}"


def _checkin_list(checkin) -> str:
    return reverse("community-checkins")


checkin_edit = RecordFormView.as_view(  # what a checked-in member offers, or the note (the community side)
    queryset=lambda request: MemberCheckIn.objects.writable_by(request.user).select_related("member"),
    form_class=CheckInEditForm,
    initial=lambda checkin: {"offers": checkin.offers, "note": checkin.note, "version": checkin.version},
    service=lambda request, checkin, d: services.checkin_update(
        actor=request.user,
        checkin=checkin,
        data={"offers": d["offers"], "note": d["note"]},
        expected_version=d.get("version"),
    ),
    success_url=_checkins_of,
    back_url=_checkin_list,
    title=lambda checkin: _("Change the check-in of %(name)s") % {"name": checkin.member.name},
)
checkin_end = RecordFormView.as_view(
    queryset=lambda request: (
        MemberCheckIn.objects.writable_by(request.user).filter(ended_on__isnull=True).select_related("member")
    ),
    form_class=CheckInEndForm,
    initial=lambda checkin: {"ended_on": timezone.localdate(), "version": checkin.version},
    service=lambda request, checkin, d: services.checkin_end(
        actor=request.user, checkin=checkin, ended_on=d["ended_on"], expected_version=d.get("version")
    ),
    success_url=_checkins_of,
    back_url=_checkin_list,
    title=lambda checkin: _("End the check-in of %(name)s") % {"name": checkin.member.name},
)


# --- A member's own record --------------------------------------------------------------------------------------
def _record(request, member, visible_hours, visible_checkins, template_extra: dict):
    year = year_param(request)
    record = queries.member_record(visible_hours, visible_checkins, member, queries.Span.year(year))
    shown = VolunteerActivity.objects.visible_to(request.user).filter(pk__in={r.activity_id for r in record.rows})
    today = timezone.localdate()
    return render(
        request,
        "community/member_record.html",
        {
            "member": member,
            "record": record,
            "year": year,
            "years": range(today.year, today.year - 6, -1),
            "visible_activities": set(shown.values_list("pk", flat=True)),
            **template_extra,
        },
    )


@login_required
def member_record(request, pk: int):
    """The volunteer service of a member the user may see (their own branch sees it all)."""
    member = get_visible_or_404(Member.objects.visible_to(request.user).select_related("org"), pk=pk)
    return _record(
        request,
        member,
        ServiceHours.objects.visible_to(request.user),
        MemberCheckIn.objects.visible_to(request.user),
        {"own": False},
    )


@login_required
def me(request):
    """我的志愿服务: the logged-in member's own service and check-ins."""
    member = Member.objects.filter(user=request.user).select_related("org").first()
    if member is None:
        raise Http404
    return _record(request, member, ServiceHours.objects.all(), MemberCheckIn.objects.all(), {"own": True})
