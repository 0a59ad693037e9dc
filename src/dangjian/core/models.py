"""Core models: users, roles over subtrees, the audit log and rule parameters."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


class AuditEvent(models.Model):
    """One audited action. Written in the same transaction as the change it describes."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("success")
        FAILURE = "failure", _("failure")

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    org = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    source = models.CharField(_("source address"), max_length=64, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.SUCCESS)

    class Meta:
        verbose_name = _("audit event")
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    @property
    def action_label(self) -> str:
        from dangjian.core.audit import action_label

        return action_label(self.action)


class Parameter(models.Model):
    """A rule expressed as data: a named value in force from a date. History is kept as rows."""

    key = models.CharField(_("key"), max_length=64, db_index=True)
    value = models.JSONField(_("value"))
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("parameter")
        ordering = ["key", "-effective_from", "-id"]
        constraints = [models.UniqueConstraint(fields=["key", "effective_from"], name="uniq_parameter_version")]

    def __str__(self) -> str:
        return f"{self.key}={self.value} ({self.effective_from})"


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
