"""Field-key rotation (密评 key handling) and the SM4/SM3 self-test at start-up."""

from __future__ import annotations

import re

import pytest
from django.core.checks import Error
from django.core.management import CommandError, call_command

from dangjian.core import checks, crypto
from dangjian.core.models import AuditEvent
from dangjian.members.models import CorrectionRequest, Member
from tests.security.scratch import ring_string

NEW_KEY = "2:000102030405060708090a0b0c0d0e0f"


@pytest.fixture
def put_new_key_first(settings):
    """Put a new key first in the ring, as the operator does before `keys rotate`."""

    def put():
        settings.FIELD_KEY = f"{NEW_KEY},{ring_string()}"
        crypto.keyring.cache_clear()

    yield put
    crypto.keyring.cache_clear()


def stored(member_pk):
    return Member.objects.values("id_number_enc", "phone_enc", "id_number_hash").get(pk=member_pk)


def test_the_self_test_passes_and_a_failure_stops_the_start(monkeypatch):
    assert crypto.self_test() == []
    assert checks.crypto_self_test(None) == []
    monkeypatch.setattr(crypto, "SM4_KAT", (*crypto.SM4_KAT[:2], "00" * 16))
    problems = checks.crypto_self_test(None)
    assert len(problems) == 1 and isinstance(problems[0], Error) and problems[0].id == "dangjian.E001"


def test_known_answers_are_the_published_ones():
    assert crypto.SM4_KAT[2] == "681edf34d206965e86b3e94f536e4246"
    assert crypto.SM3_KAT[1].startswith("66c7f0f4") and crypto.SM3_KAT[1].endswith("8f4ba8e0")


def test_encrypted_fields_are_found_generically():
    found = {f"{model._meta.label_lower}.{name}" for model, name in crypto.encrypted_fields()}
    assert {"members.member.id_number_enc", "members.member.phone_enc"} <= found
    assert "members.correctionrequest.proposed_value_enc" in found


def test_rotation_re_encrypts_everything_under_the_new_key_and_is_idempotent(world, put_new_key_first, capsys):
    zhang = Member.objects.get(pk=world.zhang.pk)
    zhang.set_phone("13800001111")
    zhang.save(update_fields=["phone_enc"])
    request = CorrectionRequest(member=zhang, field="phone", reason="r", requested_by=world.member_user)
    request.set_proposed_value("13912345678")
    request.save()
    before = {m.pk: (m.id_number, m.phone, stored(m.pk)) for m in Member.objects.all()}
    versions = dict(Member.objects.values_list("pk", "version"))

    put_new_key_first()
    call_command("keys", "rotate", "--batch-size", "2")
    out = capsys.readouterr().out
    assert "members.member.id_number_enc: 3 re-encrypted" in out
    assert "members.member.phone_enc: 1 re-encrypted" in out
    assert "members.correctionrequest.proposed_value_enc: 1 re-encrypted" in out
    event = AuditEvent.objects.get(action="key_rotate")
    assert event.changes["key_id"] == "2" and event.changes["rows"]["members.member.id_number_enc"] == 3

    for member in Member.objects.all():
        row = stored(member.pk)
        assert crypto.key_id_of(row["id_number_enc"]) == "2"
        assert member.id_number == before[member.pk][0] and member.phone == before[member.pk][1]
        assert row["id_number_hash"] == before[member.pk][2]["id_number_hash"]  # the blind index is untouched
    assert dict(Member.objects.values_list("pk", "version")) == versions  # not a business change
    assert crypto.key_id_of(CorrectionRequest.objects.get().proposed_value_enc) == "2"
    assert CorrectionRequest.objects.get().proposed_value == "13912345678"

    snapshot = {m["pk"]: m for m in Member.objects.values("pk", "id_number_enc", "phone_enc")}
    call_command("keys", "rotate")
    assert "nothing to re-encrypt" in capsys.readouterr().out
    assert {m["pk"]: m for m in Member.objects.values("pk", "id_number_enc", "phone_enc")} == snapshot
    assert AuditEvent.objects.filter(action="key_rotate").count() == 1


def test_keys_check_counts_values_per_key_and_flags_unknown_ones(world, put_new_key_first, capsys):
    put_new_key_first()
    call_command("keys", "check")
    out = capsys.readouterr().out
    assert "current key id: 2" in out
    assert "members.member.id_number_enc: 1: 3" in out
    call_command("keys", "rotate")
    capsys.readouterr()
    call_command("keys", "check")
    assert "members.member.id_number_enc: 2: 3" in capsys.readouterr().out
    Member.objects.filter(pk=world.zhang.pk).update(phone_enc="sm4gcm:9:AAAA")
    with pytest.raises(CommandError, match="not in the key ring"):
        call_command("keys", "check")


def test_keys_check_scan_finds_undeclared_encrypted_columns(world, capsys):
    call_command("keys", "check", "--scan")
    Member.objects.filter(pk=world.zhang.pk).update(occupation=crypto.encrypt("secret"))
    with pytest.raises(CommandError, match="undeclared encrypted columns"):
        call_command("keys", "check", "--scan")
    assert "members.member.occupation" in capsys.readouterr().err


def test_keys_new_prints_a_fresh_entry_and_stores_nothing(capsys, settings):
    call_command("keys", "new")
    captured = capsys.readouterr()
    line = captured.out.strip()
    assert re.fullmatch(r"\d+:[0-9a-f]{32}", line)
    assert int(line.split(":")[0]) == max(int(k) for k in crypto.keyring() if k.isdigit()) + 1
    assert "first" in captured.err
    call_command("keys", "new", "--id", "2027")
    assert capsys.readouterr().out.startswith("2027:")
    with pytest.raises(CommandError):
        call_command("keys", "new", "--id", "index")


def test_a_reserved_key_id_never_encrypts_fields(settings):
    settings.FIELD_KEY = f"backup:{'11' * 16},{ring_string()}"
    crypto.keyring.cache_clear()
    try:
        assert crypto.current_key_id() not in crypto.RESERVED_KEY_IDS
        token = crypto.encrypt("x")
        forged = token.replace(f":{crypto.key_id_of(token)}:", ":backup:")
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(forged)
    finally:
        crypto.keyring.cache_clear()
