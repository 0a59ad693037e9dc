"""Pages of the statistical tables: the list, one table for ``?org=&period=``, and its .xlsx export."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils import timezone

from dangjian.core.pages import Figures
from dangjian.core.spans import Span, span_choices, span_param
from dangjian.reports import table_export
from dangjian.reports.tables import TABLES, evaluate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TableScope(Figures):
    """A figures page's scope (``?org=``, organizers and secretaries only) with a period (``?period=``)."""

    def __init__(self, request):
        super().__init__(request)
        self.span: Span = span_param(request)

    def render(self, template_name: str, **context):
        spans = span_choices()
        if self.span not in spans:
            spans = [self.span, *spans]
        return super().render(template_name, span=self.span, spans=spans, **context)


def _table(slug: str):
    table = TABLES.get(slug)
    if table is None:
        raise Http404
    return table


@login_required
def table_list(request):
    scope = TableScope(request)
    return scope.render("reports/tables/list.html", tables=TABLES.values())


@login_required
def table_detail(request, slug: str):
    table = _table(slug)
    scope = TableScope(request)
    result = evaluate(table, scope.org, scope.span, scope.visible)
    return scope.render(
        "reports/tables/detail.html", table=table, result=result, grid=result.grid(), totals=result.totals()
    )


@login_required
def table_xlsx(request, slug: str):
    table = _table(slug)
    scope = TableScope(request)
    result = evaluate(table, scope.org, scope.span, scope.visible)
    out = io.BytesIO()
    table_export.write(result, out, made_on=timezone.localdate())
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{slug}-{scope.span.start.isoformat()}.xlsx"'
    return response
