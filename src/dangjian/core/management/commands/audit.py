"""``dangjian audit verify`` and ``dangjian audit archive --before DATE --out FILE``.

``verify`` walks the hash chain of the audit log and prints ``OK: N events, head <hash>``
(exit 0) or the first broken link (exit 1). ``archive`` copies events older than DATE, with
their hashes, to a JSON-lines file; DATE may not be later than today minus the retention
rule ``audit.retention_days``. Nothing is ever deleted. Both runs are audited.
"""

from __future__ import annotations

import datetime as dt
import getpass
import time
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from dangjian.core import audit, parameters
from dangjian.core.management.actions import ActionsCommand, arg
from dangjian.core.models import AuditEvent

# The triggers migration 0008 creates (see there); a table rebuild on SQLite drops them.
EXPECTED_TRIGGERS = {
    "postgresql": {"core_auditevent_append_only", "core_roleassignment_admin_roles"},
    "sqlite": {
        "core_auditevent_no_update",
        "core_roleassignment_admin_roles_insert",
        "core_roleassignment_admin_roles_update",
    },
}


def operator() -> str:
    """Who ran the command, as the audit log names them."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in a container
        name = "unknown"
    return f"{name}@cli"[:150]


def missing_triggers() -> set[str]:
    expected = EXPECTED_TRIGGERS.get(connection.vendor, set())
    if not expected:
        return set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
    return expected - present


def retention_days() -> int:
    key = "audit.retention_days"
    return max(int(parameters.get(key)), parameters.MINIMUMS[key])


class Command(ActionsCommand):
    help = "Check the audit log's hash chain, or archive old events to a file (nothing is deleted)."

    actions = {
        "verify": (
            "walk the hash chain and report the first broken link",
            [arg("--chunk-size", type=int, default=5000)],
        ),
        "archive": (
            "copy events older than DATE, with their hashes, to a file",
            [
                arg("--before", required=True, type=dt.date.fromisoformat, help="YYYY-MM-DD (site time)"),
                arg("--out", required=True, type=Path, help="a new .jsonl file (never overwritten)"),
            ],
        ),
    }

    def handle_verify(self, *, chunk_size: int, verbosity: int, **options) -> None:
        started = time.monotonic()
        report = audit.verify_chain(chunk_size=chunk_size)
        seconds = time.monotonic() - started
        missing = sorted(missing_triggers())
        audit.record(
            actor=operator(),
            action="audit_verify",
            object_type="core.auditevent",
            object_repr=str(report)[:200],
            outcome=AuditEvent.Outcome.SUCCESS if report.ok else AuditEvent.Outcome.FAILURE,
            changes={
                "events": report.count,
                "head": report.head,
                "broken_at": report.broken_id,
                "seconds": round(seconds, 3),
                "missing_triggers": missing,
            },
        )
        if missing:
            self.stderr.write(f"WARNING: append-only triggers missing: {', '.join(missing)} (re-run migration 0008)")
        if not report.ok:
            raise CommandError(str(report), returncode=1)
        self.stdout.write(str(report))
        if verbosity > 1:
            self.stdout.write(f"{seconds:.2f} s, {report.count / max(seconds, 1e-9):.0f} events/s")

    def handle_archive(self, *, before: dt.date, out: Path, **options) -> None:
        days = retention_days()
        latest = timezone.localdate() - dt.timedelta(days=days)
        if before > latest:
            raise CommandError(
                f"--before {before} is inside the retention period ({days} days): use {latest} or earlier"
            )
        try:
            fh = out.open("x", encoding="utf-8")
        except FileExistsError:
            raise CommandError(f"{out} exists; the archive never overwrites a file") from None
        with fh:
            count, last_id, last_hash = audit.archive_events(before=before, fh=fh)
        out.chmod(0o600)  # audit records name people
        audit.record(
            actor=operator(),
            action="audit_archive",
            object_type="core.auditevent",
            object_repr=out.name[:200],
            changes={"before": before, "events": count, "last_id": last_id, "last_hash": last_hash},
        )
        self.stdout.write(f"{count} events before {before} → {out} (last id {last_id}, hash {last_hash})")
