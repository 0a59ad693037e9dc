"""``dangjian audit verify|checkpoint|repair-head|archive``.

``verify`` walks the hash chain of the audit log, checks the signed checkpoint file (every line's
HMAC-SM3 and the chain of lines) and that the chain extends the last checkpoint, then writes a new
checkpoint; it prints ``OK: N events, head <hash>`` (exit 0) or the reason it failed (exit 1).
``checkpoint`` writes a checkpoint of the chain head (run it every few minutes: see SECURITY.md);
``checkpoint --new-chain REASON`` makes the chain as it is now the new baseline (after a restore, or a
new database in an old var directory). ``repair-head`` re-creates a deleted chain head row when the
chain still extends the last checkpoint, with an alarm event. ``archive`` copies events older than
DATE, with their hashes, to a JSON-lines file; DATE may not be later than today minus the retention
rule ``audit.retention_days``. Nothing is ever deleted. Verify, archive, a new baseline and a repair
are audited.
"""

from __future__ import annotations

import datetime as dt
import getpass
import time
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from dangjian.core import audit, checkpoints, parameters
from dangjian.core.management.actions import ActionsCommand, arg
from dangjian.core.models import AuditChainHead, AuditEvent, ChainHeadMissing

# The triggers migration 0008 creates (see there); a table rebuild on SQLite drops them.
EXPECTED_TRIGGERS = {
    "postgresql": {
        "core_auditevent_append_only",
        "core_roleassignment_admin_roles",
        "core_auditevent_no_truncate",  # migration 0009
        "core_auditchainhead_no_truncate",
    },
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
        "checkpoint": (
            "write a signed checkpoint of the chain head outside the database",
            [arg("--new-chain", metavar="REASON", help="make the chain as it is now the new baseline")],
        ),
        "repair-head": ("re-create a deleted chain head row (only if the chain extends the last checkpoint)", []),
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
        marks, problems = checkpoints.read_all()
        if report.ok:
            problem = audit.checkpoint_problem(marks[-1] if marks else None, report.count)
            problem = problem or audit.missing_verified_line(marks)
            problems += [problem] if problem else []
        if report.ok and not problems:
            mark, failures = audit.write_checkpoint("verify")
            problems += (
                [f"checkpoint not written: {mark.reason}"] if mark and mark.kind != checkpoints.CHECKPOINT else []
            )
        else:
            mark, failures = None, []
            for reason in problems or [str(report)]:
                checkpoints.alarm(f"verify: {reason}")
        seconds = time.monotonic() - started
        missing = sorted(missing_triggers())
        ok = report.ok and not problems
        try:
            self._record_verify(report, ok, problems, mark, failures, seconds, missing)
        except ChainHeadMissing as exc:  # the failure below says why; the alarm is raised
            self.stderr.write(f"the verification could not be recorded: {exc}")
        if missing:
            self.stderr.write(f"WARNING: append-only triggers missing: {', '.join(missing)} (re-run the migrations)")
        for failure in failures:
            self.stderr.write(f"WARNING: checkpoint sink failed: {failure}")
        if not report.ok:
            raise CommandError("; ".join([str(report), *problems]), returncode=1)
        if problems:
            hint = (
                " (a database restored, recovered to an earlier time or replaced on purpose: check it, then"
                " `dangjian audit checkpoint --new-chain REASON`)"
            )
            raise CommandError("BROKEN: " + "; ".join(problems) + hint, returncode=1)
        self.stdout.write(str(report))
        if verbosity > 1:
            self.stdout.write(f"{seconds:.2f} s, {report.count / max(seconds, 1e-9):.0f} events/s")

    def _record_verify(self, report, ok, problems, mark, failures, seconds, missing) -> None:
        audit.record(
            actor=operator(),
            action="audit_verify",
            object_type="core.auditevent",
            object_repr=(str(report) if not report.ok or not problems else f"BROKEN: {problems[0]}")[:200],
            outcome=AuditEvent.Outcome.SUCCESS if ok else AuditEvent.Outcome.FAILURE,
            changes={
                "events": report.count,
                "head": report.head,
                "broken_at": report.broken_id,
                "seconds": round(seconds, 3),
                "missing_triggers": missing,
                "checkpoint_problems": problems,
                "sink_failures": failures,
            }
            | ({"checkpoint": mark.mac} if mark else {}),  # the line it wrote (audit.missing_verified_line)
        )

    def handle_checkpoint(self, *, new_chain: str | None, **options) -> None:
        if new_chain:
            try:
                mark = audit.new_baseline(f"{operator()}: {new_chain}")
            except ValueError as exc:
                raise CommandError(str(exc), returncode=1) from None
            if mark.kind != checkpoints.NEW_CHAIN:  # the file ends in a line that is not ours
                advice = f"keep {checkpoints.path()} as evidence and move it aside"
                raise CommandError(f"ALARM: {mark.reason}: {advice}", returncode=1)
            self.stdout.write(f"new baseline: {mark.length} events, head {mark.head}")
            if AuditChainHead.objects.exists():  # else the head is missing: repair-head records the alarm
                self._alarm_event("new audit chain baseline", reason=new_chain, events=mark.length, head=mark.head)
            return
        mark, failures = audit.write_checkpoint("command")
        for failure in failures:
            self.stderr.write(f"WARNING: checkpoint sink failed: {failure}")
        if mark is not None and mark.kind == checkpoints.ALARM:
            raise CommandError(f"ALARM: {mark.reason}", returncode=1)
        if mark is None:
            raise CommandError(
                "ALARM: the chain does not extend the last checkpoint (alarm already raised)", returncode=1
            )
        self.stdout.write(f"checkpoint: {mark.length} events, head {mark.head}")

    def handle_repair_head(self, **options) -> None:
        try:
            report = audit.repair_head()
        except ValueError as exc:
            raise CommandError(str(exc), returncode=1) from None
        self._alarm_event(
            "chain head re-created", reason="the chain head row was missing", events=report.count, head=report.head
        )
        audit.write_checkpoint("repair-head")
        self.stdout.write(f"chain head re-created: {report.count} events, head {report.head}")

    def _alarm_event(self, what: str, **changes) -> None:
        audit.record(
            actor=operator(),
            action="audit_alarm",
            object_type="core.auditchainhead",
            object_repr=what,
            outcome=AuditEvent.Outcome.FAILURE,
            changes=changes,
        )

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
