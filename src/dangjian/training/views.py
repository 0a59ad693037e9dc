"""Training pages: person-times of a subtree with the records behind every figure, programmes and
their sessions with the attendance sheet, and a member's own training.

Every page starts from ``visible_to(user)`` (reads) or ``writable_by(user)`` (writes); anything
outside the user's subtree is a 404. Attendance rows are visible by the member's organization as
well as the session's: a township sees its members at the district's lectures in its figures.
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
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangjian.core import tree
from dangjian.core.generic_views import CancelView, RecordFormView
from dangjian.core.models import AuditEvent
from dangjian.core.pages import (
    Figures,
    day_param,
    form_page,
    org_param,
    page_of,
    recording_orgs,
    require_business,
    with_org,
    year_param,
)
from dangjian.core.roles import Role
from dangjian.core.scoping import get_visible_or_404, has_role
from dangjian.members.models import Member
from dangjian.members.queries import members_on, members_within_on
from dangjian.organizations.models import Organization
from dangjian.training import queries, services
from dangjian.training.forms import NOT_ON_SHEET, ProgrammeForm, SessionForm, SheetAddForm
from dangjian.training.models import Programme, ProgrammeKind, Session, SessionAttendance

WHOLE_SUBTREE_LIMIT = 300  # a sheet lists the whole subtree up to this many members


def _orgs(request):
    return Organization.objects.visible_to(request.user)


def _period(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


# --- Person-times -----------------------------------------------------------------------------------
@login_required
def index(request):
    if has_role(request.user, Role.ORGANIZER, Role.SECRETARY):
        return redirect("training-figures")
    return redirect("training-me")


@login_required
def figures(request):
    """Sessions held, person-times, persons trained and person-hours per child organization."""
    scope = Figures(request)
    start, end = _period(scope.year)
    return scope.render("training/figures.html", table=queries.person_times_table(scope.org, start, end))


class _Drill(Figures):
    """The records behind one figure of the table: its ``?org=&year=``, and ``?own=1`` for the
    organization's own records only (not its subtree's)."""

    def __init__(self, request):
        super().__init__(request)
        self.own = request.GET.get("own") == "1"
        self.start, self.end = _period(self.year)
        value = request.GET.get("programme", "")  # one programme's attendance (a statistical table's cell)
        self.programme = int(value) if value.isdigit() and len(value) < 12 else None

    def page(self, template_name: str, rows, extra: str = ""):
        query = f"org={self.org.pk}&year={self.year}" + ("&own=1" if self.own else "") + extra
        query += f"&programme={self.programme}" if self.programme else ""
        return self.render(template_name, own=self.own, page=page_of(self.request, rows), query=query)


@login_required
def figure_sessions(request):
    """The sessions held behind a 'sessions' figure."""
    drill = _Drill(request)
    visible = Session.objects.visible_to(request.user)
    rows = queries.sessions_in(visible, drill.org.path, drill.start, drill.end, own=drill.own)
    return drill.page("training/figure_sessions.html", rows)


@login_required
def figure_attendance(request):
    """The attendance rows behind a 'person-times' figure (present, sessions that count)."""
    drill = _Drill(request)
    visible = SessionAttendance.objects.visible_to(request.user)
    rows = (
        queries.attendance_in(drill.org.path, drill.start, drill.end, own=drill.own, rows=visible)
        .filter(**({"session__programme_id": drill.programme} if drill.programme else {}))
        .select_related("member", "session", "session__programme")
        .order_by("-held_on", "member__name_pinyin", "id")
    )
    # The rows behind one bar of the dashboard's charts: one month's (``?month=1``–``12``); one programme's
    # is the drill's own ``?programme=`` (a statistical table's cell, a chart's bar).
    extra = ""
    month = request.GET.get("month", "")
    if month.isdigit() and 1 <= int(month) <= 12:
        rows, extra = rows.filter(held_on__month=int(month)), f"&month={month}"
    return drill.page("training/figure_attendance.html", rows, extra)


@login_required
def figure_persons(request):
    """The persons behind a 'persons trained' figure, with their person-times and hours."""
    drill = _Drill(request)
    visible = SessionAttendance.objects.visible_to(request.user)
    rows = queries.persons_in(visible, drill.org.path, drill.start, drill.end, own=drill.own)
    return drill.page("training/figure_persons.html", rows)


# --- Programmes --------------------------------------------------------------------------------------
@login_required
def programme_list(request):
    require_business(request)
    visible = _orgs(request)
    org = org_param(request, visible)
    kind = request.GET.get("kind", "")
    kind = kind if kind in ProgrammeKind.values else ""
    year = year_param(request) if request.GET.get("year") else None
    rows = queries.programme_list(Programme.objects.visible_to(request.user), org=org, kind=kind, year=year)
    return render(
        request,
        "training/programme_list.html",
        {
            "page": page_of(request, rows),
            "org": org,
            "kind": kind,
            "year": year,
            "kinds": ProgrammeKind.choices,
            "can_create": recording_orgs(request).exists(),
            "query": urlencode(
                {k: v for k, v in (("org", org.pk if org else ""), ("kind", kind), ("year", year)) if v}
            ),
        },
    )


@login_required
def programme_create(request):
    require_business(request)
    orgs = recording_orgs(request)
    initial = with_org(request, orgs, {"kind": ProgrammeKind.COURSE, "starts_on": timezone.localdate()})
    form = ProgrammeForm(request.POST or None, orgs=orgs, initial=initial)
    return form_page(
        request,
        form,
        lambda d: services.programme_create(actor=request.user, org=d["org"], data=form.data_for(ProgrammeForm.FIELDS)),
        title=_("New training programme"),
        back=reverse("training-programmes"),
        success_url=lambda programme: reverse("training-programme", args=[programme.pk]),
    )


@login_required
def programme_detail(request, pk: int):
    programme = get_visible_or_404(Programme.objects.visible_to(request.user).select_related("org"), pk=pk)
    sessions = list(programme.sessions.order_by("-held_on", "-id"))
    return render(
        request,
        "training/programme_detail.html",
        {
            "programme": programme,
            "sessions": sessions,
            "can_edit": Programme.objects.writable_by(request.user).filter(pk=pk).exists(),
            "can_delete": not any(s.state == Session.State.HELD for s in sessions),
        },
    )


programme_edit = RecordFormView.as_view(
    queryset=lambda request: Programme.objects.writable_by(request.user).select_related("org"),
    form_class=ProgrammeForm,
    initial=lambda programme: {
        **{name: getattr(programme, name) for name in ProgrammeForm.FIELDS},
        "version": programme.version,
    },
    service=lambda request, programme, d: services.programme_update(
        actor=request.user,
        programme=programme,
        data={name: d[name] for name in ProgrammeForm.FIELDS if name in d},
        expected_version=d.get("version"),
    ),
    success_url="training-programme",
    title=gettext_lazy("Edit the programme"),
)


@login_required
@require_POST
def programme_delete(request, pk: int):
    programme = get_visible_or_404(Programme.objects.writable_by(request.user), pk=pk)
    try:
        services.programme_delete(actor=request.user, programme=programme)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("training-programme", pk=pk)
    messages.success(request, _("Deleted."))
    return redirect("training-programmes")


# --- Sessions ----------------------------------------------------------------------------------------
def _candidates(request, programme: Programme, day: dt.date, session: Session | None):
    """Who the sheet lists: those on it already, those on the programme's last sheet, the whole
    subtree when it is small, and the members of an organization added with ``?add=``."""
    listed: dict[int, Member] = {}
    initial: dict[int, tuple[str, str]] = {}
    if session is not None:
        for row in queries.sheet_of(session):
            listed[row.member_id] = row.member
            initial[row.member_id] = (row.status, row.reason)
    else:
        last = programme.sessions.exclude(state=Session.State.CANCELLED).order_by("-held_on", "-id").first()
        if last is not None:
            for row in queries.sheet_of(last):
                listed[row.member_id] = row.member
                initial[row.member_id] = (SessionAttendance.Status.PRESENT, "")
    default = NOT_ON_SHEET if listed else SessionAttendance.Status.PRESENT
    whole = members_within_on(programme.org_path, day)
    added = _added_org(request, programme)
    if added is not None:
        extra = list(members_on(added, day).order_by("name_pinyin", "id"))
        default = SessionAttendance.Status.PRESENT
    elif whole.count() <= WHOLE_SUBTREE_LIMIT:
        extra = list(whole.order_by("name_pinyin", "id"))
    else:
        extra = []
    for member in extra:
        if member.pk not in listed:
            listed[member.pk] = member
            initial[member.pk] = (default, "")
    members = sorted(listed.values(), key=lambda m: (m.name_pinyin, m.pk))
    return members, initial, added


def _addable_orgs(request, programme: Programme):
    return _orgs(request).filter(tree.subtree_q("path", programme.org_path), dissolved_on__isnull=True)


def _added_org(request, programme: Programme) -> Organization | None:
    """The organization whose members are added to the sheet: ``?add_org=`` (its code, from the picker) or
    ``?add=`` (its id, from a link); a 404 outside the programme's subtree as the user sees it."""
    if request.GET.get("add"):
        return get_visible_or_404(_addable_orgs(request, programme), pk=request.GET["add"])
    if request.GET.get("add_org"):
        form = SheetAddForm(request.GET, orgs=_addable_orgs(request, programme), programme=programme)
        if not form.is_valid() or form.cleaned_data["add_org"] is None:
            raise Http404
        return form.cleaned_data["add_org"]
    return None


def _sheet_context(request, programme: Programme, added: Organization | None) -> dict:
    return {"add_form": SheetAddForm(orgs=_addable_orgs(request, programme), programme=programme, added=added)}


@login_required
def session_create(request, pk: int):
    programme = get_visible_or_404(Programme.objects.writable_by(request.user).select_related("org"), pk=pk)
    today = timezone.localdate()
    day = day_param(request.POST.get("held_on") or request.GET.get("held_on"), today)
    members, sheet_initial, added = _candidates(request, programme, min(day, today), None)
    initial = {"state": Session.State.HELD, "held_on": day, "hours": "2"}
    form = SessionForm(request.POST or None, initial=initial, members=members, sheet_initial=sheet_initial)

    def create(cleaned):
        data = form.session_data()
        held = data.get("state") == Session.State.HELD
        return services.session_create(
            actor=request.user, programme=programme, data=data, attendance=form.attendance() if held else []
        )

    if form.submitted(request, create):
        messages.success(request, _("Saved."))
        return redirect("training-session", pk=form.result.pk)
    return render(
        request,
        "training/session_form.html",
        {
            "form": form,
            "programme": programme,
            "added": added,
            "title": _("Record a session"),
            **_sheet_context(request, programme, added),
        },
    )


@login_required
def session_detail(request, pk: int):
    session = get_visible_or_404(Session.objects.visible_to(request.user).select_related("programme", "org"), pk=pk)
    changes = AuditEvent.objects.filter(object_type="training.session", object_id=str(session.pk)).order_by("-id")[:20]
    return render(
        request,
        "training/session_detail.html",
        {
            "session": session,
            # A district lecture's sheet has thousands of rows: a page of them (its counts are above).
            "page_obj": page_of(request, queries.sheet_of(session)),
            "changes": changes,
            "can_edit": session.state != Session.State.CANCELLED
            and Session.objects.writable_by(request.user).filter(pk=pk).exists(),
        },
    )


@login_required
def session_edit(request, pk: int):
    session = get_visible_or_404(
        Session.objects.writable_by(request.user)
        .exclude(state=Session.State.CANCELLED)
        .select_related("programme__org"),
        pk=pk,
    )
    programme = session.programme
    today = timezone.localdate()
    day = day_param(request.POST.get("held_on"), session.held_on)
    members, sheet_initial, added = _candidates(request, programme, min(day, today), session)
    initial = {name: getattr(session, name) for name in SessionForm.FIELDS}
    initial["version"] = session.version
    form = SessionForm(request.POST or None, initial=initial, members=members, sheet_initial=sheet_initial)

    def update(cleaned):
        data = form.session_data()
        held = data.get("state") == Session.State.HELD
        services.session_update(
            actor=request.user,
            session=session,
            data=data,
            attendance=form.attendance() if held else [],
            expected_version=cleaned.get("version"),
        )

    if form.submitted(request, update):
        messages.success(request, _("Saved."))
        return redirect("training-session", pk=session.pk)
    return render(
        request,
        "training/session_form.html",
        {
            "form": form,
            "programme": programme,
            "session": session,
            "added": added,
            "title": _("Edit the session"),
            **_sheet_context(request, programme, added),
        },
    )


session_cancel = CancelView.as_view(
    queryset=lambda request: Session.objects.writable_by(request.user).exclude(state=Session.State.CANCELLED),
    cancel=services.session_cancel,
    record_arg="session",
    success_url="training-session",
    title=gettext_lazy("Cancel the session"),
    success_message=gettext_lazy("The session is cancelled; it no longer counts."),
)


@login_required
@require_POST
def session_delete(request, pk: int):
    session = get_visible_or_404(Session.objects.writable_by(request.user), pk=pk)
    programme_pk = session.programme_id
    services.session_delete(actor=request.user, session=session)
    messages.success(request, _("Deleted."))
    return redirect("training-programme", pk=programme_pk)


# --- My training -----------------------------------------------------------------------------------
@login_required
def me(request):
    """The logged-in member's own training record."""
    member = Member.objects.filter(user=request.user).first()
    if member is None:
        raise Http404
    year = year_param(request)
    start, end = _period(year)
    return render(
        request,
        "training/me.html",
        {
            "member": member,
            "year": year,
            "this_year": timezone.localdate().year,
            "summary": queries.member_summary(member, start, end),
            "rows": queries.member_training(member, start, end),
        },
    )
