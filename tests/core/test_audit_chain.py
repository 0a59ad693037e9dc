"""安全审计 (等保 8.1.4.3c/d): the audit log is a hash chain, append-only, verified, never skipped."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import threading
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from dangjian.accounts import services as accounts_services
from dangjian.core import audit, services
from dangjian.core.crypto import sm3_hex
from dangjian.core.models import (
    GENESIS_HASH,
    AppendOnlyError,
    AuditChainHead,
    AuditEvent,
    RoleAssignment,
    canonical_content,
    chain_hash,
)
from dangjian.core.roles import Role
from dangjian.members.models import Member
from dangjian.members.services import member_update
from tests import factories
from tests.support.audit import drop_append_only_trigger


def verify() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def verify_fails() -> CommandError:
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", stdout=io.StringIO(), stderr=io.StringIO())
    assert exc.value.returncode == 1
    return exc.value


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def ids() -> list[int]:
    return list(AuditEvent.objects.order_by("id").values_list("id", flat=True))


# --- The chain ------------------------------------------------------------------------------------
def test_every_event_links_to_the_one_before(world):
    events = list(AuditEvent.objects.order_by("id"))
    assert len(events) > 10
    assert events[0].prev_hash == GENESIS_HASH
    for before, event in itertools.pairwise(events):
        assert event.prev_hash == before.hash
    for event in events:
        assert event.hash == chain_hash(event.hashed_values(), event.prev_hash)
    head = AuditChainHead.objects.get()
    assert (head.hash, head.last_event_id, head.length) == (events[-1].hash, events[-1].pk, len(events))


def test_the_hash_is_sm3_over_the_canonical_json_and_the_previous_hash(world):
    with timezone.override("Asia/Shanghai"):
        event = audit.record(
            actor=world.organizer, action="update", obj=world.zhang, changes={"name": ["张强", "张强强"], "n": (1, 2)}
        )
    stored = AuditEvent.objects.get(pk=event.pk)
    text = canonical_content(stored.hashed_values())
    content = json.loads(text)
    assert content["created_at"].endswith("+00:00")  # UTC, whatever the site's time zone
    assert content["actor_id"] == world.organizer.pk and content["actor_name"] == "dept"
    assert content["org_id"] == world.branch_a1.pk and content["org_path"] == world.branch_a1.path
    assert content["changes"] == {"n": [1, 2], "name": ["张强", "张强强"]}
    assert "张强强" in text and ", " not in text and list(content) == sorted(content)
    assert stored.hash == sm3_hex((text + stored.prev_hash).encode()) == event.hash


def test_an_event_rolled_back_with_its_transaction_leaves_no_gap_in_the_chain(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=world.organizer, action="update", obj=world.zhang)
        raise RuntimeError("the business change failed")
    audit.record(actor=world.organizer, action="update", obj=world.zhang)
    assert verify().startswith("OK: ")


# --- Append-only ----------------------------------------------------------------------------------
def test_the_orm_refuses_to_change_or_delete_an_event(world):
    event = AuditEvent.objects.order_by("id").first()
    event.object_repr = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["object_repr"])
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(action="login")])
    assert AuditEvent.objects.get(pk=event.pk).object_repr != "forged"
    assert verify().startswith("OK: ")


def test_raw_sql_cannot_update_an_event(world):
    event_id = ids()[3]
    with pytest.raises(DatabaseError), transaction.atomic():
        raw("UPDATE core_auditevent SET object_repr = 'forged' WHERE id = %s", [event_id])
    assert AuditEvent.objects.get(pk=event_id).object_repr != "forged"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite refuses UPDATE only (flush uses DELETE)")
def test_raw_sql_cannot_delete_an_event_on_postgresql(world):
    event_id = ids()[3]
    with pytest.raises(DatabaseError), transaction.atomic():
        raw("DELETE FROM core_auditevent WHERE id = %s", [event_id])
    assert AuditEvent.objects.filter(pk=event_id).exists()


def test_a_user_or_an_organization_named_in_the_log_cannot_be_deleted(world):
    audit.record(actor=world.organizer, action="login")
    with pytest.raises(ProtectedError), transaction.atomic():
        world.organizer.delete()
    assert AuditEvent.objects.filter(actor=world.organizer).exists()
    with pytest.raises(ProtectedError), transaction.atomic():
        world.branch_a2.delete()


# --- Verification ---------------------------------------------------------------------------------
def test_verify_walks_the_chain_and_is_itself_audited(world):
    count = AuditEvent.objects.count()
    head = AuditEvent.objects.order_by("-id").first().hash
    assert verify().strip() == f"OK: {count} events, head {head}"
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.outcome) == ("audit_verify", "success")
    assert event.changes["events"] == count and event.changes["head"] == head
    assert event.changes["missing_triggers"] == []
    assert verify().strip().startswith(f"OK: {count + 1} events")


def test_verify_finds_an_edited_event_at_exactly_its_id(world):
    target = ids()[5]
    drop_append_only_trigger()
    raw("UPDATE core_auditevent SET object_repr = 'forged' WHERE id = %s", [target])
    error = verify_fails()
    assert str(error).startswith(f"BROKEN at event {target}: hash expected ")
    stored = AuditEvent.objects.get(pk=target)
    assert f"found {stored.hash}" in str(error)
    event = AuditEvent.objects.filter(action="audit_verify").get()
    assert (event.outcome, event.changes["broken_at"]) == ("failure", target)
    assert event.changes["missing_triggers"]  # the dropped trigger is reported too


def test_verify_finds_an_edit_whose_hash_was_recomputed_at_the_next_event(world):
    events = ids()
    target, following = events[5], events[6]
    drop_append_only_trigger()
    raw("UPDATE core_auditevent SET outcome = 'failure' WHERE id = %s", [target])
    forged = AuditEvent.objects.get(pk=target)
    raw(
        "UPDATE core_auditevent SET hash = %s WHERE id = %s",
        [chain_hash(forged.hashed_values(), forged.prev_hash), target],
    )
    assert str(verify_fails()).startswith(f"BROKEN at event {following}: prev_hash expected ")


def test_verify_finds_an_event_deleted_in_the_middle(world):
    events = ids()
    drop_append_only_trigger()
    raw("DELETE FROM core_auditevent WHERE id = %s", [events[4]])
    error = str(verify_fails())
    before = AuditEvent.objects.get(pk=events[3]).hash
    assert error.startswith(f"BROKEN at event {events[5]}: prev_hash expected {before}, found ")


def test_verify_finds_events_deleted_at_the_end(world):
    events = ids()
    drop_append_only_trigger()
    raw("DELETE FROM core_auditevent WHERE id >= %s", [events[-2]])
    assert str(verify_fails()).startswith(f"BROKEN at event {events[-1]}: chain head expected ")


def test_verify_finds_an_event_inserted_around_the_chain(world):
    last = AuditEvent.objects.order_by("-id").first()
    raw(
        "INSERT INTO core_auditevent (created_at, actor_name, action, object_type, object_id, object_repr, org_path,"
        " changes, source, request_id, outcome, prev_hash, hash) VALUES (%s, 'x', 'login', '', '', '', '', '{}',"
        " 'cli', '', 'success', %s, %s)",
        [timezone.now(), "f" * 64, "e" * 64],
    )
    assert str(verify_fails()).startswith(f"BROKEN at event {last.pk + 1}: prev_hash expected ")


def test_an_empty_log_verifies(db):
    assert verify().strip() == f"OK: 0 events, head {GENESIS_HASH}"


# --- Retention and archive ------------------------------------------------------------------------
def test_archive_refuses_a_date_inside_the_retention_period(world, tmp_path):
    today = timezone.localdate()
    with pytest.raises(CommandError, match="retention"):
        call_command("audit", "archive", "--before", str(today - dt.timedelta(days=179)), "--out", tmp_path / "a")
    assert not (tmp_path / "a").exists()
    # The rule may grow, never shrink below the six months of the Cybersecurity Law.
    with pytest.raises(ValidationError):
        services.parameter_set(actor=world.organizer, key="audit.retention_days", value=30)
    services.parameter_set(actor=world.organizer, key="audit.retention_days", value=365)
    with pytest.raises(CommandError, match="365 days"):
        call_command("audit", "archive", "--before", str(today - dt.timedelta(days=200)), "--out", tmp_path / "b")


def test_archive_copies_old_events_with_their_hashes_and_deletes_nothing(world, tmp_path):
    with time_machine.travel(dt.datetime(2024, 1, 10, 9, tzinfo=dt.UTC)):
        old = [
            audit.record(actor=world.organizer, action="update", obj=world.zhang, changes={"n": [i, i + 1]})
            for i in range(3)
        ]
    count = AuditEvent.objects.count()
    out = tmp_path / "audit-2024.jsonl"
    stdout = io.StringIO()
    call_command("audit", "archive", "--before", "2024-02-01", "--out", str(out), stdout=stdout)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [e.pk for e in old]
    for line in lines:  # checkable without the application: SM3(content ‖ prev_hash) == hash
        content = json.dumps(line["content"], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        assert sm3_hex((content + line["prev_hash"]).encode()) == line["hash"]
    assert lines[1]["prev_hash"] == lines[0]["hash"]
    assert AuditEvent.objects.count() == count + 1  # nothing deleted; the archive run is audited
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.changes["events"], event.changes["last_hash"]) == ("audit_archive", 3, old[-1].hash)
    with pytest.raises(CommandError, match="exists"):
        call_command("audit", "archive", "--before", "2024-02-01", "--out", str(out))
    assert verify().startswith("OK: ")


# --- Audit cannot be skipped (fault injection) ---------------------------------------------------
@pytest.mark.parametrize(
    "breakage",
    [
        lambda: mock.patch.object(AuditEvent, "_do_insert", side_effect=DatabaseError("audit store down")),
        lambda: mock.patch.object(AuditChainHead, "lock", side_effect=DatabaseError("chain head locked out")),
        lambda: mock.patch("dangjian.core.models.chain_hash", side_effect=RuntimeError("no SM3")),
    ],
    ids=["insert fails", "chain head fails", "hash fails"],
)
def test_when_the_audit_write_fails_the_business_change_rolls_back(world, breakage):
    member = Member.objects.get(pk=world.zhang.pk)
    count = AuditEvent.objects.count()
    with breakage(), pytest.raises((DatabaseError, RuntimeError)):
        member_update(actor=world.secretary, member=member, data={"occupation": "教师"})
    assert Member.objects.get(pk=world.zhang.pk).occupation != "教师"
    assert AuditEvent.objects.count() == count
    newcomer = factories.user("newcomer")
    with breakage(), pytest.raises((DatabaseError, RuntimeError)):
        accounts_services.role_grant(actor=None, user=newcomer, role=Role.MEMBER, org=world.branch_a1)
    assert not RoleAssignment.objects.filter(user=newcomer).exists()
    assert verify().startswith("OK: ")


# --- Concurrency ----------------------------------------------------------------------------------
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # leaves no content types under new ids
def test_concurrent_writers_never_fork_the_chain():
    writers, per_writer = 8, 15
    barrier = threading.Barrier(writers)
    errors: list[Exception] = []

    def write(n):
        try:
            barrier.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    audit.record(actor=f"writer{n}", action="login", changes={"i": i})
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEvent.objects.count() == writers * per_writer
    assert verify().strip().startswith(f"OK: {writers * per_writer} events")
