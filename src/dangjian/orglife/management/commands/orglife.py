"""``dangjian orglife``: the organizational-life jobs.

    dangjian orglife remind [--on 2026-11-26] [--dry-run]   # remind secretaries of meetings due soon (daily)
    dangjian orglife compliance [--org CODE] [--year 2026]   # print the compliance rates of a subtree
    dangjian orglife sweep-files                             # delete attachment files no record names

``remind`` writes one reminder per organization, kind and period (running it twice a day sends
nothing new) to the in-app inbox and sends it through ``ORGLIFE_REMINDER_CHANNEL``.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone

from dangjian.core.management.actions import ActionsCommand, arg
from dangjian.organizations.models import Organization
from dangjian.orglife.attachments import sweep_orphans
from dangjian.orglife.queries import compliance_table
from dangjian.orglife.services import reminders_send


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date: {value!r} (YYYY-MM-DD)") from exc


class Command(ActionsCommand):
    help = "Organizational life: send reminders, print compliance, sweep orphaned attachment files."
    actions = {
        "remind": (
            "remind secretaries of required meetings due soon",
            [
                arg("--on", type=_day, help="the day to remind for (default: today)"),
                arg("--dry-run", action="store_true", help="print what would be sent, write nothing"),
            ],
        ),
        "compliance": (
            "print the compliance rates of a subtree",
            [
                arg("--org", help="organization code (default: the root)"),
                arg("--year", type=int, help="default: this year"),
            ],
        ),
        "sweep-files": ("delete stored attachment files that no record names", []),
    }

    def handle_remind(self, **options):
        reminders = reminders_send(on=options.get("on"), dry_run=options["dry_run"])
        verb = "would send" if options["dry_run"] else "sent"
        for reminder in reminders:
            self.stdout.write(f"{', '.join(reminder.recipients) or '-'}: {reminder.message}")
        self.stdout.write(f"orglife remind: {verb} {len(reminders)} reminders")

    def handle_compliance(self, **options):
        if options.get("org"):
            root = Organization.objects.filter(code=options["org"]).first()
            if root is None:
                raise CommandError(f"no organization with code {options['org']!r}")
        else:
            root = Organization.objects.filter(parent__isnull=True).order_by("path").first()
            if root is None:
                raise CommandError("the organization tree is empty")
        year = options.get("year") or timezone.localdate().year
        table = compliance_table(Organization.objects.all(), root, year)
        kinds = [k for k, _label in table.kinds]
        self.stdout.write(f"{root.name} {year} (as of {table.on})")
        self.stdout.write("\t".join(["", *kinds, "all"]))
        for row in [*table.groups, table.total]:
            cells = [row.by_kind[k].percent if k in row.by_kind else "·" for k in kinds]
            self.stdout.write("\t".join([row.label, *cells, row.total.percent]))

    def handle_sweep_files(self, **options):
        self.stdout.write(f"orglife sweep-files: removed {sweep_orphans()} files")
