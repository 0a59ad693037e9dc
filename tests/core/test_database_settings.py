"""The database settings of docs/deploy.md: JIT off and work_mem per connection, kept connections checked."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection


def settings_under(**env) -> dict:
    """The DATABASES entry the settings module builds under ``env`` (a fresh interpreter)."""
    code = "import json; from dangjian import settings as s; print(json.dumps(s.DATABASES['default'], default=str))"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DANGJIAN_") and k != "DATABASE_URL"}
    out = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_postgresql_connections_turn_jit_off_and_set_work_mem_by_default():
    db = settings_under(DATABASE_URL="postgres://u@127.0.0.1:5432/x", DANGJIAN_CONN_MAX_AGE="60")
    assert db["OPTIONS"]["options"] == "-c jit=off -c work_mem=32MB"
    assert db["CONN_MAX_AGE"] == 60
    assert db["CONN_HEALTH_CHECKS"] is True


def test_the_environment_sets_the_values_and_an_empty_one_leaves_the_servers():
    db = settings_under(DATABASE_URL="postgres://u@127.0.0.1:5432/x", DANGJIAN_PG_WORK_MEM="64MB", DANGJIAN_PG_JIT="")
    assert db["OPTIONS"]["options"] == "-c work_mem=64MB"
    db = settings_under(DATABASE_URL="postgres://u@127.0.0.1:5432/x", DANGJIAN_PG_WORK_MEM="", DANGJIAN_PG_JIT="")
    assert "options" not in db.get("OPTIONS", {})


def test_sqlite_gets_no_postgresql_options_and_no_kept_connection_outside_production():
    db = settings_under(DATABASE_URL="sqlite:////tmp/never-opened.sqlite3")
    assert "options" not in db["OPTIONS"]
    assert db["CONN_MAX_AGE"] == 0 and db["CONN_HEALTH_CHECKS"] is False


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL settings")
def test_postgresql_answers_the_configured_values():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == settings.PG_JIT
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == settings.PG_WORK_MEM
