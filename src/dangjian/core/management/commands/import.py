"""``dangjian import <register> FILE --user USERNAME [--dry-run]``: the web import, from a terminal.

Every bad row is listed (on standard error) before anything is written; the file is then
written in one transaction through the register's services, as the acting user, or not at all.
Exits with status 1 when any row is bad.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dangjian.core import excel
from dangjian.core.excel import pipeline


def acting_user(username: str):
    try:
        return get_user_model().objects.get(username=username, is_active=True)
    except get_user_model().DoesNotExist:
        raise CommandError(f"no active user {username!r}") from None


def template_for(name: str):
    try:
        return excel.get(name)
    except LookupError:
        known = ", ".join(sorted(t.name for t in excel.all_templates()))
        raise CommandError(f"unknown register {name!r} (known: {known})") from None


class Command(BaseCommand):
    help = "Import an .xlsx file into a register (members, organizations …): preview every error, then all or nothing."
    # The security checks (the crypto self-test, production settings) but not the URL checks, which import
    # every view and API schema: a second of start-up per run, and an import runs twice (preview, commit).
    requires_system_checks = [Tags.security]

    def add_arguments(self, parser):
        parser.add_argument("register", help="the register, e.g. members or organizations")
        parser.add_argument("file", help="the .xlsx file")
        parser.add_argument("--user", required=True, help="the acting user, whose subtree and roles apply")
        parser.add_argument("--dry-run", action="store_true", help="check and count only; write nothing")

    def handle(self, *args, register, file, user, dry_run, **options):
        template = template_for(register)
        actor = acting_user(user)
        if not template.can_import(actor):
            raise CommandError(f"{user} may not import {register}")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        # A progress bar on a terminal; the one-line summary below either way.
        with tqdm(desc=path.name, unit="行", disable=not sys.stderr.isatty(), leave=False) as bar:
            outcome = pipeline.run(
                template, path, user=actor, commit=not dry_run, filename=path.name, progress=bar.update
            )
        for error in outcome.errors:
            self.stderr.write(str(error))
        for warning in outcome.warnings:
            self.stderr.write(warning)
        self.stdout.write(("（预览，未写入）" if dry_run else "") + outcome.summary())
        if outcome.errors:
            raise CommandError(f"{len(outcome.errors)} 处错误（{outcome.error_rows} 行），未写入任何数据", returncode=1)
