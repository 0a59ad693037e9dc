"""The audit log: writing events, the auditor's reads and export, and checking the hash chain.

Services call :func:`record` inside their own transaction, so a change and its event commit or
roll back together. Events are chained (see :class:`~dangjian.core.models.AuditEvent`);
:func:`verify_chain` walks the chain and :func:`archive_events` copies old events out with
their hashes. Nothing here deletes an event.

The chain's end is anchored outside the database by signed checkpoints (``core.checkpoints``):
:func:`write_checkpoint` appends one unless the chain no longer extends the last one (then an
alarm), :func:`checkpoint_problem` says how a chain differs from a checkpoint, and every audited
write checks cheaply whether a checkpoint is due (:func:`checkpoint_when_due`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dangjian.core import checkpoints, context, tree
from dangjian.core.audit_display import changes_text, field_label, link_names, mask_changes, value_text
from dangjian.core.excel.writer import write_sheets
from dangjian.core.models import (
    GENESIS_HASH,
    HASHED_FIELDS,
    AuditChainHead,
    AuditEvent,
    canonical_content,
    chain_hash,
)
from dangjian.core.roles import Role
from dangjian.core.scoping import paths_for

SENSITIVE_MARK = "••••"

# How each action reads on screen; an action missing here is shown as its code.
ACTION_LABELS = {
    "create": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
    "move": _("moved"),
    "transfer": _("transferred"),
    "dissolve": _("dissolved"),
    "view_sensitive": _("viewed personal information"),
    "export": _("exported"),
    "download": _("downloaded a file"),
    "import": _("imported"),
    "login": _("logged in"),
    "login_failed": _("failed to log in"),
    "api_login": _("logged in to the API"),
    "api_logout": _("revoked an API token"),
    "logout": _("logged out"),
    "role_grant": _("granted a role"),
    "role_revoke": _("revoked a role"),
    "user_create": _("created an account"),
    "user_update": _("changed an account"),
    "user_deactivate": _("deactivated an account"),
    "user_activate": _("reactivated an account"),
    "user_password_reset": _("reset a password"),
    "audit_verify": _("verified the audit chain"),
    "audit_archive": _("archived audit events"),
    "audit_alarm": _("raised an audit chain alarm"),
    "parameter_set": _("changed a rule"),
    "demo_load": _("loaded demo data"),
    # Written by the accounts, privacy, backup and key modules.
    "lockout": _("was locked out"),
    "lockout_clear": _("lifted a login lockout"),
    "login_alert": _("raised an alert of many failed logins"),
    "activation_release": _("released an account activation code"),
    "activation_failed": _("entered a wrong activation code"),
    "activation_complete": _("activated an account"),
    "password_change": _("changed their password"),
    "otp_enrol": _("set up two-factor authentication"),
    "otp_verify": _("entered a one-time code"),
    "otp_remove": _("removed two-factor authentication"),
    "privacy_report": _("produced a personal information report"),
    "correction_request": _("asked for a correction"),
    "correction_accept": _("accepted a correction"),
    "correction_reject": _("rejected a correction"),
    "erase": _("erased personal information"),
    "id_collision": _("used an ID number registered elsewhere"),
    "id_collision_limit": _("was refused: too many ID numbers registered elsewhere"),
    "backup": _("backed up the database"),
    "restore": _("restored the database"),
    "key_rotate": _("rotated the encryption keys"),
    # 一编三定 (members.posts)
    "group_assign": _("placed in a party group"),
    "group_remove": _("took out of a party group"),
    "post_approve": _("approved a post assignment"),
    "post_publicise": _("put a post assignment under public notice"),
    "post_objections": _("recorded objections to a post assignment"),
    "post_badge": _("put a member on duty with a badge"),
    "post_end": _("ended a post assignment"),
    "post_evaluate": _("evaluated a post assignment"),
    "reserve_appoint": _("appointed a reserve cadre"),
    "reserve_drop": _("dropped a reserve cadre"),
    "reserve_assess": _("assessed a reserve cadre"),
    "problem_add": _("added a problem to a rectification"),
    "problem_update": _("changed a problem of a rectification"),
    "countermeasure_done": _("recorded a countermeasure as done"),
    "progress_add": _("recorded rectification progress"),
    "team_add": _("added to a rectification work team"),
    "team_remove": _("took off a rectification work team"),
    "rectification_opened": _("opened a rectification"),
    "rectification_in_progress": _("started work on a rectification"),
    "rectification_accepted": _("recorded a rectification as accepted by the township"),
    "rectification_closed": _("closed a rectification"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


_PLAIN = (str, int, float, bool, type(None))


def jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:  # the common case first: an import builds thousands of events
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):  # e.g. [old, new]: mostly plain values
        return [v if type(v) in _PLAIN else jsonable(v) for v in value]
    return value


def event_values(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    org=None,
    changes: dict | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    object_type: str = "",
    object_repr: str = "",
) -> dict[str, Any]:
    """The field values (by attribute name) of an event describing an action, for :func:`record_many`."""
    ctx = context.current.get()
    if org is None and obj is not None:
        org = obj if obj._meta.label_lower == "organizations.organization" else getattr(obj, "org", None)
    user = actor if getattr(actor, "is_authenticated", False) else None
    return {
        "created_at": timezone.now(),
        "actor_id": user.pk if user else None,
        "actor_name": (user.get_username() if user else str(actor or _("system")))[:150],
        "action": action,
        # A model moved to another app keeps its events' type in ``audit_type`` (events cannot be relabelled).
        "object_type": object_type or (getattr(obj, "audit_type", obj._meta.label_lower) if obj is not None else ""),
        "object_id": str(obj.pk) if obj is not None and obj.pk is not None else "",
        "object_repr": (object_repr or (str(obj) if obj is not None else ""))[:200],
        "org_id": org.pk if org is not None else None,
        "org_path": getattr(org, "path", "") or "",
        "changes": {k: jsonable(v) for k, v in (changes or {}).items()},
        "source": (ctx.source or "unknown")[:64],
        "request_id": ctx.request_id,
        "outcome": outcome,
    }


def event(**kwargs) -> AuditEvent:
    """An unsaved event (keyword arguments as :func:`event_values`)."""
    return AuditEvent(**event_values(**kwargs))


def record(**kwargs) -> AuditEvent:
    """Append one event (keyword arguments as :func:`event_values`) to the chain."""
    audit_event = event(**kwargs)
    audit_event.save()
    checkpoint_when_due()
    return audit_event


def record_many(events: list[dict[str, Any]]) -> list[int]:
    """Append events (each from :func:`event_values`) in one batch, for bulk services such as
    imports; returns their ids, in chain order."""
    ids = AuditEvent.append_many(events)
    checkpoint_when_due()
    return ids


def describe_changes(model: type[models.Model], changes: dict, links=None) -> list[tuple[str, Any, Any]]:
    """``[(field name, old, new)]`` in words a reader understands (``core.audit_display``), for display;
    linked records by the names ``links`` (``audit_display.link_names``) lets the reader see."""
    rows = []
    for name, pair in (changes or {}).items():
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        rows.append(
            (field_label(model, name), value_text(model, name, old, links), value_text(model, name, new, links))
        )
    return rows


# --- The auditor's reads -----------------------------------------------------------------------------
def events_visible_to(user) -> models.QuerySet[AuditEvent]:
    """Events of the auditor's subtrees; an auditor at a root also reads events tied to no organization."""
    paths = paths_for(user, {Role.AUDITOR})
    query = tree.subtrees_q("org_path", paths)
    if query is None:
        return AuditEvent.objects.none()
    if any(tree.depth(p) == 1 for p in paths):
        query |= Q(org_path="")  # logins, accounts, verification runs
    return AuditEvent.objects.filter(query)


def filter_events(events: models.QuerySet[AuditEvent], data: dict[str, Any]) -> models.QuerySet[AuditEvent]:
    """Apply the audit log's filters (cleaned form data) to ``events``."""
    if data.get("actor"):
        events = events.filter(actor_name__icontains=data["actor"])
    if data.get("action"):
        events = events.filter(action=data["action"])
    if data.get("object_type"):
        events = events.filter(object_type=data["object_type"])
    if data.get("date_from"):
        events = events.filter(created_at__gte=_start_of(data["date_from"]))
    if data.get("date_to"):
        events = events.filter(created_at__lt=_start_of(data["date_to"] + dt.timedelta(days=1)))
    return events


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the site's time zone (an index range on ``created_at``)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


EXPORT_COLUMNS = (
    ("id", _("No.")),
    ("created_at", _("Time")),
    ("actor_name", _("Actor")),
    ("action", _("Action")),
    ("object_type", _("Object type")),
    ("object_id", _("Object id")),
    ("object_repr", _("Object")),
    ("org_path", _("Organization path")),
    ("changes", _("Changes")),
    ("source", _("Source address")),
    ("request_id", _("Request id")),
    ("outcome", _("Outcome")),
    ("hash", _("Hash")),
)


def write_events_xlsx(events: models.QuerySet[AuditEvent], fh: IO[bytes], *, paths: list[str] | None = None) -> int:
    """Stream events into an .xlsx, every text cell formula-safe; return the row count. The changes are
    kept as (masked) JSON, and given in words in a last column, linked records named as on the page for
    a reader whose subtrees are ``paths`` (no names without them): one query per linked model a batch."""
    outcomes = dict(AuditEvent.Outcome.choices)
    names = [name for name, _label in EXPORT_COLUMNS]

    def rows():
        for batch in itertools.batched(events.order_by("id").values(*names).iterator(chunk_size=2000), 2000):
            links = link_names(((r["object_type"], r["changes"]) for r in batch), paths) if paths else None
            for row in batch:
                words = changes_text(row["object_type"], row["changes"], links)  # masked as on the page
                row["created_at"] = timezone.localtime(row["created_at"]).replace(tzinfo=None)
                row["action"] = f"{action_label(row['action'])} ({row['action']})"
                changes = mask_changes(row["changes"])  # as on the page: the auditor's view masks
                row["changes"] = json.dumps(changes, ensure_ascii=False, sort_keys=True) if changes else ""
                row["outcome"] = str(outcomes.get(row["outcome"], row["outcome"]))
                yield [*(row[name] for name in names), words]

    header = [*(str(label) for _name, label in EXPORT_COLUMNS), gettext("Changes in words")]
    (count,) = write_sheets(fh, [(gettext("Audit log"), header, rows())])
    return count


# --- The chain -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainReport:
    """The result of walking the chain: ``ok``, or the first broken link."""

    count: int
    head: str
    broken_id: int | None = None
    what: str = ""
    expected: str = ""
    found: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None

    def __str__(self) -> str:
        if self.ok:
            return f"OK: {self.count} events, head {self.head}"
        return f"BROKEN at event {self.broken_id}: {self.what} expected {self.expected}, found {self.found}"


_WALK_FIELDS = ("id", "prev_hash", "hash", *HASHED_FIELDS)


def _walk(after_id: int, prev: str, upto: int | None, chunk_size: int) -> Iterator[tuple[int, str, str | None]]:
    """Yield ``(id, stored hash, problem)`` in id order from ``after_id``; stop after a problem."""
    rows = AuditEvent.objects.filter(id__gt=after_id).order_by("id").values_list(*_WALK_FIELDS)
    if upto is not None:
        rows = rows.filter(id__lte=upto)
    for row in rows.iterator(chunk_size=chunk_size):
        event_id, prev_hash, stored = row[0], row[1], row[2]
        if prev_hash != prev:
            yield event_id, stored, f"prev_hash|{prev}|{prev_hash}"
            return
        computed = chain_hash(dict(zip(HASHED_FIELDS, row[3:], strict=True)), prev_hash)
        if computed != stored:
            yield event_id, stored, f"hash|{computed}|{stored}"
            return
        prev = stored
        yield event_id, stored, None


def verify_chain(*, chunk_size: int = 5000) -> ChainReport:
    """Walk every event in id order (streamed) and check each link and the chain head.

    Reports the first event whose ``prev_hash`` is not the hash of the event before it (an
    event deleted before it, or inserted) or whose content no longer gives its hash (an
    edited event); then that the head names the last event (events deleted at the end).
    Events appended while the walk runs are walked too.
    """
    prev, count, last_id = GENESIS_HASH, 0, 0
    for _round in range(1000):
        head = AuditChainHead.objects.filter(pk=AuditChainHead.SINGLETON).first()
        upto = head.last_event_id if head else None
        for event_id, stored, problem in _walk(last_id, prev, upto, chunk_size):
            if problem:
                what, expected, found = problem.split("|")
                return ChainReport(count, prev, event_id, what, expected, found)
            prev, count, last_id = stored, count + 1, event_id
        if head is None:
            if count:
                return ChainReport(count, prev, last_id, "chain head", "a head row", "none")
            return ChainReport(0, GENESIS_HASH)
        # An event the head does not cover was not appended through the chain, unless it was
        # appended since the head was read: then the head has moved on (read after the event).
        stray = AuditEvent.objects.filter(id__gt=head.last_event_id).order_by("id").values_list("id", flat=True).first()
        fresh = AuditChainHead.objects.filter(pk=AuditChainHead.SINGLETON).first()
        if fresh is not None and fresh.last_event_id > head.last_event_id:
            continue  # events were appended during the walk: walk them too
        if last_id != head.last_event_id or prev != head.hash:
            return ChainReport(count, prev, head.last_event_id, "chain head", head.hash, prev)
        if stray is not None:
            return ChainReport(count, prev, stray, "prev_hash", "an event recorded in the chain head", "none")
        if count != head.length:
            return ChainReport(count, prev, last_id, "length", str(head.length), str(count))
        return ChainReport(count, prev)
    return ChainReport(count, prev, last_id, "walk", "the chain to stop growing", "still growing")


def archive_events(*, before: dt.date, fh: IO[str]) -> tuple[int, int | None, str]:
    """Copy events older than ``before`` (site time) to ``fh`` as JSON lines, with their hashes.

    Each line is ``{"id", "prev_hash", "hash", "content"}`` where ``content`` is the exact
    canonical JSON that was hashed: anyone can check ``SM3(content ‖ prev_hash) == hash`` and
    the links between lines without this application. Nothing is deleted.
    Returns (events written, last id, last hash).
    """
    count, last_id, last_hash = 0, None, GENESIS_HASH
    rows = (
        AuditEvent.objects.filter(created_at__lt=_start_of(before))
        .order_by("id")
        .values_list("id", "prev_hash", "hash", *HASHED_FIELDS)
    )
    for row in rows.iterator(chunk_size=5000):
        content = canonical_content(dict(zip(HASHED_FIELDS, row[3:], strict=True)))
        fh.write(f'{{"id":{row[0]},"prev_hash":"{row[1]}","hash":"{row[2]}","content":{content}}}\n')
        count, last_id, last_hash = count + 1, row[0], row[2]
    return count, last_id, last_hash


# --- Checkpoints outside the database (core.checkpoints) ---------------------------------------------
def checkpoint_problem(anchor: checkpoints.Mark | None, length: int) -> str | None:
    """How a chain of ``length`` events differs from the baseline ``anchor``; ``None`` when it extends it.

    A chain extends its checkpoint when it is at least as long and the event the checkpoint names
    still has the checkpoint's hash (the hash covers every event before it).
    """
    if anchor is None or anchor.length == 0:
        return None
    if length < anchor.length:
        return (
            f"the chain is shorter than the checkpoint of {anchor.at}: {length} events, the checkpoint has "
            f"{anchor.length} (events were cut off the end)"
        )
    stored = AuditEvent.objects.filter(pk=anchor.last_id).values_list("hash", flat=True).first()
    if stored != anchor.head:
        return (
            f"event {anchor.last_id} differs from the checkpoint of {anchor.at}: hash expected {anchor.head}, "
            f"found {stored or 'no event'}"
        )
    return None


def missing_verified_line(marks: list[checkpoints.Mark]) -> str | None:
    """The last verification recorded in the chain names the checkpoint line it wrote: that line must
    still be in the file (lines cut off the file's end, which its own MAC chain cannot show). Only
    verifications since the last new baseline count (a restored chain names another host's lines)."""
    since = next((m.last_id for m in reversed(marks) if m.kind == checkpoints.NEW_CHAIN), 0)
    last = (
        AuditEvent.objects.filter(action="audit_verify", id__gt=since, changes__checkpoint__isnull=False)
        .order_by("-id")
        .values_list("id", "changes")
        .first()
    )
    if last is None or last[1].get("checkpoint") in {m.mac for m in marks}:
        return None
    return (
        f"the checkpoint line written by the verification of event {last[0]} is not in {checkpoints.path()}"
        " (lines were cut off its end)"
    )


def _head_state() -> tuple[int, int, str] | None:
    head = AuditChainHead.objects.filter(pk=AuditChainHead.SINGLETON).first()
    return (head.length, head.last_event_id, head.hash) if head else None


def write_checkpoint(reason: str) -> tuple[checkpoints.Mark | None, list[str]]:
    """Append a checkpoint of the chain head (committed state), or an alarm when the head is missing or
    does not extend the last checkpoint: a cut chain is never laundered into a new baseline.
    Returns the line written and the sinks' failures."""

    def decide(last: checkpoints.Mark | None):
        state = _head_state()
        if state is None:
            if not AuditEvent.objects.exists() and (last is None or last.length == 0):
                return checkpoints.CHECKPOINT, 0, 0, GENESIS_HASH, reason  # a new, empty log
            problem = "the audit chain head row is missing"
        else:
            problem = checkpoint_problem(last, state[0])
        if problem:
            checkpoints.logger.critical("audit chain alarm: %s", problem)
            if last is not None and last.kind == checkpoints.ALARM and last.reason == problem[: checkpoints.MAX_REASON]:
                return None  # the same alarm again: the file needs it once
            if last is None:
                return checkpoints.ALARM, 0, 0, GENESIS_HASH, problem
            return checkpoints.ALARM, last.length, last.last_id, last.head, problem
        return (checkpoints.CHECKPOINT, *state, reason)

    return checkpoints.append(decide)


def new_baseline(reason: str) -> checkpoints.Mark:
    """An operator's new baseline (a restored database, a new database in an old var directory):
    the chain as it is now, walked first; the line says which baseline it replaces."""
    report = verify_chain()
    if not report.ok and report.what != "chain head":
        raise ValueError(f"the chain does not verify: {report}")
    last_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def decide(last: checkpoints.Mark | None):
        replaced = f" (replaces {last.length} events, head {last.head})" if last else ""
        return checkpoints.NEW_CHAIN, report.count, last_id, report.head, f"{reason}{replaced}"

    mark, _failures = checkpoints.append(decide)
    return mark


def repair_head() -> ChainReport:
    """Re-create a deleted chain head row from the last event, only when the chain verifies up to it
    and extends the last checkpoint (otherwise events were removed too: restore a backup, or accept
    the chain as it is with a new baseline). The caller records the alarm event."""
    if AuditChainHead.objects.exists():
        raise ValueError("the chain head row is there: nothing to repair")
    report = verify_chain()
    if not report.ok and (report.what, report.expected) != ("chain head", "a head row"):
        raise ValueError(f"the chain does not verify: {report}")
    try:
        problem = checkpoint_problem(checkpoints.last_mark(), report.count)
    except checkpoints.CheckpointFileError as exc:
        problem = str(exc)
    if problem:
        raise ValueError(
            f"{problem}; restore a backup, or accept the chain as it is: dangjian audit checkpoint --new-chain REASON"
        )
    last_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    AuditChainHead.objects.create(
        pk=AuditChainHead.SINGLETON, hash=report.head, last_event_id=last_id, length=report.count
    )
    return ChainReport(report.count, report.head)


# The opportunistic checkpoint: at most one look per process and minute, one stat when looking, no query.
_next_look = 0.0
LOOK_EVERY = 60.0  # also the least ``audit.checkpoint_minutes`` may be (parameters.MINIMUMS)


def checkpoint_when_due() -> None:
    """After an audited write: when the last checkpoint may be older than ``audit.checkpoint_minutes``
    (older than a minute, the least the rule allows), look again once the transaction commits and write
    one if it is due (it then reads the committed head). No query in the write; never fails it."""
    global _next_look
    now = time.monotonic()
    if now < _next_look:
        return
    _next_look = now + LOOK_EVERY
    try:
        due = checkpoints.age_seconds() >= LOOK_EVERY
    except OSError:
        checkpoints.logger.exception("could not read the audit checkpoint file's age")
        return
    if due:
        transaction.on_commit(_checkpoint_if_due, robust=True)


def _checkpoint_if_due() -> None:
    from dangjian.core import parameters  # a cycle: parameters audits its own writes

    try:
        minutes = max(1, int(parameters.get("audit.checkpoint_minutes")))
        if checkpoints.age_seconds() >= minutes * 60:
            write_checkpoint("schedule")
    except Exception:  # after commit: the write is done, the log has the failure
        checkpoints.logger.exception("could not write an audit checkpoint")
