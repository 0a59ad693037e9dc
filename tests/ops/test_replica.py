"""Report reads on a real read replica: two local PostgreSQL clusters.

The fixture makes a streaming standby of the running cluster (the one DATABASE_URL names) with
``pg_basebackup -R`` as the postgres OS user, in a temporary folder on a free port, starts it, and removes
it afterwards. A Django process with ``DATABASE_URL`` on the primary and ``DANGJIAN_REPLICA_URL`` on the
standby then writes an organization and a user (primary), waits until the standby has replayed them, and
opens the dashboard: its reads ran on the standby (``pg_is_in_recovery()`` there), its page shows the
replicated organization, and a write inside a report block still lands on the primary.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.databases import private_postgres_database

DATABASE_URL = os.environ.get("DATABASE_URL", "")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not DATABASE_URL.startswith("postgres"),
        reason="a read replica needs PostgreSQL (DATABASE_URL=postgres://…): streaming replication",
    ),
]
DANGJIAN = str(Path(sys.executable).with_name("dangjian"))
HBA_LINE = "host replication postgres 127.0.0.1/32 trust  # added by tests/ops/test_replica.py, removed after"

WALK = r"""
import json, time
import django
django.setup()
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from dangjian.accounts.services import role_grant
from dangjian.core.dbrouter import reporting
from dangjian.core.models import User
from dangjian.core.roles import Role
from dangjian.organizations.services import organization_create

root = organization_create(actor=None, parent=None,
                           data={"code": "RP", "name": "副本测试区委", "level": "committee", "sector": "agency"})
user = User(username="zuzhi", full_name="组织部", must_change_password=False)
user.set_password("Zuzhi-Bu-2026!")
user.save()
role_grant(actor=None, user=user, role=Role.ORGANIZER, org=root)
with connections["default"].cursor() as c:
    c.execute("SELECT pg_current_wal_lsn()::text")
    lsn = c.fetchone()[0]
replayed = False
for _ in range(600):  # bounded: at most 600 looks
    with connections["replica"].cursor() as c:
        c.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
        replayed = c.fetchone()[0]
    if replayed:
        break
    time.sleep(0.1)

client = Client()
client.force_login(user)
with CaptureQueriesContext(connections["default"]) as on_primary, \
        CaptureQueriesContext(connections["replica"]) as on_replica:
    response = client.get("/")
with connections["replica"].cursor() as c:
    c.execute("SELECT pg_is_in_recovery(), inet_server_port()")
    replica_recovery, replica_port = c.fetchone()
with connections["default"].cursor() as c:
    c.execute("SELECT pg_is_in_recovery(), inet_server_port()")
    primary_recovery, primary_port = c.fetchone()
with reporting():
    child = organization_create(actor=None, parent=root,
                                data={"code": "RP-01", "name": "副本测试支部", "level": "branch", "sector": "agency"})
print(json.dumps({
    "replayed": replayed,
    "status": response.status_code,
    "page_shows_org": "副本测试区委" in response.content.decode(),
    "replica_queries": [q["sql"][:120] for q in on_replica.captured_queries],
    "primary_queries": [q["sql"][:120] for q in on_primary.captured_queries],
    "replica": [replica_recovery, replica_port],
    "primary": [primary_recovery, primary_port],
    "child_on_primary": child.pk is not None,
}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(*command: str, **kwargs) -> subprocess.CompletedProcess:
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    return subprocess.run([runuser, "-u", "postgres", "--", *command], check=True, timeout=600, **kwargs)  # noqa: S603


@contextlib.contextmanager
def replication_allowed(admin):
    """The running cluster's pg_hba.conf admits a replication connection from loopback (a line added for
    the test's duration where none does)."""
    allowed = admin.execute(
        "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND error IS NULL"
    ).fetchone()[0]
    if allowed:
        yield
        return
    hba = Path(admin.execute("SHOW hba_file").fetchone()[0])
    original = hba.read_text()
    hba.write_text(original.rstrip("\n") + "\n" + HBA_LINE + "\n")
    admin.execute("SELECT pg_reload_conf()")
    try:
        yield
    finally:
        hba.write_text(original)
        admin.execute("SELECT pg_reload_conf()")


@pytest.fixture
def standby():
    """A streaming standby of the running cluster on a free port: yields its port; stopped and removed after."""
    if os.geteuid() != 0:
        pytest.skip("making a standby runs pg_basebackup and pg_ctl as the postgres OS user: needs root")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no postgres OS user on this machine")
    import psycopg

    base = DATABASE_URL.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        major = int(admin.execute("SHOW server_version_num").fetchone()[0]) // 10000
        bindir = Path(f"/usr/lib/postgresql/{major}/bin")
        if not (bindir / "pg_basebackup").exists():
            pytest.skip(f"no PostgreSQL {major} binaries under {bindir}")
        host, port = admin.info.host, admin.info.port
        # A hot standby needs at least the primary's values of these.
        same = "".join(
            f"{name} = {admin.execute(f'SHOW {name}').fetchone()[0]}\n"
            for name in ("max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
                         "max_locks_per_transaction")
        )  # fmt: skip
        folder = Path(tempfile.mkdtemp(prefix="dangjian-standby-"))
        shutil.chown(folder, "postgres", "postgres")
        try:
            with replication_allowed(admin):  # for the backup, and for the standby's stream after it
                try:
                    yield start_standby(bindir, host, port, folder, same)
                finally:
                    if (folder / "data" / "postmaster.pid").exists():
                        as_postgres(str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def start_standby(bindir: Path, host: str, port: int, folder: Path, settings: str) -> int:
    data, replica_port = folder / "data", free_port()
    as_postgres(str(bindir / "pg_basebackup"), "-h", host, "-p", str(port), "-U", "postgres",
                "-D", str(data), "-R", "-X", "stream", "-c", "fast")  # fmt: skip
    # Debian keeps the configuration outside the data folder: the standby gets a small one of its own.
    (data / "postgresql.conf").write_text(
        f"port = {replica_port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{folder}'\n"
        f"hot_standby = on\nshared_buffers = 32MB\n{settings}"
    )
    (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    (data / "pg_ident.conf").write_text("")
    for path in (data / "postgresql.conf", data / "pg_hba.conf", data / "pg_ident.conf"):
        shutil.chown(path, "postgres", "postgres")
    try:
        as_postgres(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "standby.log"), "-w", "start")
    except subprocess.CalledProcessError:
        pytest.fail("the standby did not start:\n" + (folder / "standby.log").read_text()[-3000:])
    return replica_port


@pytest.fixture
def private_database():
    """This test's own database on the primary (never the suite's), dropped afterwards."""
    with private_postgres_database("replica") as url:
        yield url.rsplit("/", 1)


def test_dashboard_reads_run_on_the_standby_and_writes_on_the_primary(private_database, standby):
    base, name = private_database
    env = {k: v for k, v in os.environ.items() if k not in ("DANGJIAN_ENV", "DANGJIAN_REPLICA_URL")}
    env.update(DATABASE_URL=f"{base}/{name}", DJANGO_SETTINGS_MODULE="dangjian.settings")
    subprocess.run([DANGJIAN, "migrate", "--noinput", "-v", "0"], env=env, check=True, timeout=900)  # noqa: S603
    env["DANGJIAN_REPLICA_URL"] = f"postgres://postgres@127.0.0.1:{standby}/{name}"
    walk = subprocess.run(  # noqa: S603
        [sys.executable, "-c", WALK], env=env, check=False, timeout=600, capture_output=True, text=True
    )
    assert walk.returncode == 0, walk.stderr[-3000:]
    seen = json.loads(walk.stdout.strip().splitlines()[-1])
    assert seen["replayed"]
    assert seen["replica"] == [True, standby]  # the standby: in recovery, on its own port
    assert seen["primary"][0] is False
    assert seen["status"] == 200
    assert seen["page_shows_org"]  # the dashboard shows what was written on the primary, read from the standby
    assert any("organizations_organization" in sql for sql in seen["replica_queries"])
    assert any("members_member" in sql for sql in seen["replica_queries"])
    assert not any("members_member" in sql for sql in seen["primary_queries"])
    assert any("django_session" in sql for sql in seen["primary_queries"])  # sessions stay on the primary
    assert seen["child_on_primary"]  # a write inside a report block: on the primary (the standby refuses writes)
