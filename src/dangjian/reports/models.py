"""Records of reports: the work summary's templates, kept as data the department edits (issue 16)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import RuleVersion


class SummaryTemplate(RuleVersion):
    """A version of the work summary's template (总结模板): district-wide (no organization) or an
    organization's own, in force from ``effective_from`` until the next version of the same organization
    replaces it. ``body`` is sections: a line ``## heading`` opens one, each other line is a paragraph whose
    placeholders name figures and a phrase (``{training.person_times|余}``, see :mod:`dangjian.reports.summary`)."""

    org = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("template text"))
    replaces = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    effective_to = None
    version_key = ("org",)

    class Meta:
        ordering = ["org_id", "-effective_from", "-id"]
        verbose_name = _("work summary template")

    def __str__(self) -> str:
        return f"{self.title} ({self.effective_from})"
