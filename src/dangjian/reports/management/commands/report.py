"""``dangjian report summary --org CODE --from YYYY-MM-DD --to YYYY-MM-DD -o FILE.docx|.html|.xlsx [--user NAME]``.

The work summary of an organization's subtree for a stretch of days, written by the same function as the
page's downloads (:func:`dangjian.reports.summary_output.summary_document`). Without ``--user`` it runs as the
operator of the installation (every record counted); with one, in that user's scope.
"""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from dangjian.core.spans import Span
from dangjian.organizations.models import Organization
from dangjian.reports.summary_output import FORMATS, summary_document

# "import" is a keyword, so its helper is reached through importlib.
acting_user = importlib.import_module("dangjian.core.management.commands.import").acting_user


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Write the work summary of an organization's subtree and period to .docx, .html or .xlsx."
    requires_system_checks = [Tags.security]

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["summary"])
        parser.add_argument("--org", required=True, help="code of the organization whose subtree to summarize")
        parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("-o", "--output", required=True, help="FILE.docx, FILE.html or FILE.xlsx")
        parser.add_argument("--user", help="the acting user, whose subtree applies (default: the operator)")

    def handle(self, *args, kind, org, start, end, output, user, **options):
        fmt = Path(output).suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise CommandError(f"the output must end in .docx, .html or .xlsx: {output}")
        first, last = _day(start), _day(end)
        if last < first:
            raise CommandError("--to is before --from")
        actor = acting_user(user) if user else None
        orgs = Organization.objects.all() if actor is None else Organization.objects.visible_to(actor)
        found = orgs.filter(code=org).first()
        if found is None:
            raise CommandError(f"no organization {org!r}" + (f" in {user}'s subtree" if user else ""))
        try:
            body = summary_document(found, Span(first, last), actor, fmt)
        except Http404:
            raise CommandError("no work summary template is in force") from None
        Path(output).write_bytes(body)
        self.stdout.write(f"{found.name} {first}–{last} → {output}")
