"""Writes of the work summary: a new version of the district-wide template (one audit event each)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from dangjian.core.fields import linked_user
from dangjian.core.rules import rule_revise
from dangjian.core.services import object_create
from dangjian.reports.models import SummaryTemplate
from dangjian.reports.summary import validate_body


@transaction.atomic
def summary_template_save(
    *, actor, current: SummaryTemplate | None, title: str, body: str, effective_from: dt.date
) -> SummaryTemplate:
    """The district-wide template from ``effective_from``: a revision of ``current`` (history kept as rows),
    or its first version. An unknown figure or phrase is refused, naming it, and nothing is written."""
    validate_body(body)
    data = {"title": title, "body": body}
    if current is not None and current.org_id is None:
        return rule_revise(
            actor=actor, rule=current, data=data, effective_from=effective_from, fields=("title", "body")
        )
    template = SummaryTemplate(**data, effective_from=effective_from, created_by=linked_user(actor))
    return object_create(actor=actor, instance=template)
