"""The statistical tables' pages, export and API: scope, 404s, bad parameters, the file read back."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from dangjian.core.spans import Span
from dangjian.organizations.models import Organization
from dangjian.reports.tables import TABLES, evaluate
from tests.support.excel import read_xlsx

pytestmark = pytest.mark.django_db


def test_the_list_links_every_table_for_the_scope(records, client_for):
    w = records
    page = client_for(w.organizer).get("/reports/tables/?period=2026-H1").content.decode()
    for slug in TABLES:
        assert f"/reports/tables/{slug}/?org={w.root.pk}&period=2026-H1" in page
        assert f"/reports/tables/{slug}.xlsx?org={w.root.pk}&period=2026-H1" in page


def test_the_nav_leads_organizers_to_the_tables(records, client_for):
    assert 'href="/reports/tables/"' in client_for(records.organizer).get("/").content.decode()


@pytest.mark.parametrize("slug", list(TABLES))
def test_every_table_renders_with_its_totals_row(records, client_for, slug):
    w = records
    page = client_for(w.organizer).get(f"/reports/tables/{slug}/?period=2025").content.decode()
    assert "<tfoot>" in page and "城关镇党委" in page and "table-responsive" in page


def test_a_township_organizer_sees_their_township_and_nothing_beyond(records, client_for):
    w = records
    client = client_for(w.town_organizer)
    page = client.get("/reports/tables/members-education/").content.decode()
    assert "东街村党支部" in page and "河口镇党委" not in page
    for url in (
        f"/reports/tables/members-education/?org={w.town_b.pk}",
        f"/reports/tables/members-education.xlsx?org={w.town_b.pk}",
        f"/reports/tables/?org={w.root.pk}",
        "/reports/tables/no-such-table/",
    ):
        assert client.get(url).status_code == 404, url


def test_members_get_a_404(records, client_for):
    client = client_for(records.member_user)
    assert client.get("/reports/tables/").status_code == 404
    assert client.get("/reports/tables/members-gender/").status_code == 404


def main(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


@pytest.mark.parametrize(
    "query",
    ["period=garbage", "period=2026-Q9", "from=2026-13-01&to=2026-02-01", "from=2026-05-01&to=2026-01-01", "year=x"],
)
def test_bad_parameters_give_the_default_period(records, client_for, query):
    client = client_for(records.organizer)
    default = main(client.get("/reports/tables/training/"))
    response = client.get(f"/reports/tables/training/?{query}")
    assert response.status_code == 200
    assert main(response) == default and 'value="2026" selected' in default


def test_bad_org_is_a_404_not_a_500(records, client_for):
    assert client_for(records.organizer).get("/reports/tables/training/?org=abc").status_code == 404


def test_the_export_is_the_page_in_the_departments_layout(records, client_for):
    w = records
    response = client_for(w.organizer).get(f"/reports/tables/meetings.xlsx?org={w.root.pk}&period=2026")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(response.content)
    result = evaluate(TABLES["meetings"], w.root, Span.year(2026), Organization.objects.all())
    assert rows[0][0] == "组织生活：会议召开与应开情况"
    assert rows[1][0] == "填报单位：区委"
    assert rows[2][0].startswith("统计期间：2026")
    assert rows[3][0].startswith("截至日期：")
    kinds = [c.group for c in result.columns]
    assert rows[4][1] == kinds[0] and rows[5][1] == "达标期数" and rows[5][2] == "应开期数"
    body = rows[6 : 6 + len(result.rows)]
    assert [r[0] for r in body] == [r.label for r in result.rows]
    assert [list(r[1:]) for r in body] == [[v for v, _l in line["cells"]] for line in result.grid()]
    total = rows[6 + len(result.rows)]
    assert total[0] == "合计" and list(total[1:]) == [v for v, _l in result.totals()]
    notes = [r[0] for r in rows[7 + len(result.rows) :] if r[0]]
    assert notes[0] == "说明：" and any("应开期数" in n for n in notes)


def test_the_member_export_carries_the_member_count_definition(records, client_for):
    w = records
    response = client_for(w.organizer).get("/reports/tables/members-education.xlsx?period=2026")
    rows = read_xlsx(response.content)
    assert rows[4][0] == "党组织" and rows[5][0] == "区委本级"
    assert any(r[0] and "在册" in r[0] for r in rows)
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToHeight == 0 and sheet.sheet_properties.pageSetUpPr.fitToPage  # one page wide
    assert "A1" in str(sheet.merged_cells)


def test_api_lists_the_tables_and_gives_one(records, api_as):
    w = records
    api = api_as(w.organizer)
    listed = api.get("/reports/tables").json()
    assert [t["slug"] for t in listed] == list(TABLES)
    data = api.get(f"/reports/tables/members-gender?org={w.town_a.pk}&period=2026").json()
    assert data["org_id"] == w.town_a.pk and data["start"] == "2026-01-01"
    assert [c["key"] for c in data["total_columns"]] == ["total"]
    total = {c["column"]: c["value"] for c in data["totals"]}
    assert total == {"male": 1, "female": 1, "total": 2}
    assert data["rows"][1]["label"] == "东街村党支部" and data["definitions"]


def test_api_scope_and_bad_parameters(records, api_as):
    w = records
    town = api_as(w.town_organizer)
    assert town.get(f"/reports/tables/training?org={w.town_b.pk}").status_code == 404
    assert town.get("/reports/tables/nothing").status_code == 404
    assert town.get("/reports/tables/training?period=nonsense").status_code == 200
    assert api_as(w.member_user).get("/reports/tables").status_code == 404
