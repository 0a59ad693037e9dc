"""A real worker process (``dangjian jobs worker``, django-tasks-db's db_worker) on a migrated database."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from tests.security.scratch import Scratch, _environment, _pg_admin_url


@pytest.fixture
def scratch(tmp_path):
    if connection.vendor == "sqlite":
        path = tmp_path / "worker.sqlite3"
        url = f"sqlite:///{path}"
        yield Scratch(url=url, env=_environment(url, tmp_path), vendor="sqlite", path=path)
        return
    import psycopg

    name = f"jobs_worker_{secrets.token_hex(6)}"
    with psycopg.connect(_pg_admin_url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path=f"/{name}"))
    yield Scratch(url=url, env=_environment(url, tmp_path), vendor="postgresql")
    with psycopg.connect(_pg_admin_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_a_worker_process_runs_a_queued_job_to_the_end(scratch):
    scratch.run("migrate", "--noinput", "-v", "0")
    job_id = int(scratch.python("from dangjian.core import jobs; print(jobs.submit('points.recompute').pk)"))
    state = "from dangjian.core.models import Job; j = Job.objects.get(pk=%d); print(j.status, j.attempts)"
    assert scratch.python(state % job_id).split() == ["queued", "0"]  # queued by the request, run by nobody yet
    scratch.run("jobs", "worker", "--batch", "--no-schedule")
    assert scratch.python(state % job_id).split() == ["done", "1"]
    # The task was delivered through the database queue, and ran once.
    assert scratch.count("django_tasks_database_dbtaskresult") == 1
