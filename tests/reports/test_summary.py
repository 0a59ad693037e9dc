"""The work summary: the default template's sentences, the page's links, the .docx read back, the template
edit page (refusals name the placeholder; one audit event per save), the command, scope and query count."""

import datetime as dt
import io
import re

import docx
import pytest
from django.core.management import call_command

from dangjian.core.spans import Span
from dangjian.reports import summary as summaries
from dangjian.reports.models import SummaryTemplate
from dangjian.reports.summary_output import summary_document
from dangjian.reports.summary_services import summary_template_save
from tests.factories import org, programme, session
from tests.support.audit import assert_no_audit_event, assert_one_audit_event
from tests.support.excel import read_xlsx

pytestmark = pytest.mark.django_db
YEAR = Span.year(2026)


@pytest.fixture
def trained(world, today):
    session(programme(world.root), present=[world.zhang, world.wang])
    return world


def test_the_default_template_writes_the_departments_kinds_of_sentences(trained):
    summary = summaries.summary_of(trained.root, YEAR, trained.organizer)
    text = "\n".join(t for s in summary.sections for t in s.text())
    assert summary.title == "区委2026年党建工作总结"
    assert "共有党员3名" in text
    assert "举办党员干部培训1期，累计培训2人次" in text
    assert "其中，“区委大讲堂”1期2人次。" in text
    assert "培养村级后备干部0人" in text
    assert "软弱涣散和后进党组织中，已有0个完成整顿任务" in text
    assert "开展志愿服务活动0场" in text
    assert "{" not in text


def test_a_section_whose_module_is_missing_is_left_out(trained, monkeypatch):
    from django.apps import apps

    installed = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name != "dangjian.cadres" and installed(name))
    summary = summaries.summary_of(trained.root, YEAR, trained.organizer)
    assert "村级后备干部队伍建设" not in [s.heading for s in summary.sections]
    assert "干部教育培训" in [s.heading for s in summary.sections]
    assert not any(v.name.startswith("cadres.") for v in summary.values)


def test_the_page_links_every_figure_to_its_records(trained, client_for):
    response = client_for(trained.organizer).get(f"/reports/summary/?org={trained.root.pk}&period=2026")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/training/figures/attendance/?org={trained.root.pk}&amp;year=2026"' in page
    assert f'href="/members/?org={trained.root.pk}"' in page
    assert "编辑模板" in page  # the department edits the template
    town = client_for(trained.town_organizer).get(f"/reports/summary/?org={trained.town_a.pk}").content.decode()
    assert re.search(r"累计培训<a [^>]*>1</a>人次", town) and "编辑模板" not in town


def test_the_docx_holds_the_sentences_and_the_appendix(trained):
    body = summary_document(trained.root, YEAR, trained.organizer, "docx")
    document = docx.Document(io.BytesIO(body))
    paragraphs = [p.text for p in document.paragraphs]
    assert "区委2026年党建工作总结" in paragraphs
    assert any("累计培训2人次" in p for p in paragraphs)
    table = document.tables[0]
    rows = {row.cells[4].text: [c.text for c in row.cells] for row in table.rows[1:]}
    assert rows["training.person_times"][1] == "2"
    assert rows["members.total"][1] == "3" and rows["members.total"][3]


def test_the_xlsx_is_the_figure_table(trained):
    rows = read_xlsx(summary_document(trained.root, YEAR, trained.organizer, "xlsx"))
    values = {r[4]: r[1] for r in rows[1:]}
    assert values["training.person_times"] == 2


def test_outside_the_subtree_is_a_404(trained, client_for):
    assert client_for(trained.sibling_secretary).get(f"/reports/summary/?org={trained.town_a.pk}").status_code == 404
    assert client_for(trained.member_user).get("/reports/summary/").status_code == 404
    url = f"/reports/summary/?org={trained.town_a.pk}&format=docx"
    assert client_for(trained.sibling_secretary).get(url).status_code == 404


def test_the_query_count_does_not_grow_with_the_organizations(trained, client_for, django_assert_max_num_queries):
    client = client_for(trained.organizer)
    url = f"/reports/summary/?org={trained.root.pk}&period=2026"
    client.get(url)
    with django_assert_max_num_queries(60) as small:
        client.get(url)
    for i in range(12):
        town = org(trained.root, f"新镇{i}党委", level="committee", code=f"N{i}")
        org(town, f"新村{i}党支部", code=f"N{i}-001")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_the_department_edits_the_template(trained, client_for):
    client = client_for(trained.organizer)
    url = f"/reports/summary/template/?org={trained.root.pk}"
    assert client.get(url).status_code == 200
    data = {
        "title": "年度总结",
        "body": "## 培训\n累计培训{training.person_times|余}人次。",
        "effective_from": "2026-06-21",
    }
    with assert_one_audit_event("update", object_type="reports.summarytemplate"):
        assert client.post(url, data).status_code == 302
    assert SummaryTemplate.objects.count() == 2
    later = summaries.summary_of(trained.root, YEAR, trained.organizer)  # the new version starts tomorrow
    assert later.title.endswith("党建工作总结")


@pytest.mark.parametrize(
    ("body", "named"),
    [("{training.nothing}", "training.nothing"), ("{members.total|约}", "约"), ("{}", "{}")],
)
def test_an_unknown_placeholder_or_phrase_is_refused_naming_it(trained, client_for, body, named):
    client = client_for(trained.organizer)
    url = f"/reports/summary/template/?org={trained.root.pk}"
    with assert_no_audit_event():
        response = client.post(url, {"title": "总结", "body": body, "effective_from": "2026-06-21"})
    assert response.status_code == 200
    assert named in response.content.decode()
    assert SummaryTemplate.objects.count() == 1


def test_only_the_department_edits_the_template(trained, client_for):
    assert client_for(trained.town_organizer).get("/reports/summary/template/").status_code == 404
    assert client_for(trained.secretary).get("/reports/summary/template/").status_code == 404


@pytest.mark.parametrize("suffix", ["docx", "html", "xlsx"])
def test_the_command_writes_the_summary(trained, tmp_path, suffix):
    out = tmp_path / f"summary.{suffix}"
    call_command("report", "summary", "--org", "TA", "--from", "2026-01-01", "--to", "2026-12-31", "-o", str(out))
    assert out.stat().st_size > 0
    if suffix == "html":
        assert "城关镇党委" in out.read_text() and "累计培训1人次" in out.read_text()


def test_the_period_is_the_spans_vocabulary(trained):
    half = summaries.summary_of(trained.root, Span.parse("2026-H2"), trained.organizer)
    assert half.title == "区委2026年下半年党建工作总结"
    assert {v.name: v.value for v in half.values}["training.person_times"] == 0
    assert dt.date(2026, 7, 1) == half.span.start


def test_the_first_district_template_is_created_with_one_audit_event(trained):
    SummaryTemplate.objects.all().delete()
    with assert_one_audit_event("create", object_type="reports.summarytemplate"):
        made = summary_template_save(
            actor=trained.organizer,
            current=None,
            title="总结",
            body="{members.total}",
            effective_from=dt.date(2026, 1, 1),
        )
    assert made.org is None and summaries.template_for(trained.town_a, dt.date(2026, 6, 1)) == made
