"""Field encryption (SM4-GCM) and blind indexes (HMAC-SM3).

Software SM3/SM4 from ``cryptography`` serves development and tests; in production the
key comes from the environment (``DANGJIAN_FIELD_KEY``) or a key file outside the
database (``DANGJIAN_FIELD_KEY_FILE``). Ciphertexts carry a key id so that keys can
be rotated without downtime.

The key ring is ``id:hex,id:hex,...,index:hex``: the first id that is not reserved is the
current encryption key, older ids stay to decrypt, ``index`` keys the blind indexes and an
optional ``backup`` entry seals backups (otherwise a backup key is derived from the
current field key). ``dangjian keys rotate`` re-encrypts every value under an older key.

Encrypted columns are found generically: every concrete model field whose name ends in
``_enc`` holds ``sm4gcm:<key id>:<base64>`` tokens (or ""), plus any field named in
:func:`register_encrypted_field`.
"""

from __future__ import annotations

import base64
import os
import secrets
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import Q

PREFIX = "sm4gcm"
INDEX_KEY_ID = "index"  # the blind-index key; never rotated (rotating it means re-indexing)
BACKUP_KEY_ID = "backup"  # optional: a key that seals backups only
RESERVED_KEY_IDS = frozenset({INDEX_KEY_ID, BACKUP_KEY_ID})
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(Exception):
    """A ciphertext could not be authenticated with any known key."""


@lru_cache(maxsize=1)
def keyring() -> dict[str, bytes]:
    """Return ``{key_id: 16-byte key}``; the first entry is the current key.

    ``DANGJIAN_FIELD_KEY`` holds ``id:hex[,id:hex...]`` or a bare hex key (id ``1``).
    Without it the key file is read, and in development created on first use.
    """
    raw = settings.FIELD_KEY
    if not raw:
        path = settings.FIELD_KEY_FILE
        if not path.exists():
            if getattr(settings, "PRODUCTION", False):
                raise ImproperlyConfigured("DANGJIAN_FIELD_KEY or DANGJIAN_FIELD_KEY_FILE must be set")
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(f"1:{secrets.token_hex(16)}\n{INDEX_KEY_ID}:{secrets.token_hex(16)}\n")
        raw = path.read_text().strip()
    ring: dict[str, bytes] = {}
    for part in raw.replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        key_id, _, hexkey = part.rpartition(":")
        key = bytes.fromhex(hexkey)
        if len(key) != 16:
            raise ImproperlyConfigured("SM4 keys are 128 bits (32 hex digits)")
        ring[key_id or "1"] = key
    if INDEX_KEY_ID not in ring:
        raise ImproperlyConfigured(f"the field key ring needs an '{INDEX_KEY_ID}:<hex>' entry")
    if not set(ring) - RESERVED_KEY_IDS:
        raise ImproperlyConfigured("the field key ring has no encryption key")
    return ring


def current_key_id() -> str:
    return next(k for k in keyring() if k not in RESERVED_KEY_IDS)


def encrypt(plaintext: str) -> str:
    key_id = current_key_id()
    nonce = secrets.token_bytes(NONCE_BYTES)
    enc = Cipher(algorithms.SM4(keyring()[key_id]), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(key_id.encode())
    body = enc.update(plaintext.encode()) + enc.finalize()
    return f"{PREFIX}:{key_id}:{base64.b64encode(nonce + body + enc.tag).decode()}"


def decrypt(token: str) -> str:
    try:
        prefix, key_id, b64 = token.split(":", 2)
        blob = base64.b64decode(b64)
        if key_id in RESERVED_KEY_IDS:
            raise KeyError(key_id)
        key = keyring()[key_id]
    except (ValueError, KeyError) as exc:
        raise DecryptionError("unknown ciphertext format or key id") from exc
    if prefix != PREFIX:
        raise DecryptionError("unknown ciphertext format")
    nonce, body, tag = blob[:NONCE_BYTES], blob[NONCE_BYTES:-TAG_BYTES], blob[-TAG_BYTES:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(key_id.encode())
    try:
        return (dec.update(body) + dec.finalize()).decode()
    except InvalidTag as exc:
        raise DecryptionError("ciphertext failed authentication") from exc


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1]


def blind_index(value: str, purpose: str = "id") -> str:
    """HMAC-SM3 over a normalised value with the dedicated index key and a purpose label."""
    index_key = keyring()[INDEX_KEY_ID]
    mac = hmac.HMAC(index_key + purpose.encode(), hashes.SM3())
    mac.update(value.strip().upper().encode())
    return mac.finalize().hex()


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


# --- Self-test (run as a system check at every start) --------------------------------------

# GB/T 32907-2016 appendix A.1 and GB/T 32905-2016 appendix A.1.
SM4_KAT = ("0123456789abcdeffedcba9876543210", "0123456789abcdeffedcba9876543210", "681edf34d206965e86b3e94f536e4246")
SM3_KAT = (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")


def self_test() -> list[str]:
    """Known-answer tests of SM4 and SM3 and a SM4-GCM round trip; returns what failed (empty if all pass).

    ``cryptography`` takes SM3/SM4 from the OpenSSL it was built with, so a different build
    (or a FIPS-restricted one) could lack or break them: refuse to start rather than store
    personal data under a broken cipher.
    """
    failures = []
    try:
        key, plaintext, expected = (bytes.fromhex(h) for h in SM4_KAT)
        enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - known-answer test of the block cipher
        if enc.update(plaintext) + enc.finalize() != expected:
            failures.append("SM4 known-answer test gave a wrong result")
    except Exception as exc:  # an OpenSSL without SM4 raises UnsupportedAlgorithm
        failures.append(f"SM4 is not available: {exc}")
    try:
        if sm3_hex(SM3_KAT[0]) != SM3_KAT[1]:
            failures.append("SM3 known-answer test gave a wrong result")
    except Exception as exc:
        failures.append(f"SM3 is not available: {exc}")
    try:
        key, nonce = bytes(range(16)), bytes(NONCE_BYTES)
        enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        body = enc.update(b"self-test") + enc.finalize()
        dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, enc.tag)).decryptor()
        if dec.update(body) + dec.finalize() != b"self-test":
            failures.append("SM4-GCM round trip failed")
    except Exception as exc:
        failures.append(f"SM4-GCM is not available: {exc}")
    return failures


# --- Keys for the operator --------------------------------------------------------------------


def new_key_line(key_id: str | None = None) -> str:
    """A fresh ``id:hex`` entry; the id defaults to one more than the largest numeric id in the ring."""
    if key_id is None:
        try:
            numeric = [int(k) for k in keyring() if k.isdigit()]
        except ImproperlyConfigured:
            numeric = []
        key_id = str(max(numeric, default=0) + 1)
    if not key_id or ":" in key_id or "," in key_id or key_id in RESERVED_KEY_IDS:
        raise ValueError("a key id is a short name without ':' or ',' and not 'index' or 'backup'")
    return f"{key_id}:{secrets.token_hex(16)}"


def backup_key(key_id: str | None = None) -> tuple[str, bytes]:
    """``(key id, key)`` that seals backups.

    A dedicated ``backup`` entry in the ring is used when present; otherwise the key is
    derived from a field key (HMAC-SM3 with a purpose label), recorded as ``derived:<id>``
    so that a backup made before a rotation still opens while the old key is in the ring.
    """
    ring = keyring()
    if key_id is None:
        key_id = BACKUP_KEY_ID if BACKUP_KEY_ID in ring else f"derived:{current_key_id()}"
    if key_id == BACKUP_KEY_ID:
        if BACKUP_KEY_ID not in ring:
            raise KeyError(key_id)
        return key_id, ring[BACKUP_KEY_ID]
    source = key_id.removeprefix("derived:")
    if not key_id.startswith("derived:") or source in RESERVED_KEY_IDS or source not in ring:
        raise KeyError(key_id)
    return key_id, hmac_sm3(ring[source], b"dangjian backup key v1")[:16]


# --- Encrypted fields and key rotation -------------------------------------------------------

_registered: set[tuple[str, str]] = set()


def register_encrypted_field(model_label: str, field_name: str) -> None:
    """Declare an encrypted column whose name does not end in ``_enc``."""
    _registered.add((model_label.lower(), field_name))


def encrypted_fields() -> list[tuple[type, str]]:
    """``[(model, field name)]`` of every column that holds SM4-GCM tokens."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField):
                continue
            if field.name.endswith("_enc") or (model._meta.label_lower, field.name) in _registered:
                found.append((model, field.name))
    return found


def _stale_q(field: str, current: str):
    return Q(**{f"{field}__startswith": f"{PREFIX}:"}) & ~Q(**{f"{field}__startswith": f"{PREFIX}:{current}:"})


def key_usage() -> dict[str, dict[str, int]]:
    """``{"app.model.field": {key id: values}}``; ids not in the ring are counted under their own name."""
    usage: dict[str, dict[str, int]] = {}
    for model, field in encrypted_fields():
        manager = model._base_manager
        counts: dict[str, int] = {}
        for value in (
            manager.filter(**{f"{field}__startswith": f"{PREFIX}:"}).values_list(field, flat=True).iterator(2000)
        ):
            key_id = key_id_of(value)
            counts[key_id] = counts.get(key_id, 0) + 1
        usage[f"{model._meta.label_lower}.{field}"] = counts
    return usage


def unregistered_columns() -> list[str]:
    """Text columns that hold ``sm4gcm:`` values but are not known as encrypted (a full scan)."""
    known = {(m, f) for m, f in encrypted_fields()}
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField) or (model, field.name) in known:
                continue
            if model._base_manager.filter(**{f"{field.name}__startswith": f"{PREFIX}:"}).exists():
                found.append(f"{model._meta.label_lower}.{field.name}")
    return found


def rotate(*, batch_size: int = 500, progress=None) -> dict[str, int]:
    """Re-encrypt every value whose key id is not the current one; ``{"app.model.field": rows}``.

    Each batch is its own short transaction that locks only its rows, so the application
    keeps running; a value changed concurrently is re-read under the lock. Version numbers
    and change times are not touched (the stored value does not change). Safe to stop and
    run again: it continues where it stopped, and a second run finds nothing to do.
    """
    current = current_key_id()
    done: dict[str, int] = {}
    for model, field in encrypted_fields():
        label = f"{model._meta.label_lower}.{field}"
        manager = model._base_manager
        last_pk = None
        count = 0
        while True:
            with transaction.atomic():
                rows = manager.filter(_stale_q(field, current))
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                pks = list(rows.order_by("pk").values_list("pk", flat=True)[:batch_size])
                if not pks:
                    break
                locked = manager.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk", field)
                changed = []
                for pk, token in locked:
                    if token and token.startswith(f"{PREFIX}:") and key_id_of(token) != current:
                        obj = model(pk=pk)
                        setattr(obj, field, encrypt(decrypt(token)))
                        changed.append(obj)
                if changed:
                    manager.bulk_update(changed, [field])
                count += len(changed)
                last_pk = pks[-1]
            if progress is not None:
                progress(label, count)
        done[label] = count
    return done
