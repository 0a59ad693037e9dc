"""Field encryption (SM4-GCM) and blind indexes (HMAC-SM3).

Software SM3/SM4 from ``cryptography`` serves development and tests; in production the
key comes from the environment (``DANGJIAN_FIELD_KEY``) or a key file outside the
database (``DANGJIAN_FIELD_KEY_FILE``). Ciphertexts carry a key id so that keys can
be rotated without downtime.
"""

from __future__ import annotations

import base64
import os
import secrets
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "sm4gcm"
INDEX_KEY_ID = "index"  # the blind-index key; never rotated (rotating it means re-indexing)
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
    if len(ring) < 2:
        raise ImproperlyConfigured("the field key ring has no encryption key")
    return ring


def current_key_id() -> str:
    return next(k for k in keyring() if k != INDEX_KEY_ID)


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
        if key_id == INDEX_KEY_ID:
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
