"""The reserve cadre register (后备干部花名册): new rows for members and non-members, every bad row
reported with its reason and nothing written, masked ID numbers on export, and an export that
re-imports with no change."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.cadres.models import ReserveCadre
from dangjian.core import excel, idnumber
from dangjian.core.excel import pipeline
from tests import factories
from tests.cadres.reserve_world import make_villages, of_member, outsider
from tests.support.excel import read_xlsx

pytestmark = pytest.mark.django_db

HEADER = ("组织编码", "姓名", "身份证号", "学历", "联系电话", "确定时间", "选拔方式", "培养方向", "结对培养人")


@pytest.fixture
def template():
    return excel.get("reserve_cadres")


@pytest.fixture
def villages(world):
    make_villages(world)
    return world


def run(template, user, rows, commit=True):
    return pipeline.run_values(template, [HEADER, *rows], user=user, commit=commit)


def test_a_register_adds_members_and_non_members(villages, template):
    number = factories.id_number(dt.date(1999, 2, 3), "female", region="410103")
    outcome = run(
        template,
        villages.town_organizer,
        [
            ("TA-001", "张强", villages.zhang.id_number, "", "", "2025-03-01", "村内培养", "书记", "王书记"),
            ("TA-002", "钱芳", number, "大专", "13811112222", "2025-03-01", "大学生", "委员", ""),
        ],
    )
    assert outcome.ok, outcome.errors
    assert outcome.created == 2
    zhang = ReserveCadre.objects.get(member=villages.zhang)
    assert zhang.planned_post == "secretary" and zhang.mentor == "王书记" and zhang.name == ""
    qian = ReserveCadre.objects.get(name="钱芳")
    assert qian.gender == "female" and qian.birth_date == dt.date(1999, 2, 3) and qian.education_own == "college"
    assert qian.phone == "13811112222" and qian.org == villages.branch_a2


def test_every_bad_row_is_reported_and_nothing_is_written(villages, template):
    of_member(villages.branch_b1, villages.wang)
    outcome = run(
        template,
        villages.organizer,
        [
            ("TA", "钱芳", factories.id_number(dt.date(1999, 2, 3)), "大专", "", "2025-03-01", "大学生", "委员", ""),
            ("TA-001", "孙丽", "110101199001011234", "高中", "", "2025-03-01", "大学生", "委员", ""),
            ("TA-001", "王伟", villages.wang.id_number, "", "", "2025-03-01", "村内培养", "书记", ""),
            ("TA-001", "李四", factories.id_number(dt.date(1990, 1, 1)), "", "", "2025-03-01", "大学生", "委员", ""),
            (
                "TA-001",
                "周五",
                factories.id_number(dt.date(1990, 1, 1)),
                "高中",
                "",
                "2099-03-01",
                "大学生",
                "委员",
                "",
            ),
        ],
    )
    assert not outcome.ok and not ReserveCadre.objects.exclude(member=villages.wang).exists()
    by_row = {}
    for error in outcome.errors:
        by_row.setdefault(error.row, []).append(f"{error.column} {error.message}")
    assert set(by_row) == {2, 3, 4, 5, 6}, by_row
    assert "组织编码" in " ".join(by_row[2])  # a township is not a village
    assert "身份证号" in " ".join(by_row[3])
    assert "河口村党支部" in " ".join(by_row[4])  # already in another village's pool
    assert "学历" in " ".join(by_row[5])
    assert "确定时间" in " ".join(by_row[6])


def test_the_export_masks_and_reimports_with_no_change(villages, template, tmp_path):
    of_member(villages.branch_a1, villages.zhang, mentor="王书记")
    zhao = outsider(villages.branch_a1)
    for user, masked in ((villages.secretary, True), (villages.organizer, False)):
        result = pipeline.export(template, user=user, params={})
        path = tmp_path / "reserve.xlsx"
        with result.file as fh:
            path.write_bytes(fh.read())
        rows = read_xlsx(path)
        records = {r[rows[0].index("姓名")]: dict(zip(rows[0], r, strict=False)) for r in rows[1:]}
        assert set(records) == {"张强", "赵磊"}
        expected = idnumber.mask(zhao.id_number) if masked else zhao.id_number
        assert records["赵磊"]["身份证号"] == expected and records["张强"]["是否党员"] == "是"
        assert records["赵磊"]["联系电话"] == ("138****1111" if masked else "13800001111")
        outcome = pipeline.run(template, path, user=user, commit=True)
        assert (outcome.unchanged, outcome.created, outcome.updated) == (2, 0, 0), outcome.errors
    assert pipeline.export(template, user=villages.sibling_secretary, params={}).rows == 0


def test_a_changed_line_updates_the_cadre(villages, template):
    zhao = outsider(villages.branch_a1)
    row = ("TA-001", "赵磊", zhao.id_number, "大学本科", "13800001111", "2025-03-01", "大学生", "书记", "")
    outcome = run(template, villages.secretary, [row])
    assert (outcome.updated, outcome.created) == (1, 0), outcome.errors
    zhao = ReserveCadre.objects.get(pk=zhao.pk)
    assert zhao.education_own == "bachelor" and zhao.planned_post == "secretary" and zhao.version == 2
