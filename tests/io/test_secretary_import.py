"""A branch secretary registers members by import, as in the form: only into their own branch."""

import datetime as dt

from dangjian.core import excel
from dangjian.core.excel.pipeline import run_values
from dangjian.members.models import Member
from tests import factories

HEADER = ("姓名", "身份证号", "所属组织编码", "人员类别", "入党日期")


def test_a_secretary_imports_members_into_their_branch_only(world):
    rows = [
        HEADER,
        ("赵一", factories.id_number(dt.date(1990, 1, 2), "male"), world.branch_a1.code, "预备党员", "2025-01-01"),
        ("钱二", factories.id_number(dt.date(1991, 1, 2), "female"), world.branch_b1.code, "预备党员", "2025-01-01"),
    ]
    outcome = run_values(excel.get("members"), rows, user=world.secretary, commit=True)
    assert [e.row for e in outcome.errors] == [3]
    assert not Member.objects.filter(name__in=["赵一", "钱二"]).exists()  # all or nothing
    outcome = run_values(excel.get("members"), rows[:2], user=world.secretary, commit=True)
    assert outcome.ok and outcome.created == 1
    assert Member.objects.get(name="赵一").org == world.branch_a1
