"""Backup and restore (等保 8.1.4.9): the full drill into a fresh database, and every refusal."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from dangjian.core import backup as backups
from dangjian.core import crypto
from dangjian.core.models import AuditEvent
from dangjian.members.models import CorrectionRequest, Member
from tests import factories
from tests.security.scratch import ring_string

VERIFY_SCRIPT = """
import json
from dangjian.core import backup, crypto
from dangjian.members.models import CorrectionRequest, Member
counts = {backup._label(m): m._base_manager.count() for m in backup.backed_up_models()}
members = {m.pk: [m.id_number, m.phone, m.id_number_hash] for m in Member.objects.all()}
proposals = {c.pk: c.proposed_value for c in CorrectionRequest.objects.all()}
print(json.dumps({"counts": counts, "members": members, "proposals": proposals}))
"""


def build_data():
    world = factories.build_world()
    for i in range(12):
        factories.member(world.branch_a2, f"成员{i}", birth=dt.date(1970, 1, 1 + i), phone=f"1380000{i:04d}")
    request = CorrectionRequest(member=world.zhang, field="phone", reason="换号", requested_by=world.member_user)
    request.set_proposed_value("13912345678")
    request.save()
    return world


@pytest.fixture
def data(transactional_db, django_db_serialized_rollback):
    # Serialized rollback: the flush after this test leaves no content types under new ids for a later
    # serialized-rollback test (the browser tests, tests/posts/test_move_migration.py) to collide with.
    return build_data()


def test_the_restore_drill_gives_an_identical_database_whose_secrets_still_decrypt(data, scratch_database, tmp_path):
    target = tmp_path / "drill.djbak"
    call_command("backup", str(target))
    header, manifest = backups.inspect(target)
    assert header["cipher"] == "SM4-GCM" and header["key_id"] == f"derived:{crypto.current_key_id()}"
    assert manifest["tables"]["members.member"] == 15
    chained = any(f.name == "hash" for f in AuditEvent._meta.concrete_fields)  # the audit hash chain
    assert (manifest["audit_head"] is not None) == chained
    backup_event = AuditEvent.objects.get(action="backup")
    assert backup_event.changes["rows"] == sum(manifest["tables"].values())
    source = {m.pk: [m.id_number, m.phone, m.id_number_hash] for m in Member.objects.all()}

    fresh = scratch_database()
    fresh.run("migrate", "--noinput", "-v", "0")
    out = fresh.run("restore", str(target)).stdout
    assert ("verified: audit chain verified" in out) == chained
    assert "SM3 of every table equals the backup's" in out
    restored = json.loads(fresh.python(VERIFY_SCRIPT))
    counts = restored["counts"]
    assert counts.pop("core.auditevent") == manifest["tables"]["core.auditevent"] + 1  # + the restore event
    expected = dict(manifest["tables"])
    expected.pop("core.auditevent")
    assert counts == expected
    assert {int(k): v for k, v in restored["members"].items()} == source
    assert list(restored["proposals"].values()) == ["13912345678"]
    if chained:
        assert "OK" in fresh.run("audit", "verify").stdout


def test_a_restore_into_a_database_that_is_not_empty_is_refused(data, tmp_path):
    target = tmp_path / "b.djbak"
    call_command("backup", str(target))
    before = Member.objects.count()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(target))
    assert Member.objects.count() == before


def test_a_tampered_backup_is_refused_with_a_clear_message(data, tmp_path):
    target = tmp_path / "b.djbak"
    call_command("backup", str(target))
    raw = bytearray(target.read_bytes())
    flipped = tmp_path / "flipped.djbak"
    raw[len(raw) // 2] ^= 0x01
    flipped.write_bytes(bytes(raw))
    with pytest.raises(CommandError, match="damaged or has been altered"):
        call_command("restore", "--check", str(flipped))
    # An attacker who also recomputes the (unkeyed) SM3 checksum still fails SM4-GCM authentication.
    body = bytes(raw[: -backups.SM3_BYTES])
    resealed = tmp_path / "resealed.djbak"
    resealed.write_bytes(body + bytes.fromhex(crypto.sm3_hex(body)))
    with pytest.raises(CommandError, match="failed authentication"):
        call_command("restore", "--check", str(resealed))
    truncated = tmp_path / "truncated.djbak"
    truncated.write_bytes(target.read_bytes()[:100])
    with pytest.raises(CommandError, match=r"truncated|damaged"):
        call_command("restore", "--check", str(truncated))
    not_a_backup = tmp_path / "x.djbak"
    not_a_backup.write_bytes(b"PK\x03\x04 something else")
    with pytest.raises(CommandError, match="not a Dangjian backup"):
        call_command("restore", "--check", str(not_a_backup))


def test_a_backup_opens_only_with_its_key_and_holds_no_plaintext(data, tmp_path, settings):
    target = tmp_path / "b.djbak"
    call_command("backup", str(target))
    raw = target.read_bytes()
    zhang = Member.objects.get(pk=data.zhang.pk)
    for secret in (zhang.id_number, "张强", "东街村党支部", zhang.id_number_enc[:20]):
        assert secret.encode() not in raw
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    settings.FIELD_KEY = "1:0f0e0d0c0b0a09080706050403020100,index:ffeeddccbbaa99887766554433221100"
    crypto.keyring.cache_clear()
    try:
        with pytest.raises(CommandError, match="failed authentication"):
            call_command("restore", "--check", str(target))
        settings.FIELD_KEY = "7:0f0e0d0c0b0a09080706050403020100,index:ffeeddccbbaa99887766554433221100"
        crypto.keyring.cache_clear()
        with pytest.raises(CommandError, match="not in this key ring"):
            call_command("restore", "--check", str(target))
    finally:
        crypto.keyring.cache_clear()


def test_a_dedicated_backup_key_seals_the_backup_when_present(data, tmp_path, settings):
    settings.FIELD_KEY = f"{ring_string()},backup:000102030405060708090a0b0c0d0e0f"
    crypto.keyring.cache_clear()
    try:
        target = tmp_path / "b.djbak"
        call_command("backup", str(target))
        assert backups.read_header(target)["key_id"] == "backup"
        backups.inspect(target)
    finally:
        crypto.keyring.cache_clear()


def test_a_restore_needs_the_same_migration_state(data, scratch_database, tmp_path):
    target = tmp_path / "b.djbak"
    call_command("backup", str(target))
    fresh = scratch_database()
    fresh.run("migrate", "members", "0003", "--noinput", "-v", "0")
    result = fresh.run("restore", str(target), check=False)
    assert result.returncode == 1
    assert "migration state" in result.stderr and "members.0004_correctionrequest" in result.stderr


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_postgresql_backup_reads_one_snapshot(data, tmp_path):
    from django.db import transaction

    with transaction.atomic(), pytest.raises(backups.BackupError, match="outside any transaction"):
        backups.backup(tmp_path / "x.djbak")
    assert connection.vendor == "postgresql"
