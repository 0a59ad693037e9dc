"""Signed checkpoints of the audit chain, kept outside the database (等保 8.1.4.3: 审计记录的保护).

The hash chain of ``core.audit`` proves that no event was edited or removed *inside* the chain,
but its end lives in the database: whoever holds the application's database credentials can
delete the last events and move ``AuditChainHead`` back, and the chain still verifies. A
checkpoint anchors the end outside the database: one JSON line

    {"kind", "length", "last_id", "head", "at", "reason", "prev_mac", "mac"}

appended to the checkpoint file of the database (:func:`path`; mode 0600, under the var
directory, which the database account cannot write), where ``mac = HMAC-SM3(key, canonical JSON of the other fields)``
and ``prev_mac`` is the previous line's ``mac``: a line edited, removed or reordered breaks the
line chain. The key is not in the database (``DANGJIAN_AUDIT_CHECKPOINT_KEY`` or a 0600 key file).

Kinds: ``checkpoint`` (the chain as found), ``new_chain`` (an operator's new baseline after a
restore or for a new database) and ``alarm`` (something was wrong; it repeats the baseline it
was compared with). Every line carries the current baseline, so the cheap readers only need the
last line. Each signed line is also handed to the sinks of ``AUDIT_CHECKPOINT_SINKS`` (e.g.
syslog, shipped off the host); a failing sink is logged and reported, never fails the write.

This module knows files, keys and sinks only; comparing a checkpoint with the database is
``core.audit``'s (this module is imported by ``core.models``).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from logging.handlers import SysLogHandler
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("dangjian.audit")

GENESIS_MAC = "0" * 64
CHECKPOINT, NEW_CHAIN, ALARM = "checkpoint", "new_chain", "alarm"
TAIL_BYTES = 8192  # a line is a few hundred bytes: the last one is always inside the tail
MAX_REASON = 300


@dataclass(frozen=True)
class Mark:
    """One line of the checkpoint file."""

    kind: str
    length: int
    last_id: int
    head: str
    at: str
    reason: str
    prev_mac: str
    mac: str = ""

    def body(self) -> dict:
        return {name: getattr(self, name) for name in BODY_FIELDS}  # not asdict(): verify reads a year of lines

    def line(self) -> str:
        return json.dumps({**self.body(), "mac": self.mac}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class CheckpointFileError(Exception):
    """The checkpoint file cannot be read or does not verify."""


# --- The key -------------------------------------------------------------------------------------------
def key() -> bytes:
    """The checkpoint key: ``AUDIT_CHECKPOINT_KEY`` (hex) or the key file, created (0600) on first use."""
    raw = settings.AUDIT_CHECKPOINT_KEY
    if not raw:
        path = Path(settings.AUDIT_CHECKPOINT_KEY_FILE)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process created it first
                pass
            else:
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_hex(32) + "\n")
        raw = path.read_text().strip()
    try:
        value = bytes.fromhex(raw)
    except ValueError:
        value = b""
    if len(value) < 16:
        raise ImproperlyConfigured("the audit checkpoint key must be at least 16 bytes of hex")
    return value


def sign(mark: Mark, secret: bytes) -> str:
    """HMAC-SM3 over the canonical JSON of the line without its ``mac``."""
    mac = hmac.HMAC(secret, hashes.SM3())
    mac.update(json.dumps(mark.body(), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode())
    return mac.finalize().hex()


BODY_FIELDS = ("kind", "length", "last_id", "head", "at", "reason", "prev_mac")


def _parse(text: str) -> Mark | None:
    try:
        data = json.loads(text)
        return Mark(*[data[name] for name in BODY_FIELDS], data["mac"])
    except (ValueError, TypeError, KeyError):
        return None


# --- Reading ---------------------------------------------------------------------------------------------
def path() -> Path:
    """``AUDIT_CHECKPOINT_FILE``, or ``<var>/audit-checkpoints-<database name>.log``: one file per database."""
    if settings.AUDIT_CHECKPOINT_FILE:
        return Path(settings.AUDIT_CHECKPOINT_FILE)
    name = Path(str(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])).stem
    return Path(settings.VAR_DIR) / f"audit-checkpoints-{re.sub(r'[^A-Za-z0-9_.-]', '_', name) or 'default'}.log"


def _tail(fh: IO[bytes]) -> str | None:
    """The last non-empty line of an open file, reading at most its last TAIL_BYTES."""
    size = fh.seek(0, os.SEEK_END)
    fh.seek(max(0, size - TAIL_BYTES))
    lines = [line for line in fh.read().decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1] if lines else None


def last_mark() -> Mark | None:
    """The last line (the current baseline) without reading the file: ``None`` when there is none.

    Raises :class:`CheckpointFileError` when the last line is not a line this key signed.
    """
    try:
        with path().open("rb") as fh:
            text = _tail(fh)
    except FileNotFoundError:
        return None
    return _checked(text)


def _checked(text: str | None) -> Mark | None:
    if text is None:
        return None
    mark = _parse(text)
    if mark is None or mark.mac != sign(mark, key()):
        raise CheckpointFileError(f"the last line of {path()} is not a signed checkpoint")
    return mark


def read_all() -> tuple[list[Mark], list[str]]:
    """Every line, and the problems found: a line whose signature does not verify, or that does not
    follow the line before it (a line removed, inserted or reordered)."""
    try:
        text = path().read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return [], []
    secret = key()
    marks, problems, prev = [], [], GENESIS_MAC
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        mark = _parse(line)
        if mark is None or mark.mac != sign(mark, secret):
            problems.append(f"checkpoint file line {number}: the signature does not verify (the line was altered)")
        elif mark.prev_mac != prev:
            problems.append(
                f"checkpoint file line {number}: does not follow the line before it (lines were removed or reordered)"
            )
        if mark is not None:
            marks.append(mark)
            prev = mark.mac
    return marks, problems


def age_seconds() -> float:
    """Seconds since the last line was appended (one ``stat``); infinite when there is no file."""
    try:
        return max(0.0, time.time() - path().stat().st_mtime)
    except FileNotFoundError:
        return float("inf")


# --- Writing ---------------------------------------------------------------------------------------------
Decide = Callable[[Mark | None], tuple[str, int, int, str, str] | None]


def append(decide: Decide) -> tuple[Mark | None, list[str]]:
    """Append one signed line under an exclusive lock on the file.

    ``decide(last line or None)`` returns ``(kind, length, last_id, head, reason)``, or ``None`` to
    write nothing; it runs under the lock, so what it compares with is the real last line.
    Returns the line written (or ``None``) and the sinks' failures.
    """
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    secret = key()
    fd = os.open(target, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            last, broken = _checked(_tail(fh)), False
        except CheckpointFileError:
            last, broken = None, True
        if (decision := decide(last)) is None:
            return None, []
        if broken:  # never sign a checkpoint after a line that is not ours: an alarm, and the line chain stays broken
            _kind, length, last_id, head, reason = decision
            decision = (ALARM, length, last_id, head, f"{reason}; {target} ends in a line that does not verify")
        mark = _mark(decision, fh, secret, prev_mac=last.mac if last else GENESIS_MAC)
    return mark, send_to_sinks(mark.line())


def _mark(decision, fh: IO[bytes], secret: bytes, *, prev_mac: str) -> Mark:
    kind, length, last_id, head, reason = decision
    mark = Mark(
        kind=kind,
        length=int(length),
        last_id=int(last_id),
        head=head,
        at=timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds"),
        reason=reason[:MAX_REASON],
        prev_mac=prev_mac,
    )
    mark = replace(mark, mac=sign(mark, secret))
    fh.write(mark.line().encode() + b"\n")
    fh.flush()
    os.fsync(fh.fileno())
    return mark


def alarm(reason: str) -> Mark | None:
    """Log ``reason`` at CRITICAL and append an ``alarm`` line (once while the same alarm repeats).

    Never raises: it is called on the way to refusing a write."""
    logger.critical("audit chain alarm: %s", reason)

    def decide(last: Mark | None):
        if last is not None and last.kind == ALARM and last.reason == reason[:MAX_REASON]:
            return None  # the same alarm again: the log has it, the file needs it once
        if last is None:
            return ALARM, 0, 0, GENESIS_MAC, reason
        return ALARM, last.length, last.last_id, last.head, reason

    try:
        mark, _failures = append(decide)
    except Exception:  # an alarm must not hide the refusal it explains
        logger.exception("could not write the audit alarm to %s", path())
        return None
    return mark


# --- Sinks -------------------------------------------------------------------------------------------------
class Sink:
    """Somewhere a copy of every signed line goes. ``emit`` may raise; the caller records the failure."""

    def emit(self, line: str) -> None:
        raise NotImplementedError


class FileSink(Sink):
    """A second append-only file (``AUDIT_CHECKPOINT_MIRROR_FILE``), e.g. on a log host's mount."""

    def emit(self, line: str) -> None:
        target = settings.AUDIT_CHECKPOINT_MIRROR_FILE
        if not target:
            raise ImproperlyConfigured("FileSink needs AUDIT_CHECKPOINT_MIRROR_FILE")
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "ab") as fh:
            fh.write(line.encode() + b"\n")


class _RaisingSysLogHandler(SysLogHandler):
    def handleError(self, record):
        raise


class SyslogSink(Sink):
    """Syslog (``AUDIT_CHECKPOINT_SYSLOG_ADDRESS``: a Unix socket path or ``host:port`` over UDP),
    facility ``authpriv``, so that the lines leave the host with the system's log shipping."""

    def address(self) -> str | tuple[str, int]:
        value = settings.AUDIT_CHECKPOINT_SYSLOG_ADDRESS
        if not value.startswith("/") and ":" in value:
            host, _, port = value.rpartition(":")
            return host, int(port)
        return value

    def emit(self, line: str) -> None:
        handler = _RaisingSysLogHandler(address=self.address(), facility=SysLogHandler.LOG_AUTHPRIV)
        try:
            record = logging.LogRecord(
                "dangjian.audit.checkpoint", logging.INFO, __file__, 0, "dangjian-audit-checkpoint %s", (line,), None
            )
            handler.emit(record)
        finally:
            handler.close()


def send_to_sinks(line: str) -> list[str]:
    """Hand ``line`` to every configured sink; return the failures (each also logged)."""
    failures = []
    for dotted in settings.AUDIT_CHECKPOINT_SINKS:
        try:
            import_string(dotted)().emit(line)
        except Exception as exc:  # an unreachable sink never fails the write
            failures.append(f"{dotted}: {type(exc).__name__}: {exc}")
            logger.error("audit checkpoint sink %s failed: %s", dotted, exc)
    return failures
