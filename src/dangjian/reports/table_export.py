"""A statistical table as .xlsx in the department's layout: the title (merged across), 填报单位 and
统计期间 / 截至日期, the header rows (two when the columns are grouped), the rows, the totals row, the
notes (each figure's definition) and the print set-up (landscape, fitted to the page width)."""

from __future__ import annotations

import datetime as dt
from typing import IO

import xlsxwriter
from django.utils.translation import gettext as _

from dangjian.core.excel.writer import safe_text, write_row
from dangjian.reports.tables import Result

TITLE = {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
HEAD = {"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True, "bg_color": "#F2F2F2"}
CELL = {"border": 1}
TOTAL = {"border": 1, "bold": True}
NOTE = {"text_wrap": True, "valign": "top"}


def header_rows(result: Result) -> list[list[str]]:
    """The header as rows of labels: one row, or two when columns are grouped (the group above)."""
    columns = [*result.columns, *result.total_columns()]
    key = str(result.table.rows)
    if not any(c.group for c in columns):
        return [[key, *(c.label for c in columns)]]
    return [[key, *((c.group or c.label) for c in columns)], ["", *((c.label if c.group else "") for c in columns)]]


def write(result: Result, fh: IO[bytes], made_on: dt.date) -> None:
    # Not the streaming ``workbook()``: a table is small, and its header cells are merged after writing.
    book = xlsxwriter.Workbook(
        fh, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    title_f, head_f, cell_f, total_f, note_f = (book.add_format(f) for f in (TITLE, HEAD, CELL, TOTAL, NOTE))
    ws = book.add_worksheet(safe_text(result.table.slug)[:31])
    heads = header_rows(result)
    last = len(heads[0]) - 1
    scope = result.scope
    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, max(last, 1), safe_text(str(result.table.title)), title_f)
    ws.write_string(1, 0, safe_text(_("Reporting unit: %(name)s") % {"name": scope.org.name}))
    ws.write_string(2, 0, safe_text(_("Period: %(period)s") % {"period": result.period_label}))
    ws.write_string(3, 0, _("As of: %(day)s") % {"day": scope.on.isoformat()})
    ws.write_string(3, max(last, 1), _("Made on: %(day)s") % {"day": made_on.isoformat()})
    row = 4
    first_head = row
    for labels in heads:
        write_row(ws, row, [safe_text(label) for label in labels], head_f)
        row += 1
    if len(heads) == 2:  # the key column and ungrouped columns span both header rows; groups merge across
        _merge_header(ws, heads, first_head, head_f)
    for line in result.grid():
        write_row(ws, row, [safe_text(line["label"]), *(value for value, _link in line["cells"])], cell_f)
        row += 1
    write_row(ws, row, [_("Total"), *(value for value, _link in result.totals())], total_f)
    row += 2
    ws.write_string(row, 0, _("Notes:"))
    for definition in [str(result.table.note), *result.definitions]:
        if not definition:
            continue
        row += 1
        ws.merge_range(row, 0, row, max(last, 1), safe_text(definition), note_f)
        ws.set_row(row, 45)
    ws.set_column(0, 0, 24)
    ws.set_column(1, last, 10)
    ws.freeze_panes(first_head + len(heads), 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(first_head, first_head + len(heads) - 1)
    book.close()


def _merge_header(ws, heads: list[list[str]], top: int, fmt) -> None:
    upper, lower = heads
    col = 0
    while col < len(upper):
        if not lower[col]:
            ws.merge_range(top, col, top + 1, col, upper[col], fmt)
            col += 1
            continue
        end = col
        while end + 1 < len(upper) and upper[end + 1] == upper[col] and lower[end + 1]:
            end += 1
        if end > col:
            ws.merge_range(top, col, top, end, upper[col], fmt)
        col = end + 1
