"""Hostile and broken files: each is refused with a Chinese reason, never a 500 or a partial write."""

from __future__ import annotations

import stat
import tracemalloc
import zipfile

import pytest

from dangjian.core.excel import pipeline, reader
from dangjian.core.models import AuditEvent
from dangjian.members.models import Member

HEADER = ("姓名", "身份证号", "所属组织编码", "人员类别", "入党日期")


@pytest.fixture(autouse=True, params=["in-process", "child"])
def parsing(request, monkeypatch):
    """Every file check runs twice: parsed in this process, and by the parsing child process
    that large files get (see reader._rows_from_child)."""
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0 if request.param == "child" else 1 << 40)
    return request.param


@pytest.fixture
def valid(xlsx):
    from dangjian.core import idnumber

    rows = [HEADER]
    for i in range(5):
        rows.append((f"成员{i}", idnumber.make("410102", __import__("datetime").date(1990, 1, 1), i, "male"), "TA-001"))
        rows[-1] += ("预备党员", "2024-01-01")
    return xlsx(rows)


def rewrite(source, target, replace: dict[str, bytes] | None = None, extra: list[tuple] | None = None):
    """Copy an .xlsx, replacing some entries and adding others (name, data[, ZipInfo tweaks])."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = (replace or {}).get(item.filename, src.read(item.filename))
            dst.writestr(item.filename, data)
        for name, data, *tweak in extra or []:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if tweak:
                tweak[0](info)
            dst.writestr(info, data)
    return target


def with_doctype(xml: bytes, doctype: bytes, entity_ref: bytes) -> bytes:
    """Put a DOCTYPE before the root element and an entity reference inside it."""
    declaration = b""
    if xml.startswith(b"<?xml"):
        declaration, xml = xml.split(b"?>", 1)
        declaration += b"?>"
    root_end = xml.index(b">") + 1
    return declaration + doctype + xml[:root_end] + entity_ref + xml[root_end:]


def assert_refused(template, path, user, reason: str):
    members, events = Member.objects.count(), AuditEvent.objects.exclude(action="import").count()
    tracemalloc.start()
    try:
        outcome = pipeline.commit(template, path, user=user)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"refusing the file took {peak / 2**20:.0f} MiB: it was expanded before it was refused"
    assert outcome.file_rejected and not outcome.committed
    assert reason in str(outcome.errors[0]), outcome.errors
    assert Member.objects.count() == members
    assert AuditEvent.objects.exclude(action="import").count() == events
    assert AuditEvent.objects.filter(action="import", outcome="failure").exists()
    return outcome


def test_openpyxl_parses_with_defusedxml():
    import defusedxml.ElementTree
    from openpyxl.xml import functions

    assert reader.defused()
    assert functions.iterparse is defusedxml.ElementTree.iterparse
    assert functions.fromstring is defusedxml.ElementTree.fromstring


def test_the_valid_file_is_accepted(world, valid, members_template):
    assert pipeline.preview(members_template, valid, user=world.organizer).created == 5


BILLION_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'.encode() for i in range(1, 10))
    + b"]>"
)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "[Content_Types].xml", "xl/workbook.xml"])
def test_billion_laughs_inside_the_xlsx_is_refused(world, valid, tmp_path, members_template, part):
    with zipfile.ZipFile(valid) as z:
        original = z.read(part)
    hostile = with_doctype(original, BILLION_LAUGHS, b"&lol9;")
    path = rewrite(valid, tmp_path / "laughs.xlsx", {part: hostile})
    assert_refused(members_template, path, world.organizer, "XML 实体")


def test_an_external_entity_is_refused(world, valid, tmp_path, members_template):
    with zipfile.ZipFile(valid) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    hostile = with_doctype(sheet, b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', b"&xxe;")
    path = rewrite(valid, tmp_path / "xxe.xlsx", {"xl/worksheets/sheet1.xml": hostile})
    assert_refused(members_template, path, world.organizer, "XML 实体")


def test_a_high_ratio_zip_is_refused(world, valid, tmp_path, members_template):
    path = rewrite(valid, tmp_path / "bomb.xlsx", extra=[("xl/media/padding.bin", b"\0" * (3 * 1024 * 1024))])
    assert_refused(members_template, path, world.organizer, "压缩比过高")


def test_too_much_uncompressed_data_is_refused(world, valid, tmp_path, members_template, settings):
    settings.IMPORT_MAX_UNCOMPRESSED = 1000
    assert_refused(members_template, valid, world.organizer, "解压后过大")


def test_too_many_zip_entries_are_refused(world, valid, tmp_path, members_template):
    path = rewrite(valid, tmp_path / "many.xlsx", extra=[(f"xl/x/{i}.xml", b"<a/>") for i in range(1001)])
    assert_refused(members_template, path, world.organizer, "文件过多")


@pytest.mark.parametrize("name", ["../../evil.txt", "/etc/evil", "xl/../../evil", "C:/evil.txt"])
def test_path_traversal_entries_are_refused(world, valid, tmp_path, members_template, name):
    path = rewrite(valid, tmp_path / "slip.xlsx", extra=[(name, b"x")])
    assert_refused(members_template, path, world.organizer, "越界路径")


def test_symlink_entries_are_refused(world, valid, tmp_path, members_template):
    def as_link(info):
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16

    path = rewrite(valid, tmp_path / "link.xlsx", extra=[("xl/link", b"/etc/passwd", as_link)])
    assert_refused(members_template, path, world.organizer, "链接")


def test_an_encrypted_workbook_is_refused(world, tmp_path, members_template):
    path = tmp_path / "secret.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    assert_refused(members_template, path, world.organizer, "加密")


def test_a_file_over_the_size_limit_is_refused(world, valid, members_template, settings):
    settings.IMPORT_MAX_BYTES = 1000
    assert_refused(members_template, valid, world.organizer, "文件超过 0 MB")


def test_a_text_file_renamed_xlsx_is_refused(world, tmp_path, members_template):
    path = tmp_path / "members.xlsx"
    path.write_text("姓名,身份证号\n张三,410102199001010011\n", encoding="utf-8")
    assert_refused(members_template, path, world.organizer, "不是 Excel .xlsx 文件")


def test_a_zip_that_is_not_a_workbook_is_refused(world, tmp_path, members_template):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    assert_refused(members_template, path, world.organizer, "不是 Excel .xlsx 文件")


def test_a_truncated_workbook_is_refused(world, valid, tmp_path, members_template):
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(valid.read_bytes()[:-200])
    assert_refused(members_template, path, world.organizer, "文件已损坏")


def test_a_broken_sheet_is_refused_even_after_rows_were_read(world, valid, tmp_path, members_template):
    with zipfile.ZipFile(valid) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    path = rewrite(valid, tmp_path / "broken.xlsx", {"xl/worksheets/sheet1.xml": sheet[: len(sheet) * 2 // 3]})
    assert_refused(members_template, path, world.organizer, "文件已损坏")


def test_more_rows_than_the_limit_are_refused_and_nothing_is_written(world, valid, members_template, settings):
    settings.IMPORT_MAX_ROWS = 3
    assert_refused(members_template, valid, world.organizer, "数据超过 3 行")


def test_a_declared_sheet_size_is_not_trusted(world, valid, tmp_path, members_template):
    """The rows are read past a declared size that is too small (one too large is refused before
    parsing: tests/io/test_parse_budget.py)."""
    with zipfile.ZipFile(valid) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    import re

    lying = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:B2"/>', sheet)
    assert lying != sheet
    path = rewrite(valid, tmp_path / "lying.xlsx", {"xl/worksheets/sheet1.xml": lying})
    outcome = pipeline.preview(members_template, path, user=world.organizer)
    assert outcome.ok and outcome.created == 5
