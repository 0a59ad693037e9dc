"""``dangjian import`` / ``dangjian export``: the acting user's scope, every error listed, exit status."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from django.core.management import CommandError, call_command

from dangjian.core import idnumber
from dangjian.core.models import AuditEvent
from dangjian.members.models import Member
from tests.support.excel import read_xlsx

HEADER = ("姓名", "身份证号", "所属组织编码", "人员类别", "入党日期")


def row(seq, name="命令行", org="TA-001"):
    return (name, idnumber.make("410102", dt.date(1991, 2, 3), seq, "female"), org, "预备党员", "2024-02-03")


def run(argv, capsys):
    """Run a command as the console script would; return (exit status, stdout, stderr).

    ``run_from_argv`` would close the test's database connection, so the command is called
    directly and a CommandError is turned into the status ``run_from_argv`` exits with.
    """
    status = 0
    try:
        call_command(*argv)
    except CommandError as exc:
        status = exc.returncode
        print(f"CommandError: {exc}", file=sys.stderr)
    out = capsys.readouterr()
    return status, out.out, out.err


def test_dry_run_of_a_bad_file_lists_every_error_and_exits_non_zero(world, xlsx, capsys):
    path = xlsx([HEADER, row(1), ("坏", "123", "TA-001", "预备党员", "2024-02-03"), row(2, org="TB-001")])
    status, out, err = run(["import", "members", str(path), "--user", "town_a", "--dry-run"], capsys)
    assert status == 1
    assert "第 3 行〈身份证号〉：应为 17 位数字加 1 位数字或 X（共 18 位）" in err
    assert "第 4 行〈所属组织编码〉：组织不存在或无权限" in err
    assert "将新增 1 行" in out
    assert not Member.objects.filter(name="命令行").exists()


def test_dry_run_of_a_good_file_exits_zero_and_writes_nothing(world, xlsx, capsys):
    path = xlsx([HEADER, row(3), row(4, "第二")])
    status, out, _err = run(["import", "members", str(path), "--user", "dept", "--dry-run"], capsys)
    assert status == 0 and "将新增 2 行" in out
    assert not Member.objects.filter(name="命令行").exists()
    assert not AuditEvent.objects.filter(action="import").exists()
    status, out, _err = run(["import", "members", str(path), "--user", "dept"], capsys)
    assert status == 0 and "已新增 2 行" in out
    assert Member.objects.filter(name__in=["命令行", "第二"]).count() == 2
    event = AuditEvent.objects.get(action="import")
    assert event.source == "cli" and event.actor == world.organizer
    status, out, _err = run(["import", "members", str(path), "--user", "dept"], capsys)
    assert status == 0 and "已新增 0 行，已更新 0 行，2 行无变化" in out


def test_the_cli_needs_a_user_with_the_right(world, xlsx, capsys):
    path = xlsx([HEADER, row(5)])
    assert run(["import", "organizations", str(path), "--user", "sec_a1"], capsys)[0] == 1
    assert run(["import", "members", str(path), "--user", "nobody"], capsys)[0] == 1
    assert run(["import", "nothing", str(path), "--user", "dept"], capsys)[0] == 1
    with pytest.raises(CommandError, match="--user"):
        call_command("import", "members", str(path))


def test_cli_export_writes_the_users_scope(world, tmp_path):
    target = tmp_path / "out.xlsx"
    call_command("export", "members", str(target), "--user", "sec_a1", "--query", "status=full")
    rows = read_xlsx(target)
    assert [r[2] for r in rows[1:]] == ["张强"]
    assert AuditEvent.objects.filter(action="export", actor=world.secretary).count() == 1
    call_command("export", "organizations", str(target), "--user", "town_a", "--org", "TA")
    assert [r[1] for r in read_xlsx(target)[1:]] == ["TA", "TA-001", "TA-002"]


def test_cli_export_refuses_an_organization_outside_the_subtree(world, tmp_path, capsys):
    status, _out, err = run(["export", "members", str(tmp_path / "x.xlsx"), "--user", "town_a", "--org", "TB"], capsys)
    assert status == 1 and "TB" in err
