"""A small upload must not tie up the server: the work an .xlsx costs is bounded before parsing.

Each hostile file is refused with a Chinese reason, and the tests assert what bounds the work — the
bytes read from the large part (counted by a wrapper around ``ZipFile.open``), the rows walked —
never the time it took.
"""

from __future__ import annotations

import collections
import datetime as dt
import io
import re
import secrets
import zipfile

import pytest
import xlsxwriter

from dangjian.core import idnumber
from dangjian.core.excel import budget, pipeline, reader
from tests.io.test_files import HEADER, assert_refused, rewrite

SST = "xl/sharedStrings.xml"
SHEET = "xl/worksheets/sheet1.xml"
NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture(autouse=True)
def in_process(monkeypatch):
    """Parse in this process (not in the parsing child), where the wrapper below can count."""
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 1 << 40)


@pytest.fixture
def bytes_read(monkeypatch):
    """Bytes read so far from each part of any package opened (by us or by openpyxl)."""
    counts: collections.Counter[str] = collections.Counter()
    original = zipfile.ZipFile.open

    def counting_open(self, name, mode="r", *args, **kwargs):
        handle = original(self, name, mode, *args, **kwargs)
        if mode == "r":
            key = name.filename if isinstance(name, zipfile.ZipInfo) else name
            read = handle.read

            def counted(n=-1):
                data = read(n)
                counts[key] += len(data)
                return data

            handle.read = counted
        return handle

    monkeypatch.setattr(zipfile.ZipFile, "open", counting_open)
    return counts


@pytest.fixture
def shared(tmp_path):
    """A valid members file saved with a shared-strings table, as Excel and WPS save."""
    path = tmp_path / "shared.xlsx"
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = book.add_worksheet("Sheet1")
    sheet.write_row(0, 0, HEADER)
    for i in range(5):
        number = idnumber.make("410102", dt.date(1990, 1, 1), i, "male")
        sheet.write_row(i + 1, 0, (f"成员{i}", number, "TA-001", "预备党员", "2024-01-01"))
    book.close()
    return path


def part(path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


def with_strings(source, target, extra: bytes, unique: int | None = None):
    """The file with ``extra`` shared strings appended (and ``uniqueCount`` set when given)."""
    table = part(source, SST).replace(b"</sst>", extra + b"</sst>")
    if unique is not None:
        table = re.sub(rb'uniqueCount="\d+"', f'uniqueCount="{unique}"'.encode(), table)
    return rewrite(source, target, {SST: table})


def junk_strings(count: int) -> bytes:
    """Strings no cell uses, hard to compress (the issue's file: 2.3 MB holding 20 MB)."""
    return b"".join(b"<si><t>%s</t></si>" % secrets.token_hex(6).encode() for _ in range(count))


def test_the_file_saved_with_shared_strings_is_accepted(world, shared, members_template):
    assert pipeline.preview(members_template, shared, user=world.organizer).created == 5


def test_a_shared_strings_table_over_its_size_is_refused_before_it_is_read(
    world, shared, tmp_path, members_template, settings, bytes_read
):
    settings.IMPORT_MAX_SHARED_STRINGS_BYTES = 256 * 1024
    path = with_strings(shared, tmp_path / "big.xlsx", junk_strings(40_000))
    assert len(part(path, SST)) > 1024 * 1024
    bytes_read.clear()
    assert_refused(members_template, path, world.organizer, "共享字符串表解压后过大")
    assert bytes_read[SST] == 0


def test_more_declared_shared_strings_than_the_sheet_has_cells_are_refused_from_the_first_bytes(
    world, shared, tmp_path, members_template, bytes_read
):
    """The issue's file: a table far larger than the cells that could use it, inside every size limit."""
    path = with_strings(shared, tmp_path / "declared.xlsx", junk_strings(40_000), unique=40_025)
    table = part(path, SST)
    assert b'uniqueCount="40025"' in table and len(table) > 1024 * 1024
    bytes_read.clear()
    assert_refused(members_template, path, world.organizer, "多于工作表中的单元格")
    assert bytes_read[SST] <= budget.HEAD_BYTES


def test_a_false_declared_count_is_caught_while_reading(world, shared, tmp_path, members_template, bytes_read):
    path = with_strings(shared, tmp_path / "lying.xlsx", junk_strings(40_000), unique=5)
    table_size = len(part(path, SST))
    sheet_size = zipfile.ZipFile(path).getinfo(SHEET).file_size
    allowed = budget.strings_allowed(sheet_size, budget.limits())
    bytes_read.clear()
    assert_refused(members_template, path, world.organizer, "多于工作表中的单元格")
    # No more than the strings allowed (each under 40 bytes) and a read-ahead were read.
    assert bytes_read[SST] <= allowed * 40 + 256 * 1024 < table_size


def test_more_shared_strings_than_the_limit_are_refused(world, shared, tmp_path, members_template, settings):
    settings.IMPORT_MAX_SHARED_STRINGS = 20
    path = with_strings(shared, tmp_path / "many.xlsx", junk_strings(30))
    assert_refused(members_template, path, world.organizer, "共享字符串过多")


def test_a_shared_string_of_endless_rich_text_runs_is_refused_early(
    world, shared, tmp_path, members_template, bytes_read
):
    run = b"<r><rPr><b/></rPr><t>%s</t></r>"  # 4 elements, with text that does not compress away
    runs = b"<si>" + b"".join(run % secrets.token_hex(4).encode() for _ in range(100_000)) + b"</si>"
    path = with_strings(shared, tmp_path / "runs.xlsx", runs)
    bytes_read.clear()
    assert_refused(members_template, path, world.organizer, "元素过多")
    per_run = len(run % b"12345678")
    assert bytes_read[SST] <= budget.MAX_ELEMENTS_PER_STRING / 4 * per_run + 256 * 1024 < 100_000 * per_run


def test_a_declared_sheet_size_over_the_limits_is_refused_before_the_sheet_is_parsed(
    world, shared, tmp_path, members_template, bytes_read
):
    sheet = part(shared, SHEET)
    huge = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', sheet)
    assert huge != sheet
    path = rewrite(shared, tmp_path / "huge.xlsx", {SHEET: huge})
    bytes_read.clear()
    assert_refused(members_template, path, world.organizer, "工作表声明的范围过大")
    assert bytes_read[SHEET] <= budget.HEAD_BYTES
    assert bytes_read[SST] == 0


def test_rows_far_below_the_last_one_are_counted_and_refused(world, shared, tmp_path, members_template, settings):
    """openpyxl yields a blank row for every missing row number: one cell at row 5,000,000 would
    make millions of them. They are counted (blank ones too) and refused past the limit."""
    settings.IMPORT_MAX_SHEET_ROWS = 1000
    sheet = part(shared, SHEET)
    far = sheet.replace(b"</sheetData>", b'<row r="5000000"><c r="A5000000"><v>1</v></c></row></sheetData>')
    far = re.sub(rb'<dimension ref="[^"]*"\s*/>', b"", far)
    path = rewrite(shared, tmp_path / "far.xlsx", {SHEET: far})
    walked = []
    original = budget.Budget.row

    def row(self, values):
        walked.append(1)
        return original(self, values)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(budget.Budget, "row", row)
        assert_refused(members_template, path, world.organizer, "工作表超过 1000 行（含空行）")
    assert len(walked) == 1001


def test_a_row_wider_than_the_limit_is_refused(world, shared, tmp_path, members_template):
    sheet = part(shared, SHEET)
    wide = sheet.replace(b"</row>", b'<c r="XFD2"><v>1</v></c></row>', 2).replace(b'<c r="XFD2"><v>1</v></c>', b"", 1)
    wide = re.sub(rb'<dimension ref="[^"]*"\s*/>', b"", wide)
    path = rewrite(shared, tmp_path / "wide.xlsx", {SHEET: wide})
    assert_refused(members_template, path, world.organizer, "超过 256 列")


def test_the_parse_budget_bounds_the_work(world, shared, members_template, settings):
    settings.IMPORT_PARSE_BUDGET = 40
    assert_refused(members_template, shared, world.organizer, "解析工作量超过上限 40")


def test_an_oversized_part_is_refused_from_the_directory(world, shared, tmp_path, members_template, settings):
    settings.IMPORT_MAX_PART_BYTES = 64 * 1024
    styles = part(shared, "xl/styles.xml")
    padded = styles.replace(b"<numFmts", b"<!-- " + secrets.token_hex(50_000).encode() + b" --><numFmts", 1)
    padded = padded if padded != styles else styles + b"<!-- " + secrets.token_hex(50_000).encode() + b" -->"
    path = rewrite(shared, tmp_path / "styles.xlsx", {"xl/styles.xml": padded})
    assert_refused(members_template, path, world.organizer, "部件 xl/styles.xml 解压后过大")


def test_a_part_longer_than_its_directory_entry_says_is_stopped_while_streaming():
    """The directory can lie: the stream itself stops at the part's limit."""
    lim = {**budget.limits(), "max_part_bytes": 1000}
    spent = budget.Budget(lim)
    stream = io.BufferedReader(budget.GuardedPart(io.BytesIO(b"<a>" + b"x" * 100_000), "xl/a.xml", 1000, spent, False))
    with pytest.raises(budget.FileRejected, match="压缩包目录与内容不符"):
        stream.read()
    assert spent.bytes <= 64 * 1024


def test_a_huge_cell_is_stopped_while_streaming(world, shared, tmp_path, members_template, settings):
    settings.IMPORT_MAX_ROW_BYTES = 64 * 1024
    sheet = part(shared, SHEET)
    big = b'<c r="F2" t="inlineStr"><is><t>' + secrets.token_hex(200_000).encode() + b"</t></is></c></row>"
    path = rewrite(shared, tmp_path / "cell.xlsx", {SHEET: sheet.replace(b"</row>", big, 2).replace(big, b"</row>", 1)})
    assert_refused(members_template, path, world.organizer, "过大的行或单元格")


def test_the_limits_follow_the_row_limit(settings):
    settings.IMPORT_MAX_ROWS = 400_000
    wide = budget.limits()
    settings.IMPORT_MAX_ROWS = 200_000
    default = budget.limits()
    for name in ("max_sheet_bytes", "max_strings", "max_strings_bytes", "max_sheet_rows", "parse_budget"):
        assert wide[name] > default[name], name


def test_the_child_process_enforces_the_same_limits(world, shared, tmp_path, members_template, monkeypatch, settings):
    monkeypatch.setattr(reader, "PARALLEL_MIN_BYTES", 0)
    settings.IMPORT_PARSE_BUDGET = 40  # known only to this process: the child gets the limits from it
    assert_refused(members_template, shared, world.organizer, "解析工作量超过上限 40")
