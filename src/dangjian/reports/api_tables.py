"""REST API of the statistical tables: ``GET /api/v1/reports/tables`` (the list) and
``GET /api/v1/reports/tables/{slug}?org=&period=`` (rows, columns, cells, totals, definitions) — the
same engine as the pages (:mod:`dangjian.reports.tables`), for organizers and secretaries only."""

from __future__ import annotations

from django.http import Http404
from ninja import Field, Query, Router, Schema

from dangjian.core.api import error_responses
from dangjian.core.apitypes import Id
from dangjian.core.roles import Role
from dangjian.core.scoping import has_role
from dangjian.core.spans import span_param
from dangjian.organizations.api import subtree_root, visible_orgs
from dangjian.reports.tables import TABLES, Result, evaluate

router = Router(tags=["reports"])


class ReportTableOut(Schema):
    slug: str
    title: str


class ReportTableParams(Schema):
    org: Id | None = Field(None, description="The scope organization (the user's topmost by default).")
    period: str | None = Field(
        None, description="2026, 2026-H1, 2026-Q3 or 2026-05 (this year when missing or unreadable)."
    )
    start: str | None = Field(None, alias="from", description="With `to`: a stretch of days (YYYY-MM-DD).")
    to: str | None = None


class ReportColumnOut(Schema):
    key: str
    label: str
    measure: str
    group: str


class ReportCellOut(Schema):
    column: str
    value: int
    link: str


class ReportRowOut(Schema):
    key: str
    label: str
    org_id: int | None
    cells: list[ReportCellOut]


class ReportTableDataOut(Schema):
    slug: str
    title: str
    org_id: int
    org_name: str
    start: str
    end: str
    period: str
    columns: list[ReportColumnOut]
    total_columns: list[ReportColumnOut]
    rows: list[ReportRowOut]
    totals: list[ReportCellOut]
    definitions: list[str]


def _business(request) -> None:
    if not has_role(request.auth, Role.ORGANIZER, Role.SECRETARY):
        raise Http404


@router.get("/tables", response={200: list[ReportTableOut], **error_responses(404)}, summary="The statistical tables")
def table_list(request):
    _business(request)
    return [{"slug": t.slug, "title": str(t.title)} for t in TABLES.values()]


def _cells(keys: list[str], pairs: list[tuple[int, str]]) -> list[dict]:
    return [{"column": key, "value": value, "link": link} for key, (value, link) in zip(keys, pairs, strict=True)]


def as_data(result: Result) -> dict:
    """A table's result as the API gives it."""
    columns = [*result.columns, *result.total_columns()]
    keys = [c.key for c in columns]
    by_key = {r.key: r for r in result.rows}
    scope = result.scope
    return {
        "slug": result.table.slug,
        "title": str(result.table.title),
        "org_id": scope.org.pk,
        "org_name": scope.org.name,
        "start": scope.span.start.isoformat(),
        "end": scope.span.end.isoformat(),
        "period": result.period_label,
        "columns": [vars(c) for c in result.columns],
        "total_columns": [vars(c) for c in result.total_columns()],
        "rows": [
            {
                "key": line["key"],
                "label": line["label"],
                "org_id": by_key[line["key"]].org_id,
                "cells": _cells(keys, line["cells"]),
            }
            for line in result.grid()
        ],
        "totals": _cells(keys, result.totals()),
        "definitions": [d for d in [str(result.table.note), *result.definitions] if d],
    }


@router.get(
    "/tables/{slug}",
    response={200: ReportTableDataOut, **error_responses(404, 422)},
    summary="One statistical table for a subtree and a period: rows, columns, cells, totals and definitions",
)
def table_detail(request, slug: str, params: Query[ReportTableParams]):
    _business(request)
    table = TABLES.get(slug)
    if table is None:
        raise Http404
    org = subtree_root(request, params.org)
    return as_data(evaluate(table, org, span_param(request), visible_orgs(request)))
