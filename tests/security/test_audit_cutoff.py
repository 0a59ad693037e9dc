"""Issue 13.3: the end of the audit chain cannot be cut off unnoticed (等保 8.1.4.3: 审计记录的保护).

The attacker holds the application's database credentials: they delete the last events and move the
chain head back, delete the head row, empty the tables. Signed checkpoints outside the database
(``core.checkpoints``) anchor the chain's end; a missing head is refused, never rebuilt.
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import stat
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from dangjian.core import audit, checkpoints
from dangjian.core.models import GENESIS_HASH, AuditChainHead, AuditEvent, ChainHeadMissing
from tests import factories
from tests.support.audit import drop_append_only_trigger


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fails(*args: str) -> str:
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert exc.value.returncode == 1
    return str(exc.value)


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def cut_the_end(n: int) -> AuditEvent:
    """Delete the last ``n`` events and move the head back onto the event before them."""
    events = list(AuditEvent.objects.order_by("id"))
    keep = events[-n - 1]
    drop_append_only_trigger()
    raw("DELETE FROM core_auditevent WHERE id > %s", [keep.pk])
    raw(
        "UPDATE core_auditchainhead SET hash = %s, last_event_id = %s, length = %s",
        [keep.hash, keep.pk, len(events) - n],
    )
    return keep


def lines() -> list[dict]:
    return [json.loads(line) for line in checkpoints.path().read_text().splitlines()]


def note(world, text: str = "x") -> AuditEvent:
    return audit.record(actor=world.organizer, action="update", obj=world.zhang, changes={"note": text})


# --- Events cut off the end ----------------------------------------------------------------------
def test_verify_writes_a_signed_checkpoint_outside_the_database(world):
    head = AuditChainHead.objects.get()
    run("verify")
    (line,) = lines()
    assert (line["kind"], line["length"], line["last_id"], line["head"]) == (
        "checkpoint",
        head.length,
        head.last_event_id,
        head.hash,
    )
    assert line["prev_mac"] == checkpoints.GENESIS_MAC and len(line["mac"]) == 64
    assert stat.S_IMODE(os.stat(checkpoints.path()).st_mode) == 0o600
    run("verify")
    second = lines()[1]
    assert second["prev_mac"] == line["mac"]  # the lines are chained
    assert AuditEvent.objects.filter(action="audit_verify").first().changes["checkpoint"] == second["mac"]


def test_deleting_the_last_events_and_moving_the_head_back_fails_verify(world):
    run("verify")
    checkpointed = lines()[-1]["length"]
    cut_the_end(3)
    error = fails("verify")
    assert "the chain is shorter than the checkpoint" in error
    assert f"{checkpointed + 1 - 3} events, the checkpoint has {checkpointed}" in error  # + verify's own event
    assert lines()[-1]["kind"] == "alarm"


def test_a_cut_refilled_to_the_same_length_fails_verify(world):
    run("verify")
    length = AuditChainHead.objects.get().length
    cut_the_end(4)
    for i in range(4):
        note(world, f"forged {i}")  # appended properly: the chain itself verifies
    assert AuditChainHead.objects.get().length == length
    error = fails("verify")
    assert f"event {lines()[0]['last_id']} differs from the checkpoint" in error


def test_a_scheduled_checkpoint_never_makes_a_cut_chain_the_new_baseline(world):
    out, _err = run("checkpoint")
    assert out.startswith("checkpoint: ")
    cut_the_end(2)
    assert "ALARM: the chain is shorter than the checkpoint" in fails("checkpoint")
    assert "shorter than the checkpoint" in fails("verify")  # still: the alarm did not move the baseline
    assert [line["kind"] for line in lines()] == ["checkpoint", "alarm", "alarm"]


# --- The checkpoint file itself -------------------------------------------------------------------
def test_an_altered_checkpoint_line_fails_verify(world):
    run("verify")
    run("verify")
    text = checkpoints.path().read_text().splitlines()
    first = json.loads(text[0])
    first["length"] -= 5  # make room for a cut
    text[0] = json.dumps(first, sort_keys=True, separators=(",", ":"))
    checkpoints.path().write_text("\n".join(text) + "\n")
    assert "checkpoint file line 1: the signature does not verify" in fails("verify")


def test_a_removed_checkpoint_line_fails_verify(world):
    for _ in range(3):
        run("verify")
    text = checkpoints.path().read_text().splitlines()
    checkpoints.path().write_text("\n".join([text[0], text[2]]) + "\n")
    assert "checkpoint file line 2: does not follow the line before it" in fails("verify")


def test_lines_cut_off_the_end_of_the_checkpoint_file_fail_verify(world):
    """The file's own MAC chain cannot show a cut at its end; the last verification recorded in the
    database names the line it wrote."""
    for _ in range(3):
        run("verify")
    text = checkpoints.path().read_text().splitlines()
    checkpoints.path().write_text("\n".join(text[:2]) + "\n")
    verified = AuditEvent.objects.filter(action="audit_verify").first()
    assert f"the checkpoint line written by the verification of event {verified.pk} is not in" in fails("verify")


def test_a_line_signed_with_another_key_fails_verify(world, settings):
    run("verify")
    settings.AUDIT_CHECKPOINT_KEY = "ab" * 32
    assert "line 1: the signature does not verify" in fails("verify")


# --- The head row ------------------------------------------------------------------------------------
def test_a_deleted_head_row_refuses_the_next_write_raises_the_alarm_and_fails_verify(world, caplog):
    run("verify")
    count = AuditEvent.objects.count()
    raw("DELETE FROM core_auditchainhead")
    with caplog.at_level(logging.CRITICAL, logger="dangjian.audit"), pytest.raises(ChainHeadMissing):
        note(world)
    assert not AuditChainHead.objects.exists()  # not rebuilt
    assert AuditEvent.objects.count() == count
    assert any("chain head row is missing" in r.getMessage() for r in caplog.records if r.levelno == logging.CRITICAL)
    alarm = lines()[-1]
    assert alarm["kind"] == "alarm" and "head row is missing" in alarm["reason"]
    assert "chain head expected a head row, found none" in fails("verify")
    assert not AuditChainHead.objects.exists()


def test_repair_head_recreates_a_deleted_head_with_an_alarm_event(world):
    run("verify")
    last = AuditEvent.objects.order_by("-id").first()
    raw("DELETE FROM core_auditchainhead")
    out, _err = run("repair-head")
    assert out.startswith("chain head re-created: ")
    alarm = AuditEvent.objects.order_by("-id").first()
    assert (alarm.action, alarm.outcome, alarm.prev_hash) == ("audit_alarm", "failure", last.hash)
    assert run("verify")[0].startswith("OK: ")


def test_repair_head_refuses_when_events_were_cut_as_well(world):
    run("verify")
    cut_the_end(2)
    raw("DELETE FROM core_auditchainhead")
    assert "shorter than the checkpoint" in fails("repair-head")
    assert not AuditChainHead.objects.exists()


def test_an_emptied_log_refuses_the_next_write_until_an_operator_sets_a_new_baseline(world):
    run("verify")
    drop_append_only_trigger()
    raw("DELETE FROM core_auditevent")  # what TRUNCATE did (refused on PostgreSQL since migration 0009)
    raw("DELETE FROM core_auditchainhead")
    with pytest.raises(ChainHeadMissing, match=r"the checkpoint of .* counted"):
        note(world)
    assert "the chain is shorter than the checkpoint" in fails("verify")
    out, _err = run("checkpoint", "--new-chain", "a new database")
    assert out == f"new baseline: 0 events, head {GENESIS_HASH}\n"
    note(world)  # a new chain starts
    assert run("verify")[0].startswith("OK: 1 events")


def test_the_first_event_of_a_new_database_creates_the_head(db):
    assert not AuditEvent.objects.exists()
    AuditChainHead.objects.all().delete()
    run("checkpoint")  # an empty log's checkpoint (length 0) does not block its first event
    event = audit.record(actor=None, action="login")
    head = AuditChainHead.objects.get()
    assert (head.length, head.last_event_id, head.hash, event.prev_hash) == (1, event.pk, event.hash, GENESIS_HASH)
    assert run("verify")[0] == f"OK: 1 events, head {event.hash}\n"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's (SQLite has none)")
@pytest.mark.parametrize("table", ["core_auditevent", "core_auditchainhead"])
def test_truncate_is_refused_on_postgresql(world, table):
    role = "dangjian_truncate_probe"
    raw(f"CREATE ROLE {role} NOLOGIN")  # rolled back with the test's transaction
    raw(f"GRANT ALL ON {table} TO {role}")
    raw("SET CONSTRAINTS ALL IMMEDIATE")  # the rows this test wrote have no pending checks left
    with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
        raw(f"SET LOCAL ROLE {role}")
        raw(f"TRUNCATE {table}")
    raw("RESET ROLE")
    assert AuditChainHead.objects.exists() and AuditEvent.objects.exists()


# --- Writing checkpoints -----------------------------------------------------------------------------------
def test_an_audited_write_checkpoints_when_the_last_checkpoint_is_old(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    run("checkpoint")
    old = checkpoints.path().stat().st_mtime - 6 * 60
    os.utime(checkpoints.path(), (old, old))
    monkeypatch.setattr(audit, "_next_look", 0.0)
    looks = []
    monkeypatch.setattr(checkpoints, "age_seconds", lambda real=checkpoints.age_seconds: looks.append(1) or real())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for i in range(20):
            note(world, str(i))
        assert len(looks) == 1  # one stat for twenty writes (and no query: the rule is read after commit)
    assert len(callbacks) == 1  # one checkpoint
    assert [line["kind"] for line in lines()] == ["checkpoint", "checkpoint"]
    assert lines()[-1]["length"] == AuditChainHead.objects.get().length


def test_an_audited_write_does_not_checkpoint_when_the_last_one_is_recent(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    run("checkpoint")
    monkeypatch.setattr(audit, "_next_look", 0.0)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note(world)
    assert callbacks == [] and len(lines()) == 1


def test_the_key_file_is_created_0600_outside_the_database(world, settings, tmp_path):
    settings.AUDIT_CHECKPOINT_KEY = ""
    settings.AUDIT_CHECKPOINT_KEY_FILE = tmp_path / "keys" / "audit-checkpoint.key"
    run("checkpoint")
    assert stat.S_IMODE(os.stat(settings.AUDIT_CHECKPOINT_KEY_FILE).st_mode) == 0o600
    assert len(bytes.fromhex(settings.AUDIT_CHECKPOINT_KEY_FILE.read_text().strip())) == 32
    assert run("verify")[0].startswith("OK: ")


# --- Sinks -----------------------------------------------------------------------------------------------
def test_an_unreachable_syslog_sink_is_recorded_and_does_not_fail_the_checkpoint(world, settings, tmp_path):
    settings.AUDIT_CHECKPOINT_SINKS = ["dangjian.core.checkpoints.SyslogSink"]
    settings.AUDIT_CHECKPOINT_SYSLOG_ADDRESS = str(tmp_path / "no-such-socket")
    out, err = run("verify")
    assert out.startswith("OK: ")
    assert "WARNING: checkpoint sink failed: dangjian.core.checkpoints.SyslogSink" in err
    event = AuditEvent.objects.filter(action="audit_verify").first()
    assert event.outcome == "success" and event.changes["sink_failures"]
    assert lines()[-1]["kind"] == "checkpoint"


def test_the_syslog_and_file_sinks_receive_each_signed_line(world, settings, tmp_path):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    settings.AUDIT_CHECKPOINT_SINKS = ["dangjian.core.checkpoints.SyslogSink", "dangjian.core.checkpoints.FileSink"]
    settings.AUDIT_CHECKPOINT_SYSLOG_ADDRESS = f"127.0.0.1:{receiver.getsockname()[1]}"
    settings.AUDIT_CHECKPOINT_MIRROR_FILE = str(tmp_path / "mirror.log")
    try:
        run("checkpoint")
        datagram = receiver.recv(4096).decode()
    finally:
        receiver.close()
    line = checkpoints.path().read_text().strip()
    assert datagram.endswith(f"dangjian-audit-checkpoint {line}\x00")
    assert (tmp_path / "mirror.log").read_text() == line + "\n"


# --- Restore ---------------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # leaves no content types under new ids
def test_a_restored_database_becomes_the_new_baseline(scratch_database, tmp_path):
    """A restore into a new database on a host whose checkpoints name another chain (the database it
    replaces) verifies: the restore appends a signed ``new_chain`` line naming what it replaces."""
    factories.build_world()
    target = tmp_path / "drill.djbak"
    call_command("backup", str(target))
    first, second = scratch_database(), scratch_database()
    shared = str(tmp_path / "var" / "audit-checkpoints.log")  # as a database recreated under its old name
    first.env["DANGJIAN_AUDIT_CHECKPOINT_FILE"] = second.env["DANGJIAN_AUDIT_CHECKPOINT_FILE"] = shared
    first.run("migrate", "--noinput", "-v", "0")
    first.run("restore", str(target))
    assert first.run("audit", "verify").stdout.startswith("OK: ")  # checkpoints the restore event
    second.run("migrate", "--noinput", "-v", "0")
    second.run("restore", str(target))
    assert second.run("audit", "verify").stdout.startswith("OK: ")
    kinds = [json.loads(line)["kind"] for line in Path(shared).read_text().splitlines()]
    assert kinds == ["new_chain", "checkpoint", "new_chain", "checkpoint"]


def test_each_database_has_its_own_checkpoint_file(db, settings):
    settings.AUDIT_CHECKPOINT_FILE = ""
    for name, expected in [("dangjian", "dangjian"), ("restore_drill", "restore_drill"), ("/srv/var/db.sqlite3", "db")]:
        with mock.patch.dict(connection.settings_dict, NAME=name):
            assert checkpoints.path() == Path(settings.VAR_DIR) / f"audit-checkpoints-{expected}.log"
