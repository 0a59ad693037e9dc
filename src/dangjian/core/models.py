"""Core models: users, roles over subtrees, the audit log and rule parameters."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, router, transaction
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from dangjian.core import checkpoints, crypto, idnumber
from dangjian.core.bulk import RawInserter, allocate_ids
from dangjian.core.crypto import sm3_hex
from dangjian.core.roles import Role
from dangjian.core.scoping import ScopedQuerySet


class TimeStamped(models.Model):
    """Creation and change times plus a version number for optimistic concurrency."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class OrgScoped(TimeStamped):
    """A record owned by an organization; visible to whoever may see that organization's subtree.

    ``org_path`` copies the owner's materialized path so that subtree lists are one index
    range on this table, without a join.
    """

    org = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, verbose_name=_("organization"), related_name="+"
    )
    org_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "org_path"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.org_id and (not self.org_path or self._org_changed()):
            self.org_path = self.org.path
        super().save(*args, **kwargs)

    def _org_changed(self) -> bool:
        cached = self._state.fields_cache.get("org")
        return cached is not None and cached.path != self.org_path


def optional_org(verbose_name=None, **kwargs) -> models.ForeignKey:
    """The ``org`` of a :class:`DefaultOrOwn` record: the owning organization, empty for a default."""
    return models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=verbose_name or _("organization"),
        **kwargs,
    )


class DefaultOrOwn(models.Model):
    """A named record that is either a default (no ``org``: offered everywhere) or an organization's
    own (``org`` declared with :func:`optional_org`): ``save`` copies the organization's path into
    ``org_path`` ("" for a default)."""

    org_path = models.CharField(max_length=255, blank=True, editable=False, db_index=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.org_path = self.org.path if self.org_id else ""
        super().save(*args, **kwargs)


class User(AbstractUser):
    """A person who logs in. Their rights come only from their role assignments."""

    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class RoleAssignment(models.Model):
    """A role held by a user over one organization and its whole subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    org = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="role_assignments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        constraints = [models.UniqueConstraint(fields=["user", "role", "org"], name="uniq_role_assignment")]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} @ {self.org}"


def organization_model() -> type[models.Model]:
    """The organization model, reached through the relation core declares (``RoleAssignment.org``).

    core sits below organizations and never imports it (the layers in ``.importlinter``), as Django's
    auth reaches the user model through ``get_user_model()``: a role, a scoped record and an import's
    summary event point at an organization without core importing the app that defines it.
    """
    return RoleAssignment._meta.get_field("org").related_model


# --- The audit log: an append-only hash chain ----------------------------------------------------
GENESIS_HASH = "0" * 64  # the prev_hash of the first event of the chain
# The fields an event's hash covers, in the order they are listed; the JSON keys are sorted anyway.
HASHED_FIELDS = (
    "created_at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "org_id",
    "org_path",
    "changes",
    "source",
    "request_id",
    "outcome",
)


class AppendOnlyError(Exception):
    """Audit events are never changed or deleted once written."""


class ChainHeadMissing(AppendOnlyError):
    """The chain head row is gone while the log has (or had) events: nothing is appended."""


def normalized_json(value: Any) -> Any:
    """``value`` as it reads back from a JSON column (tuples become lists, keys become strings)."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def canonical_content(values: dict[str, Any], *, normalized: bool = False) -> str:
    """The canonical JSON of an event's content: sorted keys, no spaces, UTF-8, time in UTC.

    ``values`` maps every name of :data:`HASHED_FIELDS` to its value as stored; ``normalized``
    says that ``changes`` already is as it reads back (see ``AuditEvent._normalize``).
    """
    created_at: dt.datetime = values["created_at"]
    if timezone.is_naive(created_at):
        created_at = timezone.make_aware(created_at, dt.UTC)
    content = {name: values[name] for name in HASHED_FIELDS}
    content["created_at"] = created_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if not normalized:
        content["changes"] = normalized_json(values["changes"])
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def chain_hash(values: dict[str, Any], prev_hash: str, *, normalized: bool = False) -> str:
    """``SM3(canonical JSON of the content ‖ prev_hash)`` in lower-case hex."""
    return sm3_hex((canonical_content(values, normalized=normalized) + prev_hash).encode())


def _stored_time(value: dt.datetime) -> dt.datetime:
    """Stored with microseconds in UTC on every backend: hash exactly what will read back."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value.astimezone(dt.UTC)


class AuditEventQuerySet(models.QuerySet):
    """Events can be read and appended, nothing else: bulk writes would bypass the chain."""

    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")

    def _raw_delete(self, using):
        raise AppendOnlyError("audit events cannot be deleted")

    def bulk_create(self, objs, *args, **kwargs):
        raise AppendOnlyError("audit events are appended one by one (audit.record), never in bulk")

    def bulk_update(self, objs, fields, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be updated")


class AuditEvent(models.Model):
    """One audited action. Written in the same transaction as the change it describes.

    Events form a hash chain: ``hash = SM3(canonical content ‖ prev_hash)`` and ``prev_hash``
    is the hash of the event before it. :meth:`save` appends under a lock on
    :class:`AuditChainHead`, so the chain never forks; the unique ``prev_hash`` makes a fork
    impossible even if that lock were bypassed. Events are never updated or deleted: the
    model refuses, and database triggers refuse raw SQL (migration ``0008``).
    ``dangjian audit verify`` walks the chain.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("success")
        FAILURE = "failure", _("failure")

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # PROTECT: deleting a user or an organization would rewrite audit rows; deactivate or dissolve instead.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    org = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    source = models.CharField(_("source address"), max_length=64, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.SUCCESS)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        ordering = ["-id"]
        base_manager_name = "objects"  # no plain-manager way around the append-only queryset
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        # Two events can never follow the same event: the chain has no forks.
        constraints = [models.UniqueConstraint(fields=["prev_hash"], name="audit_chain_no_fork")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        """Append this event to the chain. An event already written is never saved again."""
        if not self._state.adding or self.pk is not None:
            raise AppendOnlyError("audit events cannot be updated")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        self._normalize()
        with transaction.atomic(using=using):
            head = AuditChainHead.lock(using)
            self.prev_hash = head.hash
            self.hash = chain_hash(self.hashed_values(), self.prev_hash, normalized=True)
            kwargs["force_insert"] = True
            super().save(*args, **kwargs)
            AuditChainHead.objects.using(using).filter(pk=head.pk).update(
                hash=self.hash, last_event_id=self.pk, length=models.F("length") + 1
            )

    @classmethod
    def append_many(cls, rows: list[dict[str, Any]], *, using: str | None = None) -> list[int]:
        """Append new events, given as field values by attribute name (``audit.event_values``), to the
        chain in their order, under one lock, in a few inserts; return their ids.

        The sanctioned bulk path (an import of thousands of rows writes one event per record):
        each event is normalized, linked and hashed exactly as :meth:`save` would, then all are
        inserted together and the head moves once. No model instance is built: for 40,000 events
        that was a fifth of a county import. The queryset's ``bulk_create`` still refuses.
        """
        if not rows:
            return []
        using = using or router.db_for_write(cls)
        if using != connection.alias:
            raise NotImplementedError("append_many writes through the default connection")
        for row in rows:
            if row.get("id") is not None or "hash" in row or "prev_hash" in row:
                raise AppendOnlyError("audit events cannot be updated")
            row["changes"] = normalized_json(row["changes"])
            row["created_at"] = _stored_time(row["created_at"])
        with transaction.atomic(using=using):
            head = AuditChainHead.lock(using)
            prev = head.hash
            for row in rows:
                row["prev_hash"] = prev
                row["hash"] = prev = chain_hash(row, prev, normalized=True)
            ids = allocate_ids(cls, len(rows))  # in chain order, inside this transaction
            for row, pk in zip(rows, ids, strict=True):
                row["id"] = pk
            RawInserter(cls, with_pk=True).insert(rows)
            AuditChainHead.objects.using(using).filter(pk=head.pk).update(
                hash=prev, last_event_id=ids[-1], length=models.F("length") + len(rows)
            )
        return ids

    def _normalize(self) -> None:
        """Put the content in the form it reads back in, so that the hash is of what is stored."""
        self.changes = normalized_json(self.changes)
        self.created_at = _stored_time(self.created_at)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")

    @property
    def action_label(self) -> str:
        from dangjian.core.audit import action_label  # a cycle: core.audit imports these models

        return action_label(self.action)

    def hashed_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in HASHED_FIELDS}


class AuditChainHead(models.Model):
    """The single row naming the last event of the audit chain.

    Every append locks this row (``SELECT … FOR UPDATE``; on SQLite the write transaction is
    already exclusive) for the rest of the writer's transaction, so appends are serialised
    and each event's ``prev_hash`` is the hash of the event committed just before it.
    """

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON, editable=False)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    last_event_id = models.BigIntegerField(default=0)
    length = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("audit chain head")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_singleton")]

    def __str__(self) -> str:
        return f"{self.length} events, head {self.hash}"

    @classmethod
    def lock(cls, using: str = "default") -> AuditChainHead:
        """The head row, locked until the caller's transaction ends; created on first use."""
        manager = cls.objects.using(using)
        head = manager.select_for_update().filter(pk=cls.SINGLETON).first()
        if head is not None:
            return head
        # Only the first event of a new log creates the head. Events without a head, or an empty
        # log that a checkpoint outside the database says had events, mean rows were deleted:
        # refuse and raise the alarm, never rebuild silently (``dangjian audit repair-head``).
        count = AuditEvent.objects.using(using).count()
        if count:
            problem = f"the audit chain head row is missing while {count} events exist"
        else:
            problem = cls._emptied_log_problem()
        if problem:
            checkpoints.alarm(f"{problem}; audited writes are refused until an operator repairs the head")
            raise ChainHeadMissing(f"{problem}: see `dangjian audit verify`, then `dangjian audit repair-head`")
        try:
            with transaction.atomic(using=using):
                manager.create(pk=cls.SINGLETON, hash=GENESIS_HASH, last_event_id=0, length=0)
        except IntegrityError:  # another writer created it first
            pass
        return manager.select_for_update().get(pk=cls.SINGLETON)

    @staticmethod
    def _emptied_log_problem() -> str | None:
        """An empty log whose last checkpoint counted events was emptied (or the database replaced)."""
        try:
            anchor = checkpoints.last_mark()
        except checkpoints.CheckpointFileError as exc:
            return f"the audit log is empty and {exc}"
        if anchor is not None and anchor.length > 0:
            return f"the audit log is empty but the checkpoint of {anchor.at} counted {anchor.length} events"
        return None


class ApiToken(models.Model):
    """A bearer token for the REST API. Only the SM3 hash of the secret is stored.

    A token works until it expires or is revoked; ``prefix`` (the first characters of the
    secret) lets a person tell their tokens apart without the secret being kept anywhere.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    name = models.CharField(_("name"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


# --- Rules as rows: versions with effective dates ------------------------------------------------
class RuleVersionQuerySet(models.QuerySet):
    """Reads of rule versions by date."""

    def in_force_on(self, day: dt.date):
        """The versions in force on ``day``: started by then, not ended before, and (for a model
        whose versions end where the next one of the same key starts) not replaced by then."""
        model = self.model
        rows = self.filter(effective_from__lte=day)
        if model.has_end():
            rows = rows.filter(models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=day))
        if model.version_key:
            newer = model._default_manager.filter(
                effective_from__gt=models.OuterRef("effective_from"),
                effective_from__lte=day,
                **{name: models.OuterRef(name) for name in model.version_key},
            )
            rows = rows.exclude(models.Exists(newer))
        return rows

    def in_force_between(self, start: dt.date, end: dt.date):
        """The versions in force on at least one day from ``start`` to ``end`` (both included)."""
        rows = self.filter(effective_from__lte=end)
        if self.model.has_end():
            rows = rows.filter(models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=start))
        return rows


class RuleVersion(models.Model):
    """One version of a rule kept as a row, in force from ``effective_from`` to ``effective_to``
    (its last day; empty: until ended or replaced). A change never rewrites a version: the
    services of :mod:`dangjian.core.rules` close it and open the next, so whatever was judged by a
    version keeps it and the history is the rows.

    ``version_key`` names the fields that make rows versions of one rule when a version needs no
    end of its own because the next one of the same key replaces it (parameters, screening
    criteria); a subclass without an end date (``effective_to = None``) must name one.
    """

    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)

    version_key: tuple[str, ...] = ()

    objects = RuleVersionQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def has_end(cls) -> bool:
        """Whether versions carry their own last day (``effective_to``)."""
        return any(f.name == "effective_to" for f in cls._meta.concrete_fields)

    def in_force(self, day: dt.date) -> bool:
        end = getattr(self, "effective_to", None)
        return self.effective_from <= day and (end is None or day <= end)

    def version_errors(self) -> dict[str, str]:
        """The errors of the dates, by field, for a subclass's ``clean`` to add its own to."""
        end = getattr(self, "effective_to", None)
        if end and self.effective_from and end < self.effective_from:
            return {"effective_to": _("A rule cannot end before it starts.")}
        return {}

    def clean(self):
        if errors := self.version_errors():
            raise ValidationError(errors)


class Parameter(RuleVersion):
    """A rule expressed as data: a named value in force from a date, until the next value of its key
    starts. History is kept as rows."""

    key = models.CharField(_("key"), max_length=64, db_index=True)
    value = models.JSONField(_("value"))
    effective_to = None  # a value lasts until the next one of its key
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    version_key = ("key",)

    class Meta:
        verbose_name = _("parameter")
        ordering = ["key", "-effective_from", "-id"]
        constraints = [models.UniqueConstraint(fields=["key", "effective_from"], name="uniq_parameter_version")]

    def __str__(self) -> str:
        return f"{self.key}={self.value} ({self.effective_from})"


class EncryptedIdentity(models.Model):
    """A person's ID number and phone, stored encrypted (SM4-GCM, ``core.crypto``) and shown masked.

    ``id_number_hash`` is the blind index (HMAC-SM3) that finds a record by its ID number without
    decrypting. Read ``id_number`` / ``phone`` (decrypted once per instance), write with
    ``set_id_number`` / ``set_phone``; a page shows ``id_number_masked`` / ``phone_masked`` unless
    the role may see the full value (the reveal is a service, audited by the app). The ID number is
    required here; a model whose people may have none overrides the two ID fields as optional.
    """

    id_number_enc = models.TextField(_("ID number"), editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    phone_enc = models.TextField(_("phone"), blank=True, editable=False)

    class Meta:
        abstract = True

    @cached_property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc) if self.id_number_enc else ""

    def set_id_number(self, number: str) -> None:
        number = idnumber.normalize(number)
        self.id_number_enc = crypto.encrypt(number)
        self.id_number_hash = crypto.blind_index(number)
        self.__dict__["id_number"] = number

    @property
    def id_number_masked(self) -> str:
        return idnumber.mask(self.id_number)

    @cached_property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc) if self.phone_enc else ""

    def set_phone(self, phone: str) -> None:
        phone = (phone or "").strip()
        self.phone_enc = crypto.encrypt(phone) if phone else ""
        self.__dict__["phone"] = phone

    @property
    def phone_masked(self) -> str:
        return idnumber.mask_phone(self.phone)

    def take_secrets(self, data: dict) -> dict:
        """Move the plaintext ID number and phone of ``data`` into their encrypted columns; the rest
        of ``data`` (the plain model fields)."""
        plain = dict(data)
        if "id_number" in plain:
            self.set_id_number(plain.pop("id_number"))
        if "phone" in plain:
            self.set_phone(plain.pop("phone") or "")
        return plain


# --- Background jobs (core.jobs) ----------------------------------------------------------------
class Job(models.Model):
    """One piece of long work run by the worker (``core.jobs``): who asked, over which organization,
    with which parameters; its status, progress and result. The result file of an export lives under
    ``VAR_DIR/jobs`` (never public): ``result_file`` is its name there."""

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUSES = [(QUEUED, _("queued")), (RUNNING, _("running")), (DONE, _("done")), (FAILED, _("failed"))]

    kind = models.CharField(_("kind"), max_length=60)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=STATUSES, default=QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    result = models.JSONField(default=dict, blank=True)
    result_file = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="core_job_user_idx"),
            models.Index(fields=["status", "heartbeat_at"], name="core_job_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.DONE, self.FAILED)
