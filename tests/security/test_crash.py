"""Crash safety (ASVS 16.5.3, checklist 46): a killed import leaves no trace; concurrent edits are refused clearly."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import sqlite3
import subprocess
import time

import openpyxl
import pytest
from django.urls import reverse

from dangjian.core import idnumber
from dangjian.members.models import Member
from tests.security.scratch import DANGJIAN, REPO

ROWS = 4000  # batched writes are fast: the write phase must outlast KILL_AFTER
KILL_AFTER = 0.3  # seconds after the import began writing
HEADER = ("姓名", "身份证号", "所属组织编码", "人员类别", "入党日期")


def import_file(path, rows=ROWS):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(HEADER)
    for i in range(rows):
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=i // 100)
        number = idnumber.make("410102", birth, i % 100, "female" if i % 2 else "male")
        ws.append((f"导入{i}", number, "TA-001", "预备党员", "2024-02-03"))
    book.save(path)
    return path


def writing(scratch) -> bool:
    """Whether another process holds an open write transaction on the scratch database."""
    if scratch.vendor == "sqlite":
        probe = sqlite3.connect(scratch.path, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True  # "database is locked": the import holds the write lock
        else:
            probe.rollback()
            return False
        finally:
            probe.close()
    import psycopg

    with psycopg.connect(scratch.url) as db:
        row = db.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'members_member' AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()"
        ).fetchone()
        return row[0] > 0  # rows are being inserted into members_member


def start_import(scratch, path):
    return subprocess.Popen(  # noqa: S603 - our own console script
        [DANGJIAN, "import", "members", str(path), "--user", "dept"],
        env=scratch.env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_writing(scratch, process, limit=60.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if process.poll() is not None:
            raise AssertionError(f"the import ended before it was caught writing: {process.communicate()}")
        if writing(scratch):
            return time.monotonic()
        time.sleep(0.02)
    raise AssertionError("the import never started writing")


@pytest.mark.slow
def test_an_import_killed_halfway_leaves_the_database_exactly_as_before(scratch_database, tmp_path):
    scratch = scratch_database()
    scratch.run("migrate", "--noinput", "-v", "0")
    scratch.python("from tests.factories import build_world; build_world()")
    path = import_file(tmp_path / "members.xlsx")
    before = {t: scratch.count(t) for t in ("members_member", "members_standingchange", "core_auditevent")}

    process = start_import(scratch, path)
    wait_until_writing(scratch, process)
    time.sleep(KILL_AFTER)
    assert process.poll() is None, "the import finished before it could be killed: use a bigger file"
    os.kill(process.pid, signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL

    after = {t: scratch.count(t) for t in before}
    assert after == before  # no member, no standing change and no audit event survived
    assert scratch.python("from dangjian.core import audit; print(audit.verify_chain().ok)").strip() == "True"

    # The same file again runs to completion; its write phase outlasts the kill delay, so the
    # kill above fell in the middle of the writing. A third run changes nothing (idempotent).
    process = start_import(scratch, path)
    began = wait_until_writing(scratch, process)
    out, err = process.communicate(timeout=600)
    write_phase = time.monotonic() - began
    assert process.returncode == 0, err
    assert f"已新增 {ROWS} 行" in out
    assert write_phase > KILL_AFTER, f"write phase {write_phase:.2f} s"
    assert scratch.count("members_member") == before["members_member"] + ROWS
    rerun = scratch.run("import", "members", str(path), "--user", "dept")
    assert re.search(rf"已新增 0 行，已更新 0 行，{ROWS} 行无变化", rerun.stdout)
    assert scratch.count("members_member") == before["members_member"] + ROWS


def version_on_form(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


EDIT = {
    "name": "张强",
    "status": "full",
    "joined_on": "2005-07-01",
    "full_member_on": "2006-07-01",
    "ethnicity": "汉族",
    "gender": "male",
    "birth_date": "1980-05-17",
    "education": "bachelor",
}


def test_two_people_saving_the_same_member_the_second_is_told_to_reload(world, client, django_user_model):
    from django.test import Client

    secretary, organizer = Client(), Client()
    secretary.force_login(world.secretary)
    organizer.force_login(world.organizer)
    url = reverse("member-edit", args=[world.zhang.pk])
    first_form, second_form = secretary.get(url).content.decode(), organizer.get(url).content.decode()
    v1, v2 = version_on_form(first_form), version_on_form(second_form)
    assert v1 == v2
    assert secretary.post(url, {**EDIT, "occupation": "教师", "version": v1}).status_code == 302
    response = organizer.post(url, {**EDIT, "occupation": "医生", "version": v2})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone else saved this record" in body or "其他人" in body or "重新" in body
    assert Member.objects.get(pk=world.zhang.pk).occupation == "教师"
