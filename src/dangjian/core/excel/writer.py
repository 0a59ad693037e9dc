"""Writing .xlsx files: exports (streamed row by row) and blank templates, with XlsxWriter.

XlsxWriter in ``constant_memory`` mode writes each row to disk as it comes, so memory stays
flat however long the export; it also records the sheet's dimension, which lets a reader size
the sheet without scanning it (openpyxl's write-only mode does not). openpyxl stays the reader.

Every text cell goes through :func:`safe_text`: a value beginning with ``= + - @``, a tab, a
carriage return or NUL is written as text behind a single quote, so that no spreadsheet ever
evaluates it (formula injection, ASVS 1.2.10). Characters XML cannot hold are dropped. Strings
are never turned into formulas, numbers or links (XlsxWriter's ``strings_to_*`` options off).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import IO, Any

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from dangjian.core.excel.declarations import EXAMPLE_MARK, Column, Template
from dangjian.core.excel.reader import INSTRUCTIONS_SHEET, OPTIONS_SHEET

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
TEMPLATE_ROWS = 5000  # rows of a blank template that carry the drop-downs
HEADER = {"bold": True, "bg_color": "#F2F2F2", "align": "center", "valign": "vcenter"}
REQUIRED = {**HEADER, "font_color": "#C00000"}
EXAMPLE = {"italic": True, "font_color": "#808080"}
DATE_FORMAT = "yyyy-mm-dd"
MAX_SHEET_TITLE = 31


def safe_text(value: str) -> str:
    """Neutralise formula injection and drop characters that XML cannot carry."""
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def safe_value(value: Any) -> Any:
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, bool | int | float | dt.date | dt.datetime) or value is None:
        return value
    return safe_text(str(value))


def workbook(fh: IO[bytes]) -> xlsxwriter.Workbook:
    """A streaming workbook writing to ``fh``; dates and times shown as such, strings kept as text."""
    return xlsxwriter.Workbook(
        fh,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "remove_timezone": True,
            "default_date_format": DATE_FORMAT,
        },
    )


def write_row(ws, row: int, values: Sequence[Any], cell_format=None) -> None:
    """One row of already safe values; ``None`` leaves the cell empty."""
    for col, value in enumerate(values):
        if value is None:
            continue
        if isinstance(value, str):
            ws.write_string(row, col, value, cell_format)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, cell_format)
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, cell_format)
        elif isinstance(value, dt.datetime | dt.date | dt.time):
            ws.write_datetime(row, col, value, cell_format)
        else:
            ws.write_string(row, col, safe_text(str(value)), cell_format)


def write_sheets(fh: IO[bytes], sheets: Iterable[tuple[str, Sequence[Any], Iterable[Sequence[Any]]]]) -> list[int]:
    """Plain tables ``(title, header, rows)`` into one .xlsx, every cell formula-safe; rows per sheet."""
    book = workbook(fh)
    header_format = book.add_format(HEADER)
    counts = []
    for title, header, rows in sheets:
        ws = book.add_worksheet(safe_text(str(title))[:MAX_SHEET_TITLE])
        write_row(ws, 0, [safe_value(h) for h in header], header_format)
        ws.freeze_panes(1, 0)
        count = 0
        for count, row in enumerate(rows, start=1):
            write_row(ws, count, [safe_value(v) for v in row])
        counts.append(count)
    book.close()
    return counts


def _formats(book, template: Template) -> dict[str, Any]:
    return {
        "header": book.add_format(HEADER),
        "required": book.add_format(REQUIRED),
        "text": book.add_format({"num_format": "@"}),
        "date": book.add_format({"num_format": DATE_FORMAT}),
        "example": book.add_format(EXAMPLE),
    }


def _data_sheet(book, template: Template, formats: dict[str, Any], *, comments: bool):
    ws = book.add_worksheet(template.title)
    for i, column in enumerate(template.columns):
        if column.kind in ("idnumber", "phone", "text"):
            style = formats["text"]  # typed ID numbers and phones stay text, not floats
        elif column.kind == "date":
            style = formats["date"]
        else:
            style = None
        ws.set_column(i, i, column.width, style)
    ws.freeze_panes(1, 0)
    for i, column in enumerate(template.columns):
        ws.write_string(0, i, column.header, formats["required" if column.required else "header"])
        if comments:
            text = ("必填。" if column.required else "") + column.describe()
            if column.help:
                text += "。" + column.help
            ws.write_comment(0, i, text, {"author": "党建", "x_scale": 2, "y_scale": 1.5})
    return ws


def _options_sheet(book, template: Template) -> dict[str, str]:
    """A hidden sheet listing the labels of each choice column; ``{key: range reference}``."""
    choice_columns = [c for c in template.columns if c.kind == "choice" and not c.export_only]
    if not choice_columns:
        return {}
    ws = book.add_worksheet(OPTIONS_SHEET)
    ws.hide()
    longest = max(len(c.choices) for c in choice_columns)
    write_row(ws, 0, [c.header for c in choice_columns])
    for i in range(longest):
        write_row(ws, i + 1, [c.choices[i].label if i < len(c.choices) else None for c in choice_columns])
    refs = {}
    for j, column in enumerate(choice_columns):
        letter = xlsxwriter.utility.xl_col_to_name(j)
        refs[column.key] = f"='{OPTIONS_SHEET}'!${letter}$2:${letter}${len(column.choices) + 1}"
    return refs


def _validations(ws, template: Template, refs: dict[str, str], last_row: int) -> None:
    """Drop-downs on the choice and yes/no columns, rows 2 to ``last_row`` (1-based, as Excel counts)."""
    for i, column in enumerate(template.columns):
        if column.export_only or column.kind not in ("choice", "bool"):
            continue
        source = refs.get(column.key) if column.kind == "choice" else ["是", "否"]
        if not source:
            continue
        ws.data_validation(
            1,
            i,
            max(last_row, 2) - 1,
            i,
            {
                "validate": "list",
                "source": source,
                "ignore_blank": True,
                "error_title": "输入有误",
                "error_message": f"〈{column.header}〉请从下拉列表中选择",
            },
        )


def write_export(template: Template, records: Iterable[dict[str, Any]], fh: IO[bytes]) -> int:
    """Stream ``records`` into an .xlsx with the template's headers; return the row count."""
    book = workbook(fh)
    formats = _formats(book, template)
    ws = _data_sheet(book, template, formats, comments=False)
    columns: list[Column] = list(template.columns)
    count = 0
    for count, record in enumerate(records, start=1):
        write_row(ws, count, [safe_value(c.format(record.get(c.key))) for c in columns])
    refs = _options_sheet(book, template)
    _validations(ws, template, refs, count + 1)
    ws.activate()
    book.close()
    return count


def write_blank(template: Template, fh: IO[bytes]) -> None:
    """The downloadable template: headers, one example row, drop-downs, and an instructions sheet."""
    book = workbook(fh)
    formats = _formats(book, template)
    ws = _data_sheet(book, template, formats, comments=True)
    write_row(ws, 1, [safe_value(v) for v in template.example_row()], formats["example"])
    notes = book.add_worksheet(INSTRUCTIONS_SHEET)
    for i, width in enumerate((16, 8, 60, 28, 40)):
        notes.set_column(i, i, width)
    lines = (
        f"{template.title}导入模板",
        f"第 2 行是示例：序号列填“{EXAMPLE_MARK}”的行导入时忽略，可直接删除或覆盖。",
        "按列名（而非列的顺序）识别各列；下表“也可用的列名”中的名称同样可以识别。空行会被忽略。",
        "导入前先预览：列出每一行的每个错误；全部无误后才能提交，提交时整份文件一次写入，任何一行出错都不会写入。",
        "重复导入同一文件不会产生任何修改。",
        template.key_help,
        "",
    )
    for row, line in enumerate(lines):
        write_row(notes, row, [safe_value(line) or None])
    write_row(notes, len(lines), ["列名", "必填", "填写要求", "也可用的列名", "说明"], formats["header"])
    for row, column in enumerate(template.columns, start=len(lines) + 1):
        write_row(
            notes,
            row,
            [
                column.header,
                "是" if column.required else None,
                column.describe() + ("（仅导出，导入时忽略）" if column.export_only else ""),
                "、".join(column.aliases) or None,
                safe_text(column.help) or None,
            ],
        )
    refs = _options_sheet(book, template)
    _validations(ws, template, refs, TEMPLATE_ROWS)
    ws.activate()
    book.close()
