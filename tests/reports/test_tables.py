"""The statistical tables (issue 16 point 2): the engine's figures are the modules' figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.spans import Span
from dangjian.members.queries import member_counts
from dangjian.organizations.models import Organization
from dangjian.orglife.queries import compliance_table
from dangjian.rectification.models import Rectification
from dangjian.reports.tables import TABLES, evaluate
from dangjian.training.queries import person_times_table
from tests import factories

pytestmark = pytest.mark.django_db
YEAR = Span.year(2026)
MEMBER_TABLES = [slug for slug in TABLES if slug.startswith("members-")]


def run(slug, org, span=YEAR):
    return evaluate(TABLES[slug], org, span, Organization.objects.all())


def totals_of(result):
    keys = [c.key for c in [*result.columns, *result.total_columns()]]
    return dict(zip(keys, (value for value, _link in result.totals()), strict=True))


def row_totals(result, column="total"):
    keys = [c.key for c in [*result.columns, *result.total_columns()]]
    return {line["key"]: dict(zip(keys, (v for v, _l in line["cells"]), strict=True))[column] for line in result.grid()}


@pytest.mark.parametrize("slug", MEMBER_TABLES)
def test_member_tables_add_up_to_the_member_count(records, slug):
    w = records
    result = run(slug, w.root)
    paths = [w.root.path, w.town_a.path, w.town_b.path]
    counts = member_counts(paths)
    assert totals_of(result)["total"] == counts[w.root.path] == 3
    rows = row_totals(result)
    assert rows[w.town_a.path] == counts[w.town_a.path] == 2
    assert rows[w.town_b.path] == counts[w.town_b.path] == 1
    assert sum(rows.values()) == counts[w.root.path]


def test_member_cells_link_to_the_members_they_count(records, client_for):
    w = records
    result = run("members-gender", w.root)
    cells = dict(zip([c.key for c in result.columns], result.grid()[1]["cells"], strict=False))
    value, link = cells["female"]
    assert value == 1 and "gender=female" in link and f"org={w.town_a.pk}" in link
    page = client_for(w.organizer).get(link)
    assert page.status_code == 200
    assert "李" in page.content.decode() and "张强" not in page.content.decode()


def test_members_by_ethnicity_and_sector_link_to_new_member_list_filters(records, client_for):
    w = records
    factories.member(w.branch_b1, "阿依古丽", ethnicity="维吾尔族")
    result = run("members-ethnicity", w.root)
    assert totals_of(result)["minority"] == 1 and totals_of(result)["han"] == 3
    _value, link = result.totals()[[c.key for c in result.columns].index("minority")]
    page = client_for(w.organizer).get(link).content.decode()
    assert "阿依古丽" in page and "王伟" not in page
    sector = run("members-sector", w.root)
    assert totals_of(sector)["rural"] == 4
    _value, link = sector.totals()[[c.key for c in sector.columns].index("rural")]
    assert "sector=rural" in link and "王伟" in client_for(w.organizer).get(link).content.decode()


def test_meetings_table_is_the_compliance_page(records):
    w = records
    result = run("meetings", w.root)
    page = compliance_table(Organization.objects.all(), w.root, 2026)
    totals = totals_of(result)
    for kind, _label in page.kinds:
        tally = page.total.by_kind[kind]
        assert (totals[f"{kind}:done"], totals[f"{kind}:due"]) == (tally.done, tally.due)
    assert (totals["total:done"], totals["total:due"]) == (page.total.total.done, page.total.total.due)
    assert totals["theme_day:done"] >= 2
    by_row = {g.key: g.total.due for g in page.groups}
    assert row_totals(result, "total:due") == by_row


def test_training_table_is_the_person_times_page(records):
    w = records
    result = run("training", w.root)
    page = person_times_table(w.root, YEAR.start, YEAR.end)
    assert totals_of(result)["total"] == page.total.person_times == 4
    rows = row_totals(result)
    for row in page.rows:
        assert rows.get(row.org.path, 0) == row.figures.person_times
    assert {c.label for c in result.columns} == {"区委大讲堂", "城关镇培训班"}


def test_rectification_table_counts_the_cases_of_the_year(records):
    w = records
    result = run("rectification", w.root, Span.year(2025))
    totals = totals_of(result)
    assert totals["total"] == Rectification.objects.filter(year=2025).count() == 1
    assert row_totals(result)[w.town_a.path] == 1
    assert run("rectification", w.root)  # another year: empty, no error
    assert totals_of(run("rectification", w.root))["total"] == 0


def test_a_township_scope_has_its_branches_as_rows(records):
    w = records
    result = run("members-status", w.town_a)
    assert [r.key for r in result.rows] == [w.town_a.path, w.branch_a1.path, w.branch_a2.path]
    assert totals_of(result) == {"full": 1, "probationary": 1, "total": 2}


def _grow(root, townships: int):
    for t in range(townships):
        town = factories.org(root, f"新镇{t}", level="committee")
        for b in range(2):
            branch = factories.org(town, f"新村{t}-{b}")
            factories.member(branch, f"党员{t}{b}")


@pytest.mark.parametrize("slug", list(TABLES))
def test_queries_do_not_grow_with_the_subtree(records, slug, django_assert_max_num_queries):
    w = records
    with CaptureQueriesContext(connection) as small:
        run(slug, w.root)
    _grow(w.root, 3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        run(slug, w.root)
    assert len(small.captured_queries) <= 8


def test_quarter_is_the_compliance_quarter():
    from dangjian.reports.tables import compliance_window

    assert compliance_window(Span.parse("2026-Q2")) == (2026, 2)
    assert compliance_window(Span.parse("2026-H1")) == (2026, None)
    assert compliance_window(Span(dt.date(2025, 3, 1), dt.date(2026, 2, 1))) == (2026, None)


def test_the_bench_measures_every_table():
    from dangjian.bench import REPORT_TABLES, report_tables

    assert REPORT_TABLES == tuple(TABLES)
    assert [path.split("?")[0] for _label, path, _target in report_tables("1")] == [
        f"/reports/tables/{slug}/" for slug in TABLES
    ]


def test_a_past_period_links_to_that_days_register(records, client_for):
    w = records
    factories.member(w.branch_b1, "新党员", joined_on=dt.date(2026, 5, 1), full_member_on=None, status="probationary")
    result = run("members-status", w.root, Span.year(2025))
    assert totals_of(result) == {"full": 2, "probationary": 1, "total": 3}  # not 新党员, who joined in 2026
    value, link = result.totals()[-1]
    assert value == 3 and "on=2025-12-31" in link
    page = client_for(w.organizer).get(link).content.decode()
    assert "张强" in page and "王伟" in page and "新党员" not in page
    _value, today_link = run("members-status", w.root).totals()[-1]
    assert "on=" not in today_link and "新党员" in client_for(w.organizer).get(today_link).content.decode()


def test_training_cells_link_to_the_attendance_they_count(records, client_for):
    w = records
    result = run("training", w.root)
    line = next(line for line in result.grid() if line["key"] == w.town_a.path)
    client = client_for(w.organizer)
    for value, link in line["cells"]:
        assert f"org={w.town_a.pk}" in link
        page = client.get(link).content.decode()
        assert page.count('<a href="/members/') == value  # one attendance row per person-time
    assert run("training", w.root, Span.parse("2026-H1")).links == {}  # the training pages count whole years


def test_rectification_and_meeting_cells_link_to_their_lists(records, client_for):
    w = records
    result = run("rectification", w.root, Span.year(2025))
    line = next(line for line in result.grid() if line["key"] == w.town_a.path)
    keys = [c.key for c in [*result.columns, *result.total_columns()]]
    value, link = dict(zip(keys, line["cells"], strict=True))["total"]
    assert value == 1 and f"org={w.town_a.pk}" in link and "year=2025" in link
    assert "东街村党支部" in client_for(w.organizer).get(link).content.decode()
    meetings = run("meetings", w.root)
    own = next(line for line in meetings.grid() if line["key"] == w.root.path) if meetings.grid() else None
    assert own is None or all(not link for _v, link in own["cells"])  # no list shows "its own only"
    assert all(link for _v, link in meetings.totals())


def test_an_empty_table_still_has_its_totals(records):
    result = run("training", records.root, Span.year(2024))
    assert result.columns == [] and totals_of(result) == {"total": 0}


def test_members_without_education_are_counted_as_not_recorded(records):
    w = records
    assert "" not in totals_of(run("members-education", w.root))  # no column when everyone's is recorded
    factories.member(w.branch_a2, "刘洋", education="")
    totals = totals_of(run("members-education", w.root))
    assert totals[""] == 1 and totals["bachelor"] == 3 and totals["total"] == 4
