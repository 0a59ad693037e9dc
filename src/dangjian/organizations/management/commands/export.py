"""``dangjian export <register> FILE --user USERNAME [--org CODE] [--query "status=full&age=≤30"]``.

The same export as the web pages: the acting user's scope, the list page's filters, masking
unless the user may see full ID numbers, and an ``export`` audit event.
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404, QueryDict

from dangjian.core.excel import pipeline
from dangjian.organizations.models import Organization

# "import" is a keyword, so its helpers are reached through importlib.
_import_command = importlib.import_module("dangjian.core.management.commands.import")
acting_user, template_for = _import_command.acting_user, _import_command.template_for


class Command(BaseCommand):
    help = "Export a register (members, organizations …) to .xlsx as a given user."
    # The security checks (the crypto self-test, production settings) but not the URL checks, which import
    # every view and API schema: a second of start-up per run, and an import runs twice (preview, commit).
    requires_system_checks = [Tags.security]

    def add_arguments(self, parser):
        parser.add_argument("register")
        parser.add_argument("file", help="where to write the .xlsx")
        parser.add_argument("--user", required=True, help="the acting user, whose subtree and roles apply")
        parser.add_argument("--org", help="code of the organization whose subtree to export")
        parser.add_argument("--query", default="", help="the list page's filters as a query string")

    def handle(self, *args, register, file, user, org, query, **options):
        template = template_for(register)
        actor = acting_user(user)
        if not template.can_export(actor):
            raise CommandError(f"{user} may not export {register}")
        params = QueryDict(query, mutable=True)
        if org:
            found = Organization.objects.visible_to(actor).filter(code=org).first()
            if found is None:
                raise CommandError(f"no organization {org!r} in {user}'s subtree")
            params["org"] = str(found.pk)
        try:
            result = pipeline.export(template, user=actor, params=params)
        except Http404:
            raise CommandError("the filter names an organization outside the user's subtree") from None
        with result.file as src, Path(file).open("wb") as dst:
            shutil.copyfileobj(src, dst)
        self.stdout.write(f"{result.rows} 行 → {file}")
