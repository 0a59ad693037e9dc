"""The blank template: headers, an ignored example row, drop-downs and instructions."""

from __future__ import annotations

import openpyxl
import pytest
from django.urls import reverse

from dangjian.core import excel
from dangjian.core.excel import pipeline
from dangjian.members.models import Member
from tests.support.excel import body


def _workbook(data: bytes, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(data)
    return path, openpyxl.load_workbook(path)


@pytest.mark.parametrize("register", ["members", "organizations"])
def test_template_download_opens_with_headers_example_and_dropdowns(world, client_for, tmp_path, register):
    template = excel.get(register)
    response = client_for(world.organizer).get(reverse(f"io-{register}-template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    _path, workbook = _workbook(body(response), tmp_path)
    ws = workbook[template.title]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == tuple(c.header for c in template.columns)
    assert rows[1][0] == "示例"
    validated = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "list"
        for cell_range in dv.sqref.ranges:
            validated[cell_range.min_col] = dv.formula1
    for i, column in enumerate(template.columns, start=1):
        if column.kind in ("choice", "bool") and not column.export_only:
            assert i in validated, f"no drop-down on {column.header}"
    options = workbook["选项"]
    assert options.sheet_state == "hidden"
    listed = {col[0].value: [c.value for c in col[1:] if c.value] for col in options.iter_cols()}
    for column in template.columns:
        if column.kind == "choice":
            assert listed[column.header] == [c.label for c in column.choices]
    notes = [r[0] for r in workbook["填写说明"].iter_rows(values_only=True)]
    assert any("示例" in (n or "") for n in notes)
    assert all(c.header in notes for c in template.columns)


def test_member_template_has_text_format_for_id_numbers(tmp_path, members_template):
    _path, workbook = _workbook(pipeline.blank(members_template).read(), tmp_path)
    ws = workbook[members_template.title]
    assert ws.column_dimensions["D"].number_format == "@"  # 身份证号


def test_the_example_row_of_the_template_is_ignored_on_import(world, tmp_path, members_template, orgs_template):
    for template in (members_template, orgs_template):
        path = tmp_path / f"{template.name}.xlsx"
        path.write_bytes(pipeline.blank(template).read())
        outcome = pipeline.commit(template, path, user=world.organizer)
        assert outcome.ok, outcome.errors
        assert outcome.rows == 0
    assert not Member.objects.filter(name="张三").exists()


def test_the_template_page_lists_the_columns(world, client_for):
    page = client_for(world.organizer).get(reverse("io-members")).content.decode()
    assert "公民身份号码" in page  # an alias shown to the user
    assert reverse("io-members-template") in page
