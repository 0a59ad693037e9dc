"""The load test's locustfile (loadtest/locustfile.py), run for a few requests against the live test
server: every kind of person logs in and does their tasks, a meeting is really saved through the form,
and no request fails. (The load itself, its p95 and error rates: ``make loadtest``, BENCHMARKS.md.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dangjian.orglife.models import Meeting
from tests.support.auth import PASSWORD

LOCUSTFILE = Path(__file__).resolve().parents[2] / "loadtest" / "locustfile.py"
LOCUST = str(Path(sys.executable).with_name("locust"))


def locust(host: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [LOCUST, "-f", str(LOCUSTFILE), "--headless", "--host", host, "--json-file", str(tmp_path / "run"),
         "--only-summary", *extra],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    ("person", "requests"),
    [("Secretary", {"login", "meeting form", "meeting save"}), ("Member", {"login", "my points"}),
     ("Organizer", {"login"})],
)  # fmt: skip
def test_each_kind_of_person_runs_without_a_failure(
    person, requests, transactional_db, django_db_serialized_rollback, live_server, world, tmp_path
):
    # One user at a time: the test server shares one SQLite connection between its threads.
    before = Meeting.objects.count()
    run = locust(
        live_server.url, tmp_path, "-u", "1", "-r", "1", "-t", "120s", "--max-requests", "8", "--think", "0.1",
        "--secretary", f"{world.secretary.username}:{PASSWORD}", "--member", f"{world.member_user.username}:{PASSWORD}",
        "--organizer", f"{world.town_organizer.username}:{PASSWORD}", person,
    )  # fmt: skip
    rows = json.loads((tmp_path / "run.json").read_text())
    assert sum(r["num_requests"] for r in rows) >= 6, run.stderr[-3000:]
    assert sum(r["num_failures"] for r in rows) == 0, run.stderr[-3000:]
    names = {r["name"] for r in rows}
    assert requests <= names
    if person == "Organizer":  # its tables are picked at random (weighted): one of them, whichever
        assert names & {"compliance table", "points distribution", "volunteers table", "dashboard"}
    if person == "Secretary":
        assert Meeting.objects.count() > before  # the form's POSTs saved meetings


def test_a_host_that_is_not_loopback_is_refused(tmp_path):
    run = locust("http://192.0.2.1:8000", tmp_path, "-u", "1", "-t", "5s")
    assert run.returncode != 0
    assert "not a loopback address" in run.stderr + run.stdout
