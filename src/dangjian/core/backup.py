"""Encrypted, consistent logical backups and verified restores (``dangjian backup`` / ``dangjian restore``).

Why a logical dump through Django rather than ``pg_dump``: the same file format and code on
SQLite and PostgreSQL (and on a PostgreSQL-compatible 信创 database), no dependency on a
``pg_dump`` whose major version must match the server's, and a restore that checks itself
table by table. It complements, and does not replace, the production routine of a
``pg_basebackup`` base backup plus WAL archiving for point-in-time recovery (see README).

Consistency. SQLite: the online backup API copies the live database into a temporary file
in one step (in WAL mode writers are not blocked) and the dump reads that copy. PostgreSQL:
the dump runs in one ``REPEATABLE READ READ ONLY`` transaction, so every table is read at
the same snapshot while the application keeps writing.

File layout::

    DANGJIAN-BACKUP 1\\n
    {header JSON}\\n                  created at, app version, key id, nonce (in clear; authenticated)
    SM4-GCM( gzip( JSON lines ) )    manifest line, one line per row, trailer line
    GCM tag (16 bytes)
    SM3 of everything above (32 bytes)

The JSON lines are ``{"model", "pk", "fields"}`` per row, tables in a fixed order and rows by
primary key, with references to content types and permissions written as natural keys (their
ids differ between databases). The manifest holds the row count of every table, the applied
migrations and the audit chain head; the trailer holds the SM3 of every table's lines.

A restore goes only into an empty, migrated database at the same migration state (no users,
organizations, members or audit events; rows that data migrations wrote are replaced). It first
checks the SM3 checksum and the GCM tag over the whole file (a damaged or altered file is
refused before anything is written), then loads every row in ONE transaction, and before
committing verifies the row counts against the manifest, re-dumps every table and compares
its SM3 with the trailer, checks the audit hash chain and that every encrypted value's key is
in the key ring. Any failure rolls everything back.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import datetime as dt
import decimal
import gzip
import json
import os
import secrets
import sqlite3
import tempfile
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend
from django.utils import timezone

from dangjian.core import audit as audit_module
from dangjian.core import crypto
from dangjian.core import models as core_models

MAGIC = b"DANGJIAN-BACKUP 1\n"
FORMAT = "dangjian-backup"
FORMAT_VERSION = 1
TAG_BYTES = 16
SM3_BYTES = 32
CHUNK = 2000
INSERT_BATCH = 500
MAX_HEADER = 64 * 1024

# Not backed up: rows that ``migrate`` creates itself (referenced by natural key instead) and
# sessions (authentication data is not carried into another database).
EXCLUDED = {"contenttypes.contenttype", "auth.permission", "sessions.session"}
# A database is "empty" when these tables are: nobody has used it. Rows that data migrations
# wrote into other tables (rules, the audit chain head, meeting requirements …) are replaced by
# the backup's own rows, which include whatever the users changed in them.
IN_USE_TABLES = ("core.user", "core.auditevent", "organizations.organization", "members.member")


class BackupError(Exception):
    """A backup could not be made, or a file could not be restored (nothing was written)."""


# --- Which tables, in which form -----------------------------------------------------------------


def backed_up_models() -> list[type[models.Model]]:
    """Every concrete table of the project (many-to-many tables included), in a fixed order."""
    found = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and m._meta.label_lower not in EXCLUDED
    ]
    return sorted(found, key=lambda m: m._meta.label_lower)


def _label(model) -> str:
    return model._meta.label_lower


def _selected_fields(model) -> list[str]:
    return [f.name for f in model._meta.local_concrete_fields if not f.primary_key]


def _reference_fields(model) -> dict[str, str]:
    """``{field name: "contenttype" | "permission"}`` for foreign keys to rows that migrate creates."""
    found = {}
    for f in model._meta.local_concrete_fields:
        if f.is_relation and f.related_model is not None:
            label = _label(f.related_model)
            if label in EXCLUDED and label != "sessions.session":
                found[f.name] = label.split(".")[1]
    return found


class _References:
    """Content type and permission ids ↔ natural keys, for one database."""

    def __init__(self, alias: str):
        self.alias = alias
        self._to_key: dict[str, dict[int, list[str]]] | None = None
        self._to_id: dict[str, dict[tuple, int]] | None = None

    def _load(self) -> None:
        self._to_key = {"contenttype": {}, "permission": {}}
        if apps.is_installed("django.contrib.contenttypes"):
            for pk, app_label, model in ContentType.objects.using(self.alias).values_list("pk", "app_label", "model"):
                self._to_key["contenttype"][pk] = [app_label, model]
        if apps.is_installed("django.contrib.auth"):
            rows = Permission.objects.using(self.alias).values_list(
                "pk", "codename", "content_type__app_label", "content_type__model"
            )
            for pk, codename, app_label, model in rows:
                self._to_key["permission"][pk] = [codename, app_label, model]
        self._to_id = {kind: {tuple(v): k for k, v in keys.items()} for kind, keys in self._to_key.items()}

    def key(self, kind: str, pk):
        if pk is None:
            return None
        if self._to_key is None:
            self._load()
        return self._to_key[kind].get(pk, [f"#missing-{pk}"])

    def pk(self, kind: str, key):
        if key is None:
            return None
        if self._to_id is None:
            self._load()
        try:
            return self._to_id[kind][tuple(key)]
        except KeyError:
            raise BackupError(f"this database has no {kind} {key!r}: migrate it to the backup's state") from None


class _Encoder(json.JSONEncoder):
    """Lossless JSON for field values (Django's own encoder cuts microseconds, which the audit chain hashes)."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.date | dt.time):
            return o.isoformat()
        if isinstance(o, decimal.Decimal | uuid.UUID):
            return str(o)
        if isinstance(o, dt.timedelta):
            return f"{o.days} {o.seconds} {o.microseconds}"
        if isinstance(o, bytes | memoryview):
            return base64.b64encode(bytes(o)).decode()
        return super().default(o)


def _line(data: dict) -> bytes:
    return (json.dumps(data, cls=_Encoder, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode()


def _dump_rows(model, alias: str, refs: _References) -> Iterator[bytes]:
    """The canonical JSON line of every row of ``model`` in ``alias``, by primary key."""
    serializer = serializers.get_serializer("python")()
    selected = _selected_fields(model)
    ref_fields = _reference_fields(model)
    chunk: list = []
    rows = model._base_manager.using(alias).order_by("pk").iterator(chunk_size=CHUNK)

    def flush(objs):
        for data in serializer.serialize(objs, fields=selected):
            for name, kind in ref_fields.items():
                data["fields"][name] = refs.key(kind, data["fields"].get(name))
            yield _line(data)

    for obj in rows:
        chunk.append(obj)
        if len(chunk) >= CHUNK:
            yield from flush(chunk)
            chunk = []
    if chunk:
        yield from flush(chunk)


def _sm3():
    return hashes.Hash(hashes.SM3())


def _applied_migrations(alias: str) -> list[str]:
    recorder = MigrationRecorder(connections[alias])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def _audit_head(alias: str) -> dict | None:
    AuditEvent = core_models.AuditEvent
    if not any(f.name == "hash" for f in AuditEvent._meta.concrete_fields):
        return None
    last = AuditEvent._base_manager.using(alias).order_by("-id").values("id", "hash").first()
    return {"last_event_id": last["id"], "hash": last["hash"]} if last else {"last_event_id": 0, "hash": ""}


def app_version() -> str:
    try:
        return metadata.version("dangjian")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- Sealing: gzip, then SM4-GCM, then an SM3 checksum -----------------------------------------------


class _SealedWriter:
    def __init__(self, fh: IO[bytes], header: dict, key: bytes):
        self.fh = fh
        self.digest = _sm3()
        nonce = base64.b64decode(header["nonce"])
        self.encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        head = MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n"
        self.encryptor.authenticate_additional_data(head)
        self._raw(head)
        self.compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # gzip framing
        self.buffer = bytearray()

    def _raw(self, data: bytes) -> None:
        if data:
            self.fh.write(data)
            self.digest.update(data)

    def write(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= 1 << 16:
            self._flush()

    def _flush(self) -> None:
        self._raw(self.encryptor.update(self.compressor.compress(bytes(self.buffer))))
        self.buffer.clear()

    def close(self) -> str:
        self._flush()
        self._raw(self.encryptor.update(self.compressor.flush()) + self.encryptor.finalize())
        self._raw(self.encryptor.tag)
        checksum = self.digest.finalize()
        self.fh.write(checksum)
        return checksum.hex()


def read_header(path: str | os.PathLike) -> dict:
    with open(path, "rb") as fh:
        if fh.read(len(MAGIC)) != MAGIC:
            raise BackupError(f"{path} is not a Dangjian backup file")
        line = fh.readline(MAX_HEADER)
    try:
        header = json.loads(line)
    except ValueError:
        raise BackupError(f"{path}: the backup header is damaged") from None
    if header.get("format") != FORMAT or header.get("version") != FORMAT_VERSION:
        raise BackupError(f"{path}: unsupported backup format {header.get('format')} {header.get('version')}")
    return header


def open_verified(path: str | os.PathLike) -> tuple[dict, IO[bytes]]:
    """Check the SM3 checksum and the GCM tag of the whole file; return (header, gzip plaintext in a temp file).

    The temporary file is unnamed (deleted on close, or when the process dies).
    """
    header = read_header(path)
    try:
        _key_id, key = crypto.backup_key(header["key_id"])
    except KeyError:
        raise BackupError(
            f"the backup was sealed with key {header['key_id']!r}, which is not in this key ring"
        ) from None
    size = os.path.getsize(path)
    head = MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n"
    body_end = size - SM3_BYTES - TAG_BYTES
    if body_end < len(head):
        raise BackupError("The backup file is truncated; it was not restored.")
    digest = _sm3()
    out = tempfile.TemporaryFile()  # handed to the caller, who closes it
    try:
        with open(path, "rb") as fh:
            start = fh.read(len(head))
            if start != head:
                raise BackupError("The backup header is not in canonical form; the file was altered.")
            digest.update(start)
            tag_pos = body_end
            fh.seek(tag_pos)
            tag = fh.read(TAG_BYTES)
            stored = fh.read(SM3_BYTES)
            fh.seek(len(head))
            decryptor = Cipher(algorithms.SM4(key), modes.GCM(base64.b64decode(header["nonce"]), tag)).decryptor()
            decryptor.authenticate_additional_data(head)
            remaining = body_end - len(head)
            while remaining > 0:
                block = fh.read(min(1 << 20, remaining))
                if not block:
                    raise BackupError("The backup file is truncated; it was not restored.")
                remaining -= len(block)
                digest.update(block)
                out.write(decryptor.update(block))
            digest.update(tag)
            if digest.finalize() != stored:
                raise BackupError(
                    "The backup file is damaged or has been altered (SM3 checksum mismatch); it was not restored."
                )
            try:
                out.write(decryptor.finalize())
            except InvalidTag:
                raise BackupError(
                    "The backup file failed authentication (SM4-GCM): it was altered, or sealed with another key; "
                    "it was not restored."
                ) from None
        out.seek(0)
        return header, out
    except BaseException:
        out.close()
        raise


def read_lines(plain: IO[bytes]) -> Iterator[dict]:
    with gzip.GzipFile(fileobj=plain, mode="rb") as stream:
        for raw in stream:
            yield json.loads(raw)


# --- Backup ---------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    size: int
    sm3: str
    manifest: dict
    seconds: float = 0.0


@contextlib.contextmanager
def _snapshot(alias: str) -> Iterator[str]:
    """A database alias that reads one consistent state of ``alias`` for the duration of the block."""
    connection = connections[alias]
    if connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory(prefix="dangjian-backup-") as folder:
            target = Path(folder) / "snapshot.sqlite3"
            connection.ensure_connection()
            copy_to = sqlite3.connect(target)
            try:
                connection.connection.backup(copy_to)  # one step: a consistent copy
            finally:
                copy_to.close()
            snapshot_alias = f"_backup_snapshot_{secrets.token_hex(4)}"
            settings_dict = copy.deepcopy(connection.settings_dict)
            settings_dict["NAME"] = str(target)
            settings_dict.setdefault("OPTIONS", {}).pop("init_command", None)  # no WAL for a private copy
            # Connect first, then register the alias, so the ORM can read the copy with .using().
            snapshot = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, snapshot_alias)
            snapshot.ensure_connection()
            connections.settings[snapshot_alias] = settings_dict
            connections[snapshot_alias] = snapshot
            try:
                yield snapshot_alias
            finally:
                connections[snapshot_alias].close()
                del connections[snapshot_alias]
                del connections.settings[snapshot_alias]
    elif connection.vendor == "postgresql":
        if connection.in_atomic_block:
            raise BackupError("a backup must start outside any transaction (it opens its own snapshot)")
        with transaction.atomic(using=alias):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield alias
    else:
        raise BackupError(f"backups of {connection.vendor} databases are not supported")


def backup(
    path: str | os.PathLike, *, alias: str = DEFAULT_DB_ALIAS, progress: Callable[[str, int], None] | None = None
) -> BackupResult:
    """Write an encrypted backup of the whole database to ``path`` (atomically: a temp name, then renamed)."""
    started = timezone.now()
    path = Path(path)
    key_id, key = crypto.backup_key()
    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": started.isoformat(),
        "app_version": app_version(),
        "key_id": key_id,
        "cipher": "SM4-GCM",
        "compression": "gzip",
        "checksum": "SM3",
        "nonce": base64.b64encode(secrets.token_bytes(crypto.NONCE_BYTES)).decode(),
    }
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh, _snapshot(alias) as source:
            writer = _SealedWriter(fh, header, key)
            model_list = backed_up_models()
            manifest = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created_at": header["created_at"],
                "app_version": header["app_version"],
                "database": connections[alias].vendor,
                "migrations": _applied_migrations(source),
                "tables": {_label(m): m._base_manager.using(source).count() for m in model_list},
                "audit_head": _audit_head(source),
            }
            writer.write(_line({"manifest": manifest}))
            refs = _References(source)
            checksums, written = {}, {}
            for model in model_list:
                digest, count = _sm3(), 0
                for line in _dump_rows(model, source, refs):
                    writer.write(line)
                    digest.update(line)
                    count += 1
                checksums[_label(model)] = digest.finalize().hex()
                written[_label(model)] = count
                if progress:
                    progress(_label(model), count)
            if written != manifest["tables"]:
                raise BackupError("row counts changed during the dump: the snapshot was not consistent")
            writer.write(_line({"trailer": {"checksums": checksums, "rows": written}}))
            checksum = writer.close()
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    return BackupResult(
        path=path,
        size=path.stat().st_size,
        sm3=checksum,
        manifest=manifest,
        seconds=(timezone.now() - started).total_seconds(),
    )


# --- Restore --------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: dict
    rows: dict[str, int]
    seconds: float = 0.0
    checks: list[str] = field(default_factory=list)


def inspect(path: str | os.PathLike) -> tuple[dict, dict]:
    """Verify a backup file completely without touching any database; return (header, manifest)."""
    header, plain = open_verified(path)
    with plain:
        manifest, trailer = None, None
        for data in read_lines(plain):
            if "manifest" in data:
                manifest = data["manifest"]
            elif "trailer" in data:
                trailer = data["trailer"]
    if manifest is None or trailer is None:
        raise BackupError("The backup file is incomplete (no manifest or trailer).")
    return header, manifest


def _in_use(alias: str) -> dict[str, int]:
    """Rows in the tables that only use of the application fills (empty in a freshly migrated database)."""
    found = {}
    for label in IN_USE_TABLES:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        count = model._base_manager.using(alias).count()
        if count:
            found[label] = count
    return found


def _insert(model, objs: list, alias: str) -> None:
    fields = list(model._meta.local_concrete_fields)
    model._base_manager.using(alias)._insert(objs, fields=fields, using=alias, raw=True)


def audit_chain_problem(alias: str, head: dict | None) -> str | None:
    """Check the audit hash chain; ``None`` when it holds.

    Uses ``core.audit.verify_chain`` (the walk behind ``dangjian audit verify``, called directly
    because the command records an audit event of its own) or, where that does not exist,
    walks the chain with ``core.models.chain_hash``.
    """
    verify_chain = getattr(audit_module, "verify_chain", None)  # the function behind `dangjian audit verify`
    if callable(verify_chain) and alias == DEFAULT_DB_ALIAS:
        report = verify_chain()
        if not getattr(report, "ok", False):
            return f"the audit chain does not verify: {report}"
        if head and head.get("hash") and getattr(report, "head", head["hash"]) != head["hash"]:
            return "the audit chain does not end at the head recorded in the backup"
        return None
    chain_hash = getattr(core_models, "chain_hash", None)
    hashed_fields = getattr(core_models, "HASHED_FIELDS", None)
    if chain_hash is None or hashed_fields is None or head is None:
        return None
    prev = getattr(core_models, "GENESIS_HASH", "0" * 64)
    rows = (
        core_models.AuditEvent._base_manager.using(alias)
        .order_by("id")
        .values("id", "prev_hash", "hash", *hashed_fields)
        .iterator(chunk_size=CHUNK)
    )
    for values in rows:
        if values["prev_hash"] != prev or chain_hash(values, prev) != values["hash"]:
            return f"the audit chain is broken at event {values['id']}"
        prev = values["hash"]
    if head.get("hash") and prev != head["hash"]:
        return "the audit chain does not end at the head recorded in the backup"
    return None


def restore(
    path: str | os.PathLike, *, alias: str = DEFAULT_DB_ALIAS, progress: Callable[[str, int], None] | None = None
) -> RestoreResult:
    """Restore a backup into an empty, migrated database, verified before it commits (all or nothing)."""
    started = timezone.now()
    _header, plain = open_verified(path)
    with plain:
        lines = read_lines(plain)
        first = next(lines, None)
        if not first or "manifest" not in first:
            raise BackupError("The backup file has no manifest.")
        manifest = first["manifest"]
        here = _applied_migrations(alias)
        if here != manifest["migrations"]:
            missing = sorted(set(manifest["migrations"]) - set(here))
            extra = sorted(set(here) - set(manifest["migrations"]))
            raise BackupError(
                "The database is not at the backup's migration state "
                f"(missing: {', '.join(missing) or '—'}; not in the backup: {', '.join(extra) or '—'}). "
                "Restore with the application version that made the backup "
                f"({manifest.get('app_version')}), then migrate."
            )
        known = {_label(m): m for m in backed_up_models()}
        unknown = set(manifest["tables"]) - set(known)
        if unknown:
            raise BackupError(f"this application has no tables {', '.join(sorted(unknown))}")
        connection = connections[alias]
        trailer = None
        with transaction.atomic(using=alias):
            occupied = _in_use(alias)
            if occupied:
                shown = ", ".join(f"{label} ({n})" for label, n in sorted(occupied.items()))
                raise BackupError(f"The database is not empty: {shown}. Restore only into a new, migrated database.")
            for label, model in known.items():  # rows that data migrations wrote: the backup has their current state
                if label not in IN_USE_TABLES and model._base_manager.using(alias).exists():
                    models.QuerySet(model=model, using=alias)._raw_delete(alias)
            refs = _References(alias)
            ref_fields = {label: _reference_fields(model) for label, model in known.items()}
            batch: list = []
            batch_model = None
            loaded: dict[str, int] = dict.fromkeys(manifest["tables"], 0)

            def objects() -> Iterator[dict]:
                nonlocal trailer
                for data in lines:
                    if "trailer" in data:
                        trailer = data["trailer"]
                        continue
                    for name, kind in ref_fields[data["model"]].items():
                        data["fields"][name] = refs.pk(kind, data["fields"].get(name))
                    yield data

            for item in serializers.deserialize("python", objects(), using=alias):
                obj = item.object
                model = type(obj)
                if model is not batch_model or len(batch) >= INSERT_BATCH:
                    if batch:
                        _insert(batch_model, batch, alias)
                        if progress:
                            progress(_label(batch_model), loaded[_label(batch_model)])
                    batch, batch_model = [], model
                batch.append(obj)
                loaded[_label(model)] += 1
            if batch:
                _insert(batch_model, batch, alias)
            if trailer is None:
                raise BackupError("The backup file is incomplete (no trailer).")
            sequences = connection.ops.sequence_reset_sql(no_style(), list(known.values()))
            with connection.cursor() as cursor:
                for sql in sequences:
                    cursor.execute(sql)
            connection.check_constraints(table_names=[m._meta.db_table for m in known.values()])
            checks = _verify(alias, manifest, trailer, known)
        return RestoreResult(
            manifest=manifest,
            rows=loaded,
            seconds=(timezone.now() - started).total_seconds(),
            checks=checks,
        )


def _verify(alias: str, manifest: dict, trailer: dict, known: dict) -> list[str]:
    """Inside the restore transaction: counts, per-table SM3, audit chain, key ids. Raises on any difference."""
    problems = []
    counts = {label: known[label]._base_manager.using(alias).count() for label in manifest["tables"]}
    for label, expected in manifest["tables"].items():
        if counts[label] != expected:
            problems.append(f"{label}: {counts[label]} rows, the backup has {expected}")
    refs = _References(alias)
    for label, expected in trailer["checksums"].items():
        digest = _sm3()
        for line in _dump_rows(known[label], alias, refs):
            digest.update(line)
        if digest.finalize().hex() != expected:
            problems.append(f"{label}: the restored rows differ from the backup (SM3)")
    chain = audit_chain_problem(alias, manifest.get("audit_head"))
    if chain:
        problems.append(chain)
    ring = crypto.keyring()
    if alias == DEFAULT_DB_ALIAS:
        for column, usage in crypto.key_usage().items():
            missing = [k for k in usage if k not in ring or k in crypto.RESERVED_KEY_IDS]
            if missing:
                problems.append(f"{column}: values under key ids {', '.join(missing)} that are not in the key ring")
    if problems:
        raise BackupError("The restored data did not verify; nothing was kept: " + "; ".join(problems))
    return [
        f"row counts of {len(counts)} tables equal the manifest ({sum(counts.values())} rows)",
        f"SM3 of every table equals the backup's ({len(trailer['checksums'])} tables)",
        "audit chain verified" if manifest.get("audit_head") else "no audit chain in this version",
        "every encrypted value's key id is in the key ring",
    ]
