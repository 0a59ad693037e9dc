"""Writing .xlsx files: exports (openpyxl write-only, streamed row by row) and blank templates.

Every text cell goes through :func:`safe_text`: a value beginning with ``= + - @``, a tab, a
carriage return or NUL is written as text behind a single quote, so that no spreadsheet ever
evaluates it (formula injection, ASVS 1.2.10). Characters XML cannot hold are dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from dangjian.core.excel.declarations import EXAMPLE_MARK, Column, Template
from dangjian.core.excel.reader import INSTRUCTIONS_SHEET, OPTIONS_SHEET

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
TEMPLATE_ROWS = 5000  # rows of a blank template that carry the drop-downs
HEADER_FONT = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="C00000")
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
EXAMPLE_FONT = Font(italic=True, color="808080")


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


def _header_cells(ws, template: Template, *, comments: bool) -> list[WriteOnlyCell]:
    cells = []
    for column in template.columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font = REQUIRED_FONT if column.required else HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        if comments:
            text = ("必填。" if column.required else "") + column.describe()
            if column.help:
                text += "。" + column.help
            cell.comment = Comment(text, "党建")
        cells.append(cell)
    return cells


def _setup_columns(ws, template: Template) -> None:
    for i, column in enumerate(template.columns, start=1):
        dimension = ws.column_dimensions[get_column_letter(i)]
        dimension.width = column.width
        if column.kind in ("idnumber", "phone", "text"):
            dimension.number_format = "@"  # typed ID numbers and phones stay text, not floats
        elif column.kind == "date":
            dimension.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"


def _options_sheet(workbook, template: Template) -> dict[str, str]:
    """A hidden sheet listing the labels of each choice column; ``{key: range reference}``."""
    choice_columns = [c for c in template.columns if c.kind == "choice" and not c.export_only]
    if not choice_columns:
        return {}
    ws = workbook.create_sheet(OPTIONS_SHEET)
    ws.sheet_state = "hidden"
    longest = max(len(c.choices) for c in choice_columns)
    ws.append([c.header for c in choice_columns])
    for i in range(longest):
        ws.append([c.choices[i].label if i < len(c.choices) else None for c in choice_columns])
    refs = {}
    for j, column in enumerate(choice_columns, start=1):
        letter = get_column_letter(j)
        refs[column.key] = f"{quote_sheetname(OPTIONS_SHEET)}!${letter}$2:${letter}${len(column.choices) + 1}"
    return refs


def _validations(ws, template: Template, refs: dict[str, str], last_row: int) -> None:
    for i, column in enumerate(template.columns, start=1):
        if column.export_only or column.kind not in ("choice", "bool"):
            continue
        formula = refs.get(column.key) if column.kind == "choice" else '"是,否"'
        if not formula:
            continue
        dv = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="输入有误",
            error=f"〈{column.header}〉请从下拉列表中选择",
        )
        letter = get_column_letter(i)
        dv.add(f"{letter}2:{letter}{max(last_row, 2)}")
        ws.data_validations.append(dv)


def write_export(template: Template, records: Iterable[dict[str, Any]], fh: IO[bytes]) -> int:
    """Stream ``records`` into an .xlsx with the template's headers; return the row count."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(template.title)
    _setup_columns(ws, template)
    ws.append(_header_cells(ws, template, comments=False))
    columns: list[Column] = list(template.columns)
    count = 0
    for record in records:
        ws.append([safe_value(c.format(record.get(c.key))) for c in columns])
        count += 1
    refs = _options_sheet(workbook, template)
    _validations(ws, template, refs, count + 1)
    workbook.save(fh)
    return count


def write_blank(template: Template, fh: IO[bytes]) -> None:
    """The downloadable template: headers, one example row, drop-downs, and an instructions sheet."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(template.title)
    _setup_columns(ws, template)
    ws.append(_header_cells(ws, template, comments=True))
    example = []
    for value in template.example_row():
        cell = WriteOnlyCell(ws, value=safe_value(value))
        cell.font = EXAMPLE_FONT
        example.append(cell)
    ws.append(example)
    notes = workbook.create_sheet(INSTRUCTIONS_SHEET)
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 8
    notes.column_dimensions["C"].width = 60
    notes.column_dimensions["D"].width = 28
    notes.column_dimensions["E"].width = 40
    for line in (
        f"{template.title}导入模板",
        f"第 2 行是示例：序号列填“{EXAMPLE_MARK}”的行导入时忽略，可直接删除或覆盖。",
        "按列名（而非列的顺序）识别各列；下表“也可用的列名”中的名称同样可以识别。空行会被忽略。",
        "导入前先预览：列出每一行的每个错误；全部无误后才能提交，提交时整份文件一次写入，任何一行出错都不会写入。",
        "重复导入同一文件不会产生任何修改。",
        template.key_help,
        "",
    ):
        notes.append([line])
    header = [WriteOnlyCell(notes, value=v) for v in ("列名", "必填", "填写要求", "也可用的列名", "说明")]
    for cell in header:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    notes.append(header)
    for column in template.columns:
        notes.append(
            [
                column.header,
                "是" if column.required else "",
                column.describe() + ("（仅导出，导入时忽略）" if column.export_only else ""),
                "、".join(column.aliases),
                safe_text(column.help),
            ]
        )
    refs = _options_sheet(workbook, template)
    _validations(ws, template, refs, TEMPLATE_ROWS)
    workbook.save(fh)
