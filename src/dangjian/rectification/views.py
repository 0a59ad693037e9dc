"""Rectification pages: the figures of a subtree with the records behind each figure, the screening
of a year with what the records already say of each branch, and the cases with their problems.

Reads start from ``visible_to(user)`` (a case by its organization's path, a screening by its own);
a page the user may not use is a 404, like a record outside their subtree.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.forms import StyledForm
from dangjian.core.generic_views import RecordFormView
from dangjian.core.pages import Figures, filtered_list, form_page, org_param, paged, require_business, with_org
from dangjian.core.scoping import get_visible_or_404
from dangjian.organizations.models import Organization
from dangjian.rectification import queries, services
from dangjian.rectification.forms import (
    CaseFilterForm,
    CaseForm,
    DayForm,
    DoneForm,
    MarkForm,
    OpenForm,
    ProblemFilterForm,
    ProblemForm,
    ProgressForm,
    ReasonForm,
    ScreeningForm,
    TeamMemberForm,
)
from dangjian.rectification.models import Problem, Rectification, Screening, ScreeningMark, WorkTeamMember


def _orgs(request):
    return Organization.objects.visible_to(request.user)


def _allow(allowed: bool) -> None:
    if not allowed:
        raise Http404


# --- Figures ------------------------------------------------------------------------------------------
@login_required
def figures(request):
    """Screened, weak, lagging, cases by state, problems done / due soon / overdue per child organization."""
    scope = Figures(request)
    user = request.user
    table = queries.figures_for(user, scope.visible, scope.org, scope.year)
    return scope.render("rectification/figures.html", table=table)


# --- Screenings ---------------------------------------------------------------------------------------
def _screening_orgs(request):
    return Organization.objects.writable_by(request.user).filter(dissolved_on__isnull=True)


@login_required
def screening_list(request):
    require_business(request)
    org = org_param(request, _orgs(request))
    rows = Screening.objects.visible_to(request.user).select_related("org")
    if org is not None:
        rows = rows.in_subtree(org.path)
    page, query = paged(request, rows.order_by("-year", "org_path"))
    return render(
        request,
        "rectification/screening_list.html",
        {"page_obj": page, "query": query, "org": org, "can_create": _screening_orgs(request).exists()},
    )


@login_required
def screening_create(request):
    require_business(request)
    orgs = _screening_orgs(request)
    _allow(orgs.exists())
    initial = with_org(request, orgs, {"year": timezone.localdate().year})
    form = ScreeningForm(request.POST or None, orgs=orgs, initial=initial)
    return form_page(
        request,
        form,
        lambda d: services.screening_create(actor=request.user, org=d["org"], year=d["year"], note=d["note"]),
        title=_("New screening"),
        back=reverse("rectification-screenings"),
        success_url=lambda screening: reverse("rectification-screening", args=[screening.pk]),
    )


@login_required
def screening_detail(request, pk: int):
    """Each branch of the screened subtree with its compliance and warnings, its mark, and the share
    marked against the quota rule (a reminder, not a block)."""
    require_business(request)
    screening = get_visible_or_404(Screening.objects.visible_to(request.user).select_related("org"), pk=pk)
    rows, quota = queries.screening_rows(_orgs(request), screening)
    return render(
        request,
        "rectification/screening_detail.html",
        {
            "screening": screening,
            "rows": rows,
            "quota": quota,
            "can_mark": services.organizes(request.user, screening.org_path),
        },
    )


@login_required
def mark_create(request, pk: int):
    require_business(request)
    screening = get_visible_or_404(Screening.objects.visible_to(request.user).select_related("org"), pk=pk)
    org = org_param(request, _orgs(request))
    _allow(org is not None and services.organizes_above(request.user, org.path))
    _allow(services.organizes(request.user, screening.org_path))
    criteria = services.criteria_on(dt.date(screening.year, 12, 31))
    form = MarkForm(request.POST or None, criteria=criteria)
    return form_page(
        request,
        form,
        lambda d: services.mark_create(
            actor=request.user,
            screening=screening,
            org=org,
            classification=d["classification"],
            criteria=[int(c) for c in d["criteria"]],
            note=d["note"],
        ),
        title=_("Classify %(name)s (%(year)s)") % {"name": org.name, "year": screening.year},
        back=reverse("rectification-screening", args=[screening.pk]),
    )


def _organizes_above(request, record) -> bool:
    return services.organizes_above(request.user, record.org_path)


def _department(request, case) -> bool:
    return services.organizes(request.user, case.mark.screening_path)


def _marks(request):
    return ScreeningMark.objects.visible_to(request.user).select_related("org", "screening")


def _mark(request, pk: int) -> ScreeningMark:
    mark = get_visible_or_404(_marks(request), pk=pk)
    _allow(_organizes_above(request, mark))
    return mark


def _screening_of(mark) -> str:
    return reverse("rectification-screening", args=[mark.screening_id])


def _mark_page(**kwargs):
    """A page on a mark, for an organizer of a committee above its organization; back to the screening."""
    return RecordFormView.as_view(
        business_only=True, queryset=_marks, allowed=_organizes_above, success_url=_screening_of, **kwargs
    )


mark_edit = _mark_page(
    form_class=MarkForm,
    form_kwargs=lambda mark: {"criteria": services.criteria_on(dt.date(mark.year, 12, 31))},
    initial=lambda mark: {
        "classification": mark.classification,
        "criteria": [c.pk for c in mark.criteria.all()],
        "note": mark.note,
    },
    service=lambda request, mark, d: services.mark_update(
        actor=request.user,
        mark=mark,
        classification=d["classification"],
        criteria=[int(c) for c in d["criteria"]],
        note=d["note"],
    ),
    title=lambda mark: _("Classify %(name)s (%(year)s)") % {"name": mark.org.name, "year": mark.year},
)
mark_delete = _mark_page(  # a plain confirmation
    service=lambda request, mark, d: services.mark_delete(actor=request.user, mark=mark),
    title=lambda mark: _("Withdraw the mark of %(name)s") % {"name": mark.org.name},
    success_message=gettext_lazy("The mark was withdrawn."),
    danger=True,
)


@login_required
def case_open(request, pk: int):
    require_business(request)
    mark = _mark(request, pk)
    form = OpenForm(request.POST or None, initial={"opened_on": timezone.localdate()})
    return form_page(
        request,
        form,
        lambda d: services.case_open(
            actor=request.user, mark=mark, opened_on=d["opened_on"], data=form.data_for(CaseForm.FIELDS)
        ),
        title=_("Open the rectification of %(name)s") % {"name": mark.org.name},
        back=reverse("rectification-screening", args=[mark.screening_id]),
        success_url=lambda case: reverse("rectification-case", args=[case.pk]),
    )


# --- Cases --------------------------------------------------------------------------------------------
@login_required
def case_list(request):
    require_business(request)
    form, filters = CaseFilterForm.from_query(request, _orgs(request))
    rows = queries.case_list(
        Rectification.objects.visible_to(request.user),
        org=filters.get("org"),
        year=filters.get("year"),
        state=filters.get("state") or "",
        classification=filters.get("classification") or "",
    )
    return filtered_list(request, "rectification/case_list.html", form, filters, rows)


@login_required
def problem_list(request):
    require_business(request)
    form, filters = ProblemFilterForm.from_query(request, _orgs(request))
    today = timezone.localdate()
    rows = queries.problem_list(
        Problem.objects.visible_to(request.user),
        org=filters.get("org"),
        year=filters.get("year"),
        status=filters.get("status") or "",
        on=today,
    )
    page, query = paged(request, rows)
    lead = queries.reminder_days(today)
    for problem in page:
        problem.status = queries.due_status(problem, today, lead)
    return render(
        request,
        "rectification/problem_list.html",
        {"form": form, "page_obj": page, "query": query, "org": filters.get("org"), "lead": lead},
    )


def _cases(request):
    return Rectification.objects.visible_to(request.user).select_related("org", "mark")


@login_required
def case_detail(request, pk: int):
    require_business(request)
    try:
        case = queries.case_detail(Rectification.objects.visible_to(request.user), pk)
    except (Rectification.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    today = timezone.localdate()
    lead = queries.reminder_days(today)
    problems = list(case.problems.all())
    for problem in problems:
        problem.status = queries.due_status(problem, today, lead)
    user = request.user
    above = services.organizes_above(user, case.org_path)
    department = services.organizes(user, case.mark.screening_path)
    State = Rectification.State
    return render(
        request,
        "rectification/case_detail.html",
        {
            "case": case,
            "problems": problems,
            "lead": lead,
            "open": case.state in (State.OPENED, State.IN_PROGRESS),
            "can_edit": above and case.state in (State.OPENED, State.IN_PROGRESS),
            "can_start": above and case.state == State.OPENED,
            "can_accept": above and case.state == State.IN_PROGRESS,
            "can_close": department and case.state == State.ACCEPTED,
            "can_reopen": department and case.state in (State.ACCEPTED, State.CLOSED),
            "can_record": case.state in (State.OPENED, State.IN_PROGRESS),
        },
    )


def _fields(names):
    return lambda d: {name: d[name] for name in names if name in d}


case_edit = RecordFormView.as_view(
    business_only=True,
    queryset=_cases,
    allowed=_organizes_above,
    form_class=CaseForm,
    initial=lambda case: {**{n: getattr(case, n) for n in CaseForm.FIELDS}, "version": case.version},
    service=lambda request, case, d: services.case_update(
        actor=request.user, case=case, data=_fields(CaseForm.FIELDS)(d), expected_version=d.get("version")
    ),
    success_url="rectification-case",
    title=lambda case: _("Plan of %(name)s") % {"name": case.org.name},
)


def _today(field: str):
    return lambda record: {field: timezone.localdate()}


def _case_step(title, form_class, service, **kwargs):
    """A step on a case the user sees (organizers and secretaries), back to the case when done;
    ``allowed`` and ``initial`` as :class:`RecordFormView` takes them."""
    return RecordFormView.as_view(
        business_only=True,
        queryset=_cases,
        form_class=form_class,
        service=service,
        success_url="rectification-case",
        title=lambda case: f"{title} · {case.org.name}",
        **kwargs,
    )


case_start = _case_step(
    gettext_lazy("Start the rectification"),
    StyledForm,
    lambda request, case, d: services.case_start(actor=request.user, case=case),
    allowed=_organizes_above,
)
case_accept = _case_step(
    gettext_lazy("Accept the rectification"),
    DayForm,
    lambda request, case, d: services.case_accept(actor=request.user, case=case, accepted_on=d["day"]),
    allowed=_organizes_above,
    initial=_today("day"),
)
case_close = _case_step(
    gettext_lazy("Close the rectification"),
    DayForm,
    lambda request, case, d: services.case_close(actor=request.user, case=case, closed_on=d["day"]),
    allowed=_department,
    initial=_today("day"),
)
case_reopen = _case_step(
    gettext_lazy("Reopen the rectification"),
    ReasonForm,
    lambda request, case, d: services.case_reopen(actor=request.user, case=case, reason=d["reason"]),
    allowed=_department,
)
team_add = _case_step(
    gettext_lazy("Add to the work team"),
    TeamMemberForm,
    lambda request, case, d: services.team_member_add(actor=request.user, case=case, **d),
    allowed=_organizes_above,
)
problem_add = _case_step(
    gettext_lazy("Add a problem and its countermeasure"),
    ProblemForm,
    lambda request, case, d: services.problem_add(actor=request.user, case=case, data=d),
    allowed=_organizes_above,
)
progress_add = _case_step(
    gettext_lazy("Record progress"),
    ProgressForm,
    lambda request, case, d: services.progress_add(actor=request.user, case=case, **d),
    initial=_today("written_on"),
)


def _case_of(record) -> str:
    return reverse("rectification-case", args=[record.rectification_id])


team_remove = RecordFormView.as_view(
    business_only=True,
    queryset=lambda request: WorkTeamMember.objects.filter(
        rectification__in=Rectification.objects.visible_to(request.user)
    ).select_related("rectification"),
    allowed=lambda request, member: services.organizes_above(request.user, member.rectification.org_path),
    service=lambda request, member, d: services.team_member_remove(actor=request.user, member=member),
    success_url=_case_of,
    title=lambda member: _("Remove %(name)s from the work team") % {"name": member.name},
    danger=True,
)


def _problem_page(**kwargs):
    """A page on a problem the user sees; back to its case."""
    return RecordFormView.as_view(
        business_only=True,
        queryset=lambda request: Problem.objects.visible_to(request.user).select_related("rectification"),
        success_url=_case_of,
        **kwargs,
    )


problem_edit = _problem_page(
    allowed=_organizes_above,
    form_class=ProblemForm,
    initial=lambda problem: {n: getattr(problem, n) for n in ProblemForm.FIELDS},
    service=lambda request, problem, d: services.problem_update(actor=request.user, problem=problem, data=d),
    title=gettext_lazy("Change the problem"),
)
problem_done = _problem_page(
    form_class=DoneForm,
    initial=lambda problem: {"done_on": problem.done_on or timezone.localdate()},
    service=lambda request, problem, d: services.countermeasure_done(
        actor=request.user, problem=problem, done_on=d["done_on"]
    ),
    title=lambda problem: _("Countermeasure done: %(what)s") % {"what": problem.countermeasure},
)
