"""REST API of rectification: ``/api/v1/rectification``.

Screenings, marks, cases, problems and countermeasures, progress and the figures, read from
``visible_to(user)`` and written through the same services as the pages. A route the user may not
use on a record they see (a branch classifying itself, a township closing the department's case)
answers 404, as the pages do. Bodies of routes on a record are checked after the record, so that a
record outside the subtree answers 404 whatever the body.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status

from dangjian.core import apiroutes
from dangjian.core.api import changes, error_responses, field_error, paginate
from dangjian.core.apischema import Page, check_required, related
from dangjian.core.apitypes import ApiDate, Id, InputSchema, PageParams, PathId, Text, Year
from dangjian.core.scoping import get_visible_or_404
from dangjian.organizations.api import org_filter, subtree_and_year, visible_orgs
from dangjian.organizations.models import Organization
from dangjian.rectification import queries, services
from dangjian.rectification.models import Problem, Rectification, Screening, ScreeningMark, WorkTeamMember

router = Router(tags=["rectification"])

ClassificationCode = Literal["weak", "lagging"]
StateCode = Literal["opened", "in_progress", "accepted", "closed"]
ProblemStatus = Literal["done", "open", "due_soon", "overdue"]


# --- Schemas ---------------------------------------------------------------------------------
class RectificationScreeningOut(Schema):
    id: int
    org_id: int
    org_name: str = related("org.name")
    year: int
    note: str


class RectificationScreeningFilters(PageParams):
    org: Id | None = Field(None, description="Screenings of this organization's subtree and below.")
    year: Year | None = None


class RectificationScreeningIn(InputSchema):
    org: Id = Field(..., description="The committee whose subtree is screened (you organize it).")
    year: Year
    note: Text = Field("", max_length=500)


class RectificationMarkOut(Schema):
    id: int
    screening_id: int
    org_id: int
    org_name: str = related("org.name")
    year: int
    classification: ClassificationCode
    criteria: list[str]
    note: str
    case_id: int | None

    @staticmethod
    def resolve_criteria(obj) -> list[str]:
        return [c.code for c in obj.criteria.all()]

    @staticmethod
    def resolve_case_id(obj) -> int | None:
        case = getattr(obj, "case", None) if hasattr(obj, "case") else None
        return case.pk if case else None


class RectificationSuggestionOut(Schema):
    org_id: int
    org_name: str
    compliance_rate: float | None = Field(None, description="Organizational life of the year (0–1), from orglife.")
    warnings: list[str]
    mark: RectificationMarkOut | None


class RectificationScreeningDetailOut(Schema):
    id: int
    org_id: int
    org_name: str
    year: int
    note: str
    branches: int
    marked: int
    min_share_percent: int
    below_quota: bool
    rows: list[RectificationSuggestionOut]


class RectificationMarkIn(InputSchema):
    org: Id | None = Field(None, description="The organization classified (below the screened committee).")
    classification: ClassificationCode | None = None
    criteria: list[Id] = Field([], max_length=50, description="Ids of the criteria that apply (GET /criteria).")
    note: Text = Field("", max_length=500)


class RectificationCriterionOut(Schema):
    id: int
    code: str
    text: str


class RectificationTeamMemberOut(Schema):
    id: int
    name: str
    role: str
    captain: bool


class RectificationProblemOut(Schema):
    id: int
    case_id: int = related("rectification_id")
    description: str
    countermeasure: str
    responsible: str
    deadline: dt.date
    done_on: dt.date | None


class RectificationProblemFilters(PageParams):
    org: Id | None = None
    year: Year | None = None
    status: ProblemStatus | None = Field(None, description="due_soon: not done, deadline within the reminder days.")


class RectificationNoteOut(Schema):
    written_on: dt.date
    text: str


class RectificationCaseOut(Schema):
    id: int
    org_id: int
    org_name: str = related("org.name")
    mark_id: int
    year: int
    classification: ClassificationCode
    state: StateCode
    lead_official: str
    township_sponsor: str
    opened_on: dt.date
    accepted_on: dt.date | None
    closed_on: dt.date | None
    version: int


class RectificationCaseDetailOut(RectificationCaseOut):
    plan: str
    team: list[RectificationTeamMemberOut]
    problems: list[RectificationProblemOut]
    notes: list[RectificationNoteOut]

    @staticmethod
    def resolve_team(obj) -> list:
        return list(obj.team.all())

    @staticmethod
    def resolve_problems(obj) -> list:
        return list(obj.problems.all())

    @staticmethod
    def resolve_notes(obj) -> list:
        return list(obj.notes.all())


class RectificationCaseFilters(PageParams):
    org: Id | None = None
    year: Year | None = None
    state: StateCode | None = None
    classification: ClassificationCode | None = None


class RectificationCaseOpenIn(InputSchema):
    opened_on: ApiDate | None = None
    lead_official: Text = Field("", max_length=64)
    township_sponsor: Text = Field("", max_length=64)
    plan: Text = Field("", max_length=4000)


class RectificationCaseUpdateIn(InputSchema):
    """Only the fields sent are changed."""

    lead_official: Text = Field(None, max_length=64)
    township_sponsor: Text = Field(None, max_length=64)
    plan: Text = Field(None, max_length=4000)
    version: int | None = None


class RectificationDayIn(InputSchema):
    day: ApiDate | None = Field(None, description="The day of acceptance or closing.")


class RectificationReasonIn(InputSchema):
    reason: Text = Field("", max_length=200)


class RectificationTeamMemberIn(InputSchema):
    name: Text = Field("", max_length=64)
    role: Text = Field("", max_length=64)
    captain: bool = False


class RectificationProblemIn(InputSchema):
    description: Text = Field(None, max_length=500)
    countermeasure: Text = Field(None, max_length=500)
    responsible: Text = Field(None, max_length=64)
    deadline: ApiDate = None


class RectificationDoneIn(InputSchema):
    done_on: ApiDate | None = Field(None, description="null: not done after all.")


class RectificationProgressIn(InputSchema):
    written_on: ApiDate | None = None
    text: Text = Field("", max_length=1000)


class RectificationFigureRowOut(Schema):
    org_id: int
    org_name: str
    branches: int
    screened: int
    weak: int
    lagging: int
    cases: dict[str, int]
    problems: int
    done: int
    due_soon: int
    overdue: int


class RectificationFiguresOut(Schema):
    org_id: int
    year: int
    rows: list[RectificationFigureRowOut]
    total: RectificationFigureRowOut


class RectificationFiguresParams(Schema):
    org: Id | None = Field(None, description="The top of the subtree (default: your own organization).")
    year: Year | None = Field(None, description="Default: this year.")


# --- Helpers -----------------------------------------------------------------------------------
def _allow(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _case(request, pk: int) -> Rectification:
    try:
        return queries.case_detail(Rectification.objects.visible_to(request.auth), pk)
    except Rectification.DoesNotExist as exc:
        raise Http404 from exc


def _steerable(request, pk: int) -> Rectification:
    case = _case(request, pk)
    _allow(services.organizes_above(request.auth, case.org_path))
    return case


def _department(request, pk: int) -> Rectification:
    case = _case(request, pk)
    _allow(services.organizes(request.auth, case.mark.screening_path))
    return case


def _mark(request, pk: int) -> ScreeningMark:
    mark = get_visible_or_404(
        ScreeningMark.objects.visible_to(request.auth).select_related("org").prefetch_related("criteria"), pk=pk
    )
    _allow(services.organizes_above(request.auth, mark.org_path))
    return mark


def _problem(request, pk: int) -> Problem:
    return apiroutes.visible(request, Problem, pk, "rectification")


CASE = {200: RectificationCaseDetailOut, **error_responses(400, 404, 409, 422)}


# --- Criteria and screenings -------------------------------------------------------------------
@router.get(
    "/criteria", response={200: list[RectificationCriterionOut], **error_responses()}, summary="Criteria in force"
)
def criteria(request):
    return services.criteria_on(timezone.localdate())


@router.get(
    "/screenings",
    response={200: Page[RectificationScreeningOut], **error_responses(404, 422)},
    summary="List screenings",
)
def screening_list(request, filters: Query[RectificationScreeningFilters]):
    org = org_filter(request, filters.org)
    qs = Screening.objects.visible_to(request.auth).select_related("org").order_by("-year", "org_path")
    if org is not None:
        qs = qs.in_subtree(org.path)
    if filters.year:
        qs = qs.filter(year=filters.year)
    return paginate(qs, filters)


@router.post(
    "/screenings",
    response={201: RectificationScreeningOut, **error_responses(400, 422)},
    summary="Screen a committee's subtree for a year",
)
def screening_create(request, payload: RectificationScreeningIn):
    org = Organization.objects.writable_by(request.auth).filter(pk=payload.org, dissolved_on__isnull=True).first()
    if org is None:
        raise field_error("org", _("The organization does not exist."))
    return Status(201, services.screening_create(actor=request.auth, org=org, year=payload.year, note=payload.note))


@router.get(
    "/screenings/{id}",
    response={200: RectificationScreeningDetailOut, **error_responses(404, 422)},
    summary="A screening: each branch with what the records say, its mark, the share against the quota",
)
def screening_detail(request, id: PathId):
    screening = apiroutes.visible(request, Screening, id, "org")
    rows, quota = queries.screening_rows(visible_orgs(request), screening)
    return {
        "id": screening.pk,
        "org_id": screening.org_id,
        "org_name": screening.org.name,
        "year": screening.year,
        "note": screening.note,
        "branches": quota.branches,
        "marked": quota.marked,
        "min_share_percent": quota.min_percent,
        "below_quota": quota.below,
        "rows": [
            {
                "org_id": r.org.id,
                "org_name": r.org.name,
                "compliance_rate": r.compliance.rate if r.compliance else None,
                "warnings": r.warnings,
                "mark": r.mark,
            }
            for r in rows
        ],
    }


@router.post(
    "/screenings/{id}/marks",
    response={201: RectificationMarkOut, **error_responses(400, 404, 422)},
    summary="Classify an organization weak or lagging",
)
def mark_create(request, id: PathId, payload: Annotated[RectificationMarkIn | None, Body()] = None):
    screening = apiroutes.visible(request, Screening, id, "org")
    _allow(services.organizes(request.auth, screening.org_path))
    payload = payload or RectificationMarkIn()
    check_required(payload, "org")
    org = get_visible_or_404(visible_orgs(request), pk=payload.org)
    mark = services.mark_create(
        actor=request.auth,
        screening=screening,
        org=org,
        classification=payload.classification or "",
        criteria=payload.criteria,
        note=payload.note,
    )
    return Status(201, _mark(request, mark.pk))


@router.patch(
    "/marks/{id}",
    response={200: RectificationMarkOut, **error_responses(400, 404, 422)},
    summary="Change a mark's classification, criteria or note",
)
def mark_update(request, id: PathId, payload: Annotated[RectificationMarkIn | None, Body()] = None):
    mark = _mark(request, id)
    payload = payload or RectificationMarkIn()
    if payload.org is not None and payload.org != mark.org_id:
        raise field_error("org", _("These fields cannot be set here: %s") % "org")
    services.mark_update(
        actor=request.auth,
        mark=mark,
        classification=payload.classification or "",
        criteria=payload.criteria,
        note=payload.note,
    )
    return _mark(request, id)


@router.delete("/marks/{id}", response={204: None, **error_responses(400, 404, 422)}, summary="Withdraw a mark")
def mark_delete(request, id: PathId):
    services.mark_delete(actor=request.auth, mark=_mark(request, id))
    return Status(204, None)


@router.post(
    "/marks/{id}/case",
    response={201: RectificationCaseDetailOut, **error_responses(400, 404, 422)},
    summary="Open the rectification case of a marked organization",
)
def case_open(request, id: PathId, payload: Annotated[RectificationCaseOpenIn | None, Body()] = None):
    mark = _mark(request, id)
    payload = payload or RectificationCaseOpenIn()
    data = payload.model_dump(exclude={"opened_on"})
    case = services.case_open(actor=request.auth, mark=mark, opened_on=payload.opened_on, data=data)
    return Status(201, _case(request, case.pk))


# --- Cases -------------------------------------------------------------------------------------
@router.get("/cases", response={200: Page[RectificationCaseOut], **error_responses(404, 422)}, summary="List cases")
def case_list(request, filters: Query[RectificationCaseFilters]):
    org = org_filter(request, filters.org)
    qs = queries.case_list(
        Rectification.objects.visible_to(request.auth),
        org=org,
        year=filters.year,
        state=filters.state or "",
        classification=filters.classification or "",
    )
    return paginate(qs, filters)


@router.get("/cases/{id}", response={200: RectificationCaseDetailOut, **error_responses(404, 422)}, summary="One case")
def case_detail(request, id: PathId):
    return _case(request, id)


@router.patch("/cases/{id}", response=CASE, summary="Change the officials or the plan")
def case_update(request, id: PathId, payload: Annotated[RectificationCaseUpdateIn | None, Body()] = None):
    case = _steerable(request, id)
    data, version = changes(payload)
    data = {k: v or "" for k, v in data.items()}
    if data:
        services.case_update(actor=request.auth, case=case, data=data, expected_version=version)
    return _case(request, id)


@router.post("/cases/{id}/start", response=CASE, summary="Start the work (opened → in progress)")
def case_start(request, id: PathId):
    services.case_start(actor=request.auth, case=_steerable(request, id))
    return _case(request, id)


@router.post("/cases/{id}/accept", response=CASE, summary="Accept the case (the township; every countermeasure done)")
def case_accept(request, id: PathId, payload: Annotated[RectificationDayIn | None, Body()] = None):
    case = _steerable(request, id)
    services.case_accept(actor=request.auth, case=case, accepted_on=payload.day if payload else None)
    return _case(request, id)


@router.post("/cases/{id}/close", response=CASE, summary="Close the case (the department that screened)")
def case_close(request, id: PathId, payload: Annotated[RectificationDayIn | None, Body()] = None):
    case = _department(request, id)
    services.case_close(actor=request.auth, case=case, closed_on=payload.day if payload else None)
    return _case(request, id)


@router.post("/cases/{id}/reopen", response=CASE, summary="Send an accepted or closed case back to work")
def case_reopen(request, id: PathId, payload: Annotated[RectificationReasonIn | None, Body()] = None):
    case = _department(request, id)
    services.case_reopen(actor=request.auth, case=case, reason=payload.reason if payload else "")
    return _case(request, id)


@router.post("/cases/{id}/team", response=CASE, summary="Add a member to the work team")
def team_add(request, id: PathId, payload: Annotated[RectificationTeamMemberIn | None, Body()] = None):
    case = _steerable(request, id)
    payload = payload or RectificationTeamMemberIn()
    services.team_member_add(actor=request.auth, case=case, **payload.model_dump())
    return _case(request, id)


@router.delete("/team/{id}", response=CASE, summary="Remove a member from the work team")
def team_remove(request, id: PathId):
    member = get_visible_or_404(
        WorkTeamMember.objects.filter(rectification__in=Rectification.objects.visible_to(request.auth)), pk=id
    )
    case = _steerable(request, member.rectification_id)
    services.team_member_remove(actor=request.auth, member=member)
    return _case(request, case.pk)


@router.post("/cases/{id}/problems", response=CASE, summary="Add a problem with its countermeasure")
def problem_add(request, id: PathId, payload: Annotated[RectificationProblemIn | None, Body()] = None):
    case = _steerable(request, id)
    data = payload.model_dump() if payload else {}
    services.problem_add(actor=request.auth, case=case, data=data)
    return _case(request, id)


@router.post("/cases/{id}/progress", response=CASE, summary="Record progress (the organization itself may)")
def progress_add(request, id: PathId, payload: Annotated[RectificationProgressIn | None, Body()] = None):
    case = _case(request, id)
    payload = payload or RectificationProgressIn()
    services.progress_add(actor=request.auth, case=case, written_on=payload.written_on, text=payload.text)
    return _case(request, id)


# --- Problems ----------------------------------------------------------------------------------
@router.get(
    "/problems", response={200: Page[RectificationProblemOut], **error_responses(404, 422)}, summary="List problems"
)
def problem_list(request, filters: Query[RectificationProblemFilters]):
    org = org_filter(request, filters.org)
    qs = queries.problem_list(
        Problem.objects.visible_to(request.auth), org=org, year=filters.year, status=filters.status or ""
    )
    return paginate(qs, filters)


@router.patch("/problems/{id}", response=CASE, summary="Change a problem or its countermeasure")
def problem_update(request, id: PathId, payload: Annotated[RectificationProblemIn | None, Body()] = None):
    problem = _problem(request, id)
    _allow(services.organizes_above(request.auth, problem.org_path))
    data = payload.model_dump(exclude_unset=True) if payload else {}
    if data:
        services.problem_update(actor=request.auth, problem=problem, data=data)
    return _case(request, problem.rectification_id)


@router.put("/problems/{id}/done", response=CASE, summary="Record the day a countermeasure was done")
def problem_done(request, id: PathId, payload: Annotated[RectificationDoneIn | None, Body()] = None):
    problem = _problem(request, id)
    services.countermeasure_done(actor=request.auth, problem=problem, done_on=payload.done_on if payload else None)
    return _case(request, problem.rectification_id)


# --- Figures -----------------------------------------------------------------------------------
def _row(row: queries.FigureRow, name: str | None = None) -> dict:
    return {
        "org_id": row.org_id,
        "org_name": name if name is not None else row.label,
        "branches": row.branches,
        "screened": row.screened,
        "weak": row.weak,
        "lagging": row.lagging,
        "cases": row.cases,
        "problems": row.problems,
        "done": row.done,
        "due_soon": row.due_soon,
        "overdue": row.overdue,
    }


@router.get(
    "/figures",
    response={200: RectificationFiguresOut, **error_responses(404, 422)},
    summary="Screened, weak, lagging, cases by state, countermeasures done and overdue per child organization",
)
def figures(request, params: Query[RectificationFiguresParams]):
    org, year = subtree_and_year(request, params)
    user = request.auth
    table = queries.figures_for(user, visible_orgs(request), org, year)
    return {
        "org_id": org.pk,
        "year": year,
        "rows": [_row(r) for r in table.rows],
        "total": _row(table.total, org.name),
    }
