"""REST API of reports: ``/api/v1/reports`` — the statistical tables and the work summary's figures as JSON."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from dangjian.core.api import error_responses
from dangjian.core.apitypes import Id
from dangjian.core.roles import Role
from dangjian.core.scoping import has_role
from dangjian.core.spans import Span
from dangjian.organizations.api import subtree_root
from dangjian.reports import figures
from dangjian.reports.api_tables import router as tables_router

router = Router(tags=["reports"])
router.add_router("", tables_router)  # the statistical tables (api_tables.py)


# --- The work summary's figures -----------------------------------------------------------------------
class FigureParams(Schema):
    org: Id | None = Field(None, description="The top of the subtree (default: your own organization).")
    period: str | None = Field(
        None, description="2026, 2026-H1, 2026-Q3 or 2026-05 (default: this year); or give from and to.", max_length=7
    )
    start: dt.date | None = Field(None, alias="from", description="First day of a custom period (with to).")
    end: dt.date | None = Field(None, alias="to", description="Last day of a custom period (with from).")


class FigureOut(Schema):
    name: str
    label: str
    value: float | int | list[dict]
    unit: str
    definition: str
    module: str
    records_url: str


class FiguresOut(Schema):
    org_id: int
    start: dt.date
    end: dt.date
    period: str
    figures: list[FigureOut]


def _span(params: FigureParams) -> Span:
    if params.start and params.end and params.start <= params.end:
        return Span(params.start, params.end)
    return Span.parse(params.period or "") or Span.year(timezone.localdate().year)


@router.get(
    "/figures",
    response={200: FiguresOut, **error_responses(404, 422)},
    summary="The named figures of a subtree and period, each with its definition and the URL of its records",
)
def figure_list(request, params: Query[FigureParams]):
    if not has_role(request.auth, Role.ORGANIZER, Role.SECRETARY):
        raise Http404  # figures are for organizers and secretaries, as the figures pages
    org = subtree_root(request, params.org)
    span = _span(params)
    values = figures.compute(figures.Scope(org, span, request.auth))
    return {
        "org_id": org.pk,
        "start": span.start,
        "end": span.end,
        "period": span.label,
        "figures": [
            {
                "name": v.name,
                "label": str(v.figure.label),
                "value": v.plain(),
                "unit": str(v.figure.unit),
                "definition": str(v.figure.definition),
                "module": v.figure.module,
                "records_url": v.url,
            }
            for v in values.values()
        ],
    }
