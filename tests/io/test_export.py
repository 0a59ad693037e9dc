"""Exports: formula injection neutralised, the list page's filters, the subtree, masking."""

from __future__ import annotations

import zipfile

import pytest

from dangjian.core.excel import pipeline, writer
from dangjian.members.models import Member
from dangjian.members.services import member_update
from tests.support.excel import body, read_xlsx

PREFIXES = ["=", "+", "-", "@", "\t", "\r", "\0"]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_safe_text_quotes_every_formula_prefix(prefix):
    value = writer.safe_text(prefix + "cmd|' /C calc'!A0")
    assert value.startswith("'")
    assert "\0" not in value


def test_formula_injection_is_neutralised_in_exported_cells(world, tmp_path, members_template):
    payloads = {p: f'{p}HYPERLINK("http://x")' for p in PREFIXES if p != "\0"}  # NUL cannot be stored
    names = {}
    for i, (prefix, payload) in enumerate(payloads.items()):
        member = world.zhang if i == 0 else world.li
        if i > 1:
            member = Member.objects.create(**{**_copy(world.li), "id_number_hash": f"h{i}"})
        member_update(actor=None, member=member, data={"occupation": payload})
        names[prefix] = member.pk
    result = pipeline.export(members_template, user=world.organizer, params={})
    data = result.file.read()
    path = tmp_path / "export.xlsx"
    path.write_bytes(data)
    rows = read_xlsx(path)
    headers = rows[0]
    occupations = {r[headers.index("系统编号")]: r[headers.index("职业")] for r in rows[1:]}
    for prefix, pk in names.items():  # a carriage return survives as the _x000D_ escape
        assert occupations[pk] == "'" + payloads[prefix]
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no cell is a formula


def test_every_prefix_including_nul_is_neutralised_by_the_writer(tmp_path, members_template):
    path = tmp_path / "raw.xlsx"
    with path.open("wb") as fh:
        records = [{"name": p + "1+1", "occupation": p + "SUM(A1)"} for p in PREFIXES]
        assert writer.write_export(members_template, records, fh) == 7
    rows = read_xlsx(path)[1:]
    for row, prefix in zip(rows, PREFIXES, strict=True):
        expected = ("'" + prefix).replace("\0", "")
        assert row[2] == expected + "1+1"
        assert row[9] == expected + "SUM(A1)"


def _copy(member):
    fields = ("name", "gender", "birth_date", "status", "joined_on", "id_number_enc", "org", "org_path")
    return {f: getattr(member, f) for f in fields}


def test_a_reimported_export_keeps_values_that_needed_quoting(world, tmp_path, members_template):
    member_update(actor=None, member=world.zhang, data={"occupation": "-退休-", "mobile_destination": ""})
    result = pipeline.export(members_template, user=world.organizer, params={})
    path = tmp_path / "export.xlsx"
    path.write_bytes(result.file.read())
    outcome = pipeline.commit(members_template, path, user=world.organizer)
    assert (outcome.updated, outcome.created) == (0, 0), [str(e) for e in outcome.errors]


def test_the_member_export_takes_the_list_page_filters(world, client_for):
    client = client_for(world.organizer)
    response = client.get("/io/export/members/", {"org": world.branch_a1.pk, "status": "probationary", "page": 3})
    rows = read_xlsx(body(response))
    assert [r[2] for r in rows[1:]] == ["李娜"]
    response = client.get("/io/export/members/", {"q": "zq"})
    assert [r[2] for r in read_xlsx(body(response))[1:]] == ["张强"]
    assert 'filename="' in response["Content-Disposition"] or "filename*=" in response["Content-Disposition"]


def test_exports_outside_the_subtree_answer_404(world, client_for):
    client = client_for(world.secretary)
    assert client.get("/io/export/members/", {"org": world.branch_b1.pk}).status_code == 404
    assert client.get("/io/export/members/", {"org": "nonsense"}).status_code == 404
    assert client.get("/io/export/organizations/", {"org": world.town_b.pk}).status_code == 404
    client = client_for(world.town_organizer)
    assert client.get("/io/export/organizations/", {"org": world.root.pk}).status_code == 404
    rows = read_xlsx(body(client.get("/io/export/organizations/", {"org": world.town_a.pk})))
    assert [r[1] for r in rows[1:]] == ["TA", "TA-001", "TA-002"]


def test_a_secretary_export_shows_only_their_subtree(world, client_for):
    rows = read_xlsx(body(client_for(world.sibling_secretary).get("/io/export/members/")))
    assert [r[2] for r in rows[1:]] == ["王伟"]
    assert "*" in rows[1][3]


def test_anonymous_users_cannot_export(world, client):
    response = client.get("/io/export/members/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_export_declares_its_size_so_that_a_reader_need_not_scan_it(world, tmp_path, members_template):
    result = pipeline.export(members_template, user=world.organizer, params={})
    path = tmp_path / "export.xlsx"
    path.write_bytes(result.file.read())
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert f'<dimension ref="A1:S{result.rows + 1}"/>' in sheet
