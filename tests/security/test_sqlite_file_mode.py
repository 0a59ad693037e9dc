"""The SQLite database file is readable by its owner only, as the key file (issue 13, item 8)."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.db.utils import ConnectionHandler

from tests.security.scratch import REPO


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_database_file_and_its_wal_files_are_0600(tmp_path):
    """Started with a database file that does not exist yet, under a permissive umask."""
    db = tmp_path / "var" / "fresh.sqlite3"
    db.parent.mkdir()
    code = (
        "import os; os.umask(0o022)\n"
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('CREATE TABLE t (x int)'); c.execute('INSERT INTO t VALUES (1)')\n"
        "    print(c.execute('PRAGMA journal_mode').fetchone()[0])\n"
        "    for suffix in ('', '-wal', '-shm'):\n"  # while the connection is open (closing removes them)
        "        print(oct(os.stat(connection.settings_dict['NAME'] + suffix).st_mode & 0o777))\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "dangjian.settings",
        "DANGJIAN_VAR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{db}",
    }
    done = subprocess.run(  # noqa: S603 - the test's own interpreter
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["wal", "0o600", "0o600", "0o600"]  # the file, -wal and -shm


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite files")
def test_a_looser_file_is_tightened_when_a_connection_opens_it(db, tmp_path):
    path = tmp_path / "loose.sqlite3"
    with sqlite3.connect(path) as made:
        made.execute("PRAGMA journal_mode=WAL")
        made.execute("CREATE TABLE t (x int)")
    path.chmod(0o644)
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}})
    loose = DatabaseWrapper(handler.settings["default"], "loose")
    try:
        loose.ensure_connection()
    finally:
        loose.close()
    assert mode(path) == 0o600
