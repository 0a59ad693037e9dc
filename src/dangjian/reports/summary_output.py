"""The work summary as a document: HTML, .docx (python-docx) and .xlsx, from one plain function that a
background job can call (:func:`summary_document`)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.http import Http404
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from docx import Document

from dangjian.core.excel.writer import write_sheets
from dangjian.core.spans import Span
from dangjian.organizations.models import Organization
from dangjian.reports.summary import Summary, summary_of

FORMATS = ("html", "docx", "xlsx")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def figure_rows(summary: Summary) -> list[list]:
    """The appendix: every figure the summary quotes, with its value, unit and definition."""
    return [
        [str(v.figure.label), v.said(), str(v.figure.unit), str(v.figure.definition), v.name] for v in summary.values
    ]


def figure_header() -> list[str]:
    return [_("Figure"), _("Value"), _("Unit"), _("Definition"), _("Name")]


def as_docx(summary: Summary) -> bytes:
    document = Document()
    document.add_heading(summary.title, 0)
    for section in summary.sections:
        if section.heading:
            document.add_heading(section.heading, 1)
        for text in section.text():
            document.add_paragraph(text)
    document.add_heading(_("Appendix: the figures and their definitions"), 1)
    header = figure_header()
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in figure_rows(summary):
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def as_xlsx(summary: Summary) -> bytes:
    def number(value):
        return float(value) if isinstance(value, Decimal) else value if isinstance(value, int) else str(value)

    rows = [
        [r[0], number(v.value if not isinstance(v.value, list) else r[1]), r[2], r[3], r[4]]
        for r, v in zip(figure_rows(summary), summary.values, strict=True)
    ]
    out = io.BytesIO()
    write_sheets(out, [(summary.title[:31], figure_header(), rows)])
    return out.getvalue()


def as_html(summary: Summary) -> bytes:
    html = render_to_string(
        "reports/summary_document.html", {"summary": summary, "header": figure_header(), "rows": figure_rows(summary)}
    )
    return html.encode()


def summary_document(org, span: Span, user, fmt: str) -> bytes:
    """The work summary of ``org``'s subtree for ``span`` as ``fmt`` (html, docx or xlsx) — the whole
    generation, so that a background job can run it later. ``user`` must see ``org`` (a 404 otherwise)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    if user is not None and not Organization.objects.visible_to(user).filter(pk=org.pk).exists():
        raise Http404
    summary = summary_of(org, span, user)
    if summary is None:
        raise Http404
    return {"html": as_html, "docx": as_docx, "xlsx": as_xlsx}[fmt](summary)
