"""Organizational-life pages: compliance (table, drill-down, branch calendar), recording meetings
on one screen, life-meeting follow-ups, the appraisal of members, the requirements and
the reminder inbox.

Every page starts from ``visible_to(user)`` (reads) or ``writable_by(user)`` (writes); anything
outside the user's subtree is a 404.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangjian.core import tree
from dangjian.core.generic_views import CancelView, EndView, ReviseView
from dangjian.core.models import AuditEvent
from dangjian.core.pages import (
    Figures,
    day_param,
    default_root,
    filtered_list,
    form_page,
    org_param,
    page_of,
    paged,
    recording_org,
    recording_orgs,
    require_business,
    year_param,
)
from dangjian.core.roles import Role
from dangjian.core.scoping import get_visible_or_404, paths_for
from dangjian.members.queries import roster
from dangjian.organizations.models import Level, Organization
from dangjian.organizations.queries import ancestors_of, visible_roots
from dangjian.orglife import attachments, queries, services
from dangjian.orglife.forms import (
    LEAVE_REASONS,
    NOT_EXPECTED,
    AppraisalForm,
    AppraisalOpenForm,
    ComplianceFilterForm,
    FollowUpForm,
    LifeFollowUpForm,
    MeetingFilterForm,
    MeetingForm,
    RequirementForm,
)
from dangjian.orglife.models import (
    TEAM,
    Appraisal,
    AppraisalEntry,
    AppraisalFollowUp,
    Attendance,
    LifeMeetingFollowUp,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    MeetingRequirement,
    Reminder,
)
from dangjian.orglife.periods import QUARTER_NAMES


def _orgs(request):
    return Organization.objects.visible_to(request.user)


def _open_meetings(request):
    """Meetings the user may change: in their subtree, not cancelled."""
    return Meeting.objects.writable_by(request.user).exclude(state=Meeting.State.CANCELLED)


# --- Compliance -------------------------------------------------------------------------------------
@login_required
def index(request):
    """A secretary of one branch goes to its calendar; everyone else to the compliance table."""
    require_business(request)
    roots = list(visible_roots(request.user)[:2])
    if len(roots) == 1 and roots[0].level in (Level.BRANCH, Level.PARTY_GROUP):
        return redirect("orglife-calendar", pk=roots[0].pk)
    return redirect("orglife-compliance")


@login_required
def compliance(request):
    """Rates per child organization (per township at the district) and per sector, for a year."""
    scope = Figures(request)
    if scope.org.level in (Level.BRANCH, Level.PARTY_GROUP):
        return redirect(f"{reverse('orglife-calendar', args=[scope.org.pk])}?year={scope.year}")
    quarter = quarter_param(request)
    return scope.render(
        "orglife/compliance.html",
        table=queries.compliance_table(scope.visible, scope.org, scope.year, quarter=quarter),
        quarter=quarter,
        quarter_label=QUARTER_NAMES[quarter] if quarter else "",
        quarters=list(QUARTER_NAMES.items()),
    )


def quarter_param(request) -> int | None:
    """The quarter of ``?quarter=`` (1–4); the whole year when it is missing or anything else."""
    value = request.GET.get("quarter") or ""
    return int(value) if value in {"1", "2", "3", "4"} else None


@login_required
def compliance_orgs(request):
    """The organizations behind a rate, with their periods (one kind) or their tallies (all kinds)."""
    require_business(request)
    visible = _orgs(request)
    form, filters = ComplianceFilterForm.from_query(request, visible)
    org = filters.get("org") or default_root(request)
    year = filters.get("year") or timezone.localdate().year
    kind = filters.get("kind") or ""
    quarter = filters.get("quarter")
    rows, periods = queries.compliance_drilldown(
        visible,
        org,
        year,
        kind=kind,
        sector=filters.get("sector") or "",
        status=filters.get("status") or "",
        quarter=quarter,
    )
    page, query = paged(request, rows)
    kinds = [(k, label) for k, label in queries.RequirementKind.choices if not kind or k == kind]
    for row in page:
        row.calendar_url = f"{reverse('orglife-calendar', args=[row.org.id])}?year={year}"
        row.kind_tallies = [row.by_kind.get(k) for k, _label in kinds]
        if kind:
            by_period = {c.period: c for c in row.cells}
            row.period_cells = [by_period.get(p) for p in periods]
    return render(
        request,
        "orglife/compliance_orgs.html",
        {
            "form": form,
            "org": org,
            "year": year,
            "quarter": quarter,
            "kind": kind,
            "kinds": kinds,
            "periods": periods,
            "page_obj": page,
            "query": query,
        },
    )


@login_required
def calendar(request, pk: int):
    """One organization's year: its meetings month by month and each obligation with its status."""
    require_business(request)
    org = get_visible_or_404(_orgs(request).select_related("parent"), pk=pk)
    year = year_param(request)
    today = timezone.localdate()
    months, cells = queries.branch_calendar(org, year, queries.as_of(year, today) if year != today.year else today)
    can_record = org.dissolved_on is None and recording_orgs(request).filter(pk=org.pk).exists()
    now = [c for c in cells if c.period.contains(today)]
    queries.attach_planned(org, now)  # "Record" on a period with a planned meeting completes that meeting
    return render(
        request,
        "orglife/calendar.html",
        {
            "org": org,
            "year": year,
            "months": months,
            "now": now,
            "today": today,
            "this_month": today.year * 100 + today.month,
            "can_record": can_record,
            "years": range(today.year + 1, today.year - 6, -1),
            "ancestors": ancestors_of(org).filter(pk__in=_orgs(request).values("pk")),
        },
    )


# --- Meetings ----------------------------------------------------------------------------------------
@login_required
def meeting_list(request):
    require_business(request)
    visible = _orgs(request)
    form, filters = MeetingFilterForm.from_query(request, visible)
    qs = queries.meeting_list(
        Meeting.objects.visible_to(request.user),
        org=filters.get("org"),
        kind=filters.get("kind") or "",
        state=filters.get("state") or "",
        year=filters.get("year"),
        month=filters.get("month"),
    )
    return filtered_list(request, "orglife/meeting_list.html", form, filters, qs)


def _team_initial(org, kinds, members, committee=()) -> dict:
    """Who a committee or group meeting expects: the committee of the day when one is recorded,
    else those of the last such meeting, else the post holders."""
    if committee:
        expected = {m.pk for m in committee}
    else:
        last = queries.previous_meeting(org, kinds=kinds)
        if last is not None:
            expected = set(last.attendance.values_list("member_id", flat=True))
        else:
            expected = {m.pk for m in members if m.holds_post}
    return {m.pk: ("present" if m.pk in expected else NOT_EXPECTED, "", False) for m in members}


def _committee_first(committee: list, members: list) -> list:
    """The sheet of a committee meeting: the committee first (by post), then everyone else."""
    if not committee:
        return members
    seated = {m.pk for m in committee}
    return [*committee, *(m for m in members if m.pk not in seated)]


def _dual_initial(org) -> set[int]:
    """Members recorded as leading cadres at the organization's last meeting (record once)."""
    last = queries.previous_meeting(org)
    if last is None:
        return set()
    return set(last.attendance.filter(dual_life=True).values_list("member_id", flat=True))


def _uploads(request, form) -> list:
    """Check every uploaded file before anything is written; errors go on the form."""
    files = request.FILES.getlist("files")
    for upload in files:
        try:
            attachments.check_upload(upload)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
    if len(files) > attachments.max_per_meeting():
        form.add_error(None, _("A meeting keeps at most %(n)d files.") % {"n": attachments.max_per_meeting()})
    return files


def _sheet_context() -> dict:
    return {"leave_reasons": [str(r) for r in LEAVE_REASONS], "team_kinds": sorted(TEAM)}


@login_required
def meeting_create(request):
    """Record a meeting on one screen: kinds, date, place, topic, who ran it, the attendance sheet."""
    require_business(request)
    orgs = recording_orgs(request)
    org = recording_org(request, orgs, levels=(Level.BRANCH, Level.PARTY_GROUP, Level.GENERAL_BRANCH))
    if org is None:
        messages.info(request, _("Choose the organization whose meeting you record."))
        return redirect("orglife-compliance")
    today = timezone.localdate()
    on = day_param(request.POST.get("held_on") or request.GET.get("on"), today)
    members = roster(org, min(on, today))
    kind = request.GET.get("kind", "")
    kinds = [kind] if kind in MeetingKind.values else []
    last = queries.previous_meeting(org)
    initial = {
        "state": "planned" if request.GET.get("state") == "planned" else "held",
        "kinds": kinds,
        "held_on": on,
        "place": last.place if last else "",
        "host": (last.host if last else "") or (org.secretary.name if org.secretary_id else ""),
        "recorder": last.recorder if last else "",
    }
    committee = services.committee_of_meeting(org, min(on, today), kinds)
    members = _committee_first(committee, members)
    if kinds and set(kinds) & TEAM:
        sheet = _team_initial(org, kinds, members, committee)
    else:
        dual = _dual_initial(org)
        sheet = {m.pk: ("present", "", m.pk in dual) for m in members}
    form = MeetingForm(request.POST or None, initial=initial, level=org.level, members=members, sheet_initial=sheet)
    files = _uploads(request, form) if request.method == "POST" else []
    duplicates: list[Meeting] = []

    @transaction.atomic
    def create(cleaned):
        data = form.meeting_data()
        held = data.get("state") == Meeting.State.HELD
        try:
            meeting = services.meeting_create(
                actor=request.user,
                org=org,
                data=data,
                attendance=cleaned["attendance"] if held else [],
                allow_duplicate=request.POST.get("confirm_duplicate") == "1",
            )
        except services.DuplicateMeetingError as exc:
            duplicates.extend(exc.existing)  # asked on the form: a checkbox confirms a second meeting
            raise
        for upload in files:
            attachments.attachment_add(actor=request.user, meeting=meeting, upload=upload)
        return meeting

    if form.submitted(request, create):
        messages.success(request, _("Saved."))
        return redirect("orglife-meeting", pk=form.result.pk)
    context = {"form": form, "org": org, "title": _("Record a meeting"), "duplicates": duplicates}
    if not duplicates:  # planned meetings near the day: record one of them rather than add another
        context["planned"] = queries.planned_near(org, on)
    return render(request, "orglife/meeting_form.html", {**context, **_sheet_context()})


@login_required
def meeting_detail(request, pk: int):
    meeting = get_visible_or_404(Meeting.objects.visible_to(request.user).select_related("org"), pk=pk)
    can_edit = Meeting.objects.writable_by(request.user).filter(pk=pk).exists()
    changes = AuditEvent.objects.filter(object_type="orglife.meeting", object_id=str(meeting.pk)).order_by("-id")[:20]
    return render(
        request,
        "orglife/meeting_detail.html",
        {
            "meeting": meeting,
            "quorum_basis": queries.quorum_basis(meeting),
            "attendance": queries.attendance_of(meeting),
            "files": meeting.attachments.all(),
            "items": meeting.follow_ups.all(),
            "changes": changes,
            "can_edit": can_edit and meeting.state != Meeting.State.CANCELLED,
            "today": timezone.localdate(),
            "max_mb": f"{attachments.max_bytes() / 1024 / 1024:g}",
        },
    )


@login_required
def meeting_edit(request, pk: int):
    """Change a meeting; a planned one is recorded as held here (``?held=1``)."""
    meeting = get_visible_or_404(_open_meetings(request).select_related("org"), pk=pk)
    org = meeting.org
    today = timezone.localdate()
    becoming_held = meeting.state == Meeting.State.PLANNED and request.GET.get("held") == "1"
    on = day_param(request.POST.get("held_on"), meeting.held_on)
    sheet = services.sheet_for(org, min(on, today), meeting, meeting.kinds)
    members = sorted(sheet.members.values(), key=lambda m: (m.name_pinyin, m.pk))
    committee = [sheet.members[pk] for pk in sheet.committee_ids or ()]
    if committee:
        members = _committee_first(sorted(committee, key=lambda m: (m.name_pinyin, m.pk)), members)
    rows = {r.member_id: r for r in meeting.attendance.all()}
    if meeting.state == Meeting.State.HELD:
        default = NOT_EXPECTED if meeting.is_team else Attendance.Status.ABSENT
        seated = sheet.committee_ids or set()
        sheet_initial = {
            m.pk: (rows[m.pk].status, rows[m.pk].reason, rows[m.pk].dual_life)
            if m.pk in rows
            else (Attendance.Status.ABSENT if m.pk in seated else default, "", False)
            for m in members
        }
    elif meeting.is_team:
        sheet_initial = _team_initial(org, meeting.kinds, members, committee)
    else:
        dual = _dual_initial(org)
        sheet_initial = {m.pk: ("present", "", m.pk in dual) for m in members}
    initial = {name: getattr(meeting, name) for name in MeetingForm.FIELDS}
    initial["version"] = meeting.version
    if becoming_held:
        initial["state"] = Meeting.State.HELD
        initial["held_on"] = min(meeting.held_on, today)
    form = MeetingForm(
        request.POST or None, initial=initial, level=org.level, members=members, sheet_initial=sheet_initial
    )

    def update(cleaned):
        data = form.meeting_data()
        attendance = cleaned["attendance"] if data.get("state") == Meeting.State.HELD else []
        services.meeting_update(
            actor=request.user,
            meeting=meeting,
            data=data,
            attendance=attendance,
            expected_version=cleaned.get("version"),
        )

    if form.submitted(request, update):
        messages.success(request, _("Saved."))
        return redirect("orglife-meeting", pk=meeting.pk)
    title = _("Record the meeting as held") if becoming_held else _("Edit the meeting")
    return render(
        request,
        "orglife/meeting_form.html",
        {"form": form, "org": org, "meeting": meeting, "title": title, **_sheet_context()},
    )


meeting_cancel = CancelView.as_view(
    queryset=lambda request: _open_meetings(request).select_related("org"),
    cancel=services.meeting_cancel,
    record_arg="meeting",
    success_url="orglife-meeting",
    title=gettext_lazy("Cancel the meeting"),
    success_message=gettext_lazy("The meeting is cancelled; it no longer counts."),
)


@login_required
@require_POST
def attachment_upload(request, pk: int):
    meeting = get_visible_or_404(_open_meetings(request), pk=pk)
    files = request.FILES.getlist("files")
    if not files:
        messages.error(request, _("Choose a file."))
        return redirect("orglife-meeting", pk=meeting.pk)
    try:
        with transaction.atomic():
            for upload in files:
                attachments.attachment_add(actor=request.user, meeting=meeting, upload=upload)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved."))
    return redirect("orglife-meeting", pk=meeting.pk)


@login_required
def attachment_file(request, pk: int):
    """Serve a stored photo or PDF to whoever may see its meeting (404 for everyone else)."""
    attachment = get_visible_or_404(MeetingAttachment.objects.visible_to(request.user), pk=pk)
    path = attachments.path_of(attachment)
    if not path.is_file():
        raise Http404
    response = FileResponse(open(path, "rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(False, attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def attachment_delete(request, pk: int):
    attachment = get_visible_or_404(
        MeetingAttachment.objects.writable_by(request.user).select_related("meeting"), pk=pk
    )
    meeting_pk = attachment.meeting_id
    attachments.attachment_delete(actor=request.user, attachment=attachment)
    messages.success(request, _("Deleted."))
    return redirect("orglife-meeting", pk=meeting_pk)


# --- Follow-ups of life meetings (整改事项) ----------------------------------------------------------------
@login_required
def life_follow_up_create(request, pk: int):
    meeting = get_visible_or_404(_open_meetings(request).select_related("org"), pk=pk)
    if not meeting.is_life_meeting:
        raise Http404
    form = LifeFollowUpForm(request.POST or None, initial={"status": LifeMeetingFollowUp.Status.OPEN})
    return form_page(
        request,
        form,
        lambda d: services.life_follow_up_create(
            actor=request.user, meeting=meeting, data=form.data_for(LifeFollowUpForm.FIELDS)
        ),
        title=_("Add a rectification item"),
        back=reverse("orglife-meeting", args=[meeting.pk]),
    )


@login_required
def life_follow_up_edit(request, pk: int):
    item = get_visible_or_404(LifeMeetingFollowUp.objects.writable_by(request.user).select_related("meeting"), pk=pk)
    initial = {name: getattr(item, name) for name in LifeFollowUpForm.FIELDS}
    initial["version"] = item.version
    form = LifeFollowUpForm(request.POST or None, initial=initial)

    def update(cleaned):
        data = form.data_for([f for f in LifeFollowUpForm.FIELDS if f in form.changed_data])
        if "status" in data or "completed_on" in data:
            data["status"] = cleaned["status"]
            data["completed_on"] = cleaned["completed_on"]
        services.life_follow_up_update(
            actor=request.user, item=item, data=data, expected_version=cleaned.get("version")
        )

    back = reverse("orglife-meeting", args=[item.meeting_id])
    return form_page(request, form, update, title=_("Rectification item"), back=back)


@login_required
def life_follow_up_list(request):
    """Follow-ups of the life meetings of the subtree, the open ones first, overdue ones marked."""
    require_business(request)
    visible = _orgs(request)
    org = org_param(request, visible)
    qs = LifeMeetingFollowUp.objects.visible_to(request.user).select_related("org", "meeting")
    if org is not None:
        qs = qs.filter(tree.subtree_q("org_path", org.path))
    state = request.GET.get("status", "open")
    if state in LifeMeetingFollowUp.Status.values:
        qs = qs.filter(status=state)
    page, query = paged(request, qs.order_by("status", "due_on", "id"))
    return render(
        request,
        "orglife/life_follow_up_list.html",
        {"page_obj": page, "org": org, "status": state, "today": timezone.localdate(), "query": query},
    )


# --- Requirements ----------------------------------------------------------------------------------------
def _can_edit_rules(request) -> bool:
    return any(tree.depth(p) == 1 for p in paths_for(request.user, {Role.ORGANIZER}))


@login_required
def requirement_list(request):
    """The rules in force and their history. Organizers at the root change them."""
    require_business(request)
    today = timezone.localdate()
    rows = list(MeetingRequirement.objects.select_related("created_by").order_by("kind", "-effective_from", "-id"))
    current = [r for r in rows if r.in_force(today)]
    return render(
        request,
        "orglife/requirements.html",
        {"current": current, "history": rows, "can_edit": _can_edit_rules(request), "today": today},
    )


@login_required
def requirement_create(request):
    if not _can_edit_rules(request):
        raise Http404
    form = RequirementForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    if form.submitted(
        request,
        lambda d: services.requirement_create(
            actor=request.user, data=form.data_for(RequirementForm.FIELDS), effective_from=d["effective_from"]
        ),
    ):
        messages.success(request, _("The rule was saved."))
        return redirect("orglife-requirements")
    return render(
        request,
        "orglife/requirement_form.html",
        {"form": form, "title": _("New requirement"), "back": reverse("orglife-requirements")},
    )


requirement_revise = ReviseView.as_view(
    queryset=lambda request: MeetingRequirement.objects.all(),
    allowed=lambda request, requirement: _can_edit_rules(request),
    form_class=RequirementForm,
    revise=services.requirement_revise,
    record_arg="requirement",
    fixed="kind",
    success_url=lambda requirement: reverse("orglife-requirements"),
    title=gettext_lazy("Change a requirement from a date"),
    template_name="orglife/requirement_form.html",
    context_name="requirement",
)


requirement_end = EndView.as_view(
    queryset=lambda request: MeetingRequirement.objects.all(),
    allowed=lambda request, requirement: _can_edit_rules(request),
    end=services.requirement_end,
    record_arg="requirement",
    success_url=lambda requirement: reverse("orglife-requirements"),
    title=gettext_lazy("End a requirement"),
)


# --- Appraisal of members --------------------------------------------------------------------------------
def _appraisal_orgs(request):
    return recording_orgs(request).filter(level__in=[Level.BRANCH, Level.GENERAL_BRANCH])


@login_required
def appraisal_list(request):
    require_business(request)
    visible = _orgs(request)
    org = org_param(request, visible)
    qs = Appraisal.objects.visible_to(request.user).select_related("org")
    if org is not None:
        qs = qs.filter(tree.subtree_q("org_path", org.path))
    page, query = paged(request, qs.order_by("-year", "org_path"))
    return render(request, "orglife/appraisal_list.html", {"page_obj": page, "org": org, "query": query})


@login_required
def appraisal_create(request):
    require_business(request)
    orgs = _appraisal_orgs(request)
    initial = {}
    if request.GET.get("org"):
        initial["org"] = get_visible_or_404(orgs, pk=request.GET["org"])
    form = AppraisalOpenForm(request.POST or None, orgs=orgs, initial=initial)
    return form_page(
        request,
        form,
        lambda d: services.appraisal_open(actor=request.user, org=d["org"], year=d["year"]),
        title=_("Start the appraisal of members"),
        back=reverse("orglife-appraisals"),
        success_url=lambda appraisal: reverse("orglife-appraisal", args=[appraisal.pk]),
        message="",
    )


@login_required
def appraisal_detail(request, pk: int):
    """The committee's sheet: attendance beside the assessments and the vote; ratings decided by people."""
    appraisal = get_visible_or_404(Appraisal.objects.visible_to(request.user).select_related("org", "meeting"), pk=pk)
    can_edit = (
        appraisal.state == Appraisal.State.OPEN and Appraisal.objects.writable_by(request.user).filter(pk=pk).exists()
    )
    entries = list(
        AppraisalEntry.objects.filter(appraisal=appraisal)
        .select_related("member", "follow_up")
        .order_by("member__name_pinyin", "member_id")
    )
    start, end = dt.date(appraisal.year, 1, 1), dt.date(appraisal.year, 12, 31)
    inputs = queries.attendance_summary([e.member_id for e in entries], start, end)
    meetings = Meeting.objects.filter(
        org=appraisal.org, state=Meeting.State.HELD, kind_entries__kind=MeetingKind.GENERAL_MEETING
    ).order_by("-held_on")
    form = AppraisalForm(
        request.POST or None,
        meetings=meetings,
        entries=entries,
        initial={
            "meeting": appraisal.meeting,
            "voters": appraisal.voters,
            "note": appraisal.note,
            "version": appraisal.version,
        },
    )
    if request.method == "POST" and not can_edit:
        raise Http404

    @transaction.atomic
    def save(cleaned):
        vote = {"meeting": cleaned.get("meeting"), "voters": cleaned.get("voters"), "note": cleaned.get("note", "")}
        services.appraisal_update(
            actor=request.user,
            appraisal=appraisal,
            entries=form.entry_data(),
            vote=vote,
            expected_version=cleaned.get("version"),
        )
        if request.POST.get("decide"):
            appraisal.refresh_from_db()
            services.appraisal_decide(actor=request.user, appraisal=appraisal)

    if form.submitted(request, save):
        messages.success(request, _("Decided.") if request.POST.get("decide") else _("Saved."))
        return redirect("orglife-appraisal", pk=appraisal.pk)
    limit, permille = services.excellent_limit(len(entries))
    return render(
        request,
        "orglife/appraisal_detail.html",
        {
            "appraisal": appraisal,
            "form": form,
            "rows": [(row, inputs.get(row[0].member_id, {})) for row in form.entry_rows],
            "entries": entries,
            "can_edit": can_edit,
            "limit": limit,
            "share": f"{permille / 10:g}%",
        },
    )


@login_required
def follow_up_edit(request, pk: int):
    follow_up = get_visible_or_404(
        AppraisalFollowUp.objects.writable_by(request.user).select_related("entry__member", "entry__appraisal"), pk=pk
    )
    initial = {name: getattr(follow_up, name) for name in FollowUpForm.FIELDS}
    initial["version"] = follow_up.version
    form = FollowUpForm(request.POST or None, initial=initial)
    back = reverse("orglife-appraisal", args=[follow_up.entry.appraisal_id])
    return form_page(
        request,
        form,
        lambda d: services.follow_up_update(
            actor=request.user,
            follow_up=follow_up,
            data=form.data_for(FollowUpForm.FIELDS),
            expected_version=d.get("version"),
        ),
        title=_("Organizational handling: %(name)s") % {"name": follow_up.entry.member.name},
        back=back,
    )


# --- Reminders ---------------------------------------------------------------------------------------------
def _inbox(request):
    """Reminders addressed to the organizations where the user is a secretary."""
    paths = paths_for(request.user, {Role.SECRETARY})
    query = tree.subtrees_q("org_path", paths)
    if query is None:
        return Reminder.objects.none()
    return Reminder.objects.visible_to(request.user).filter(query)


@login_required
def inbox(request):
    require_business(request)
    reminders = _inbox(request).select_related("org").order_by("dismissed_at", "-due_on", "-id")
    page = page_of(request, reminders)
    return render(request, "orglife/inbox.html", {"page_obj": page, "today": timezone.localdate(), "query": ""})


@login_required
@require_POST
def reminder_dismiss(request, pk: int):
    reminder = get_visible_or_404(_inbox(request), pk=pk)
    services.reminder_dismiss(actor=request.user, reminder=reminder)
    return redirect("orglife-inbox")
