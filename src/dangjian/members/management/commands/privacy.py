"""``dangjian privacy erase [--dry-run] [--on DATE]``: erase departed members' sensitive fields after retention.

Run it daily (cron or a systemd timer). The retention period is the rule
``privacy.erase_after_days`` (days after ``left_on``), changed on the rules page like any rule.
Each member is erased in its own short transaction with its own ``erase`` audit event.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError

from dangjian.core import parameters
from dangjian.core.management.actions import ActionsCommand, arg
from dangjian.members import privacy


class Command(ActionsCommand):
    help = "Personal-information housekeeping: erase ID numbers, phones and hardship flags past the retention period."
    actions = {
        "erase": (
            "erase the sensitive fields of members who left long enough ago",
            [
                arg("--dry-run", action="store_true", help="list who would be erased; change nothing"),
                arg("--on", help="the day to evaluate the rule on (YYYY-MM-DD, default today)"),
            ],
        ),
    }

    def handle_erase(self, *, dry_run=False, on=None, **options):
        try:
            day = dt.date.fromisoformat(on) if on else None
        except ValueError:
            raise CommandError(f"--on: not a date: {on!r}") from None
        members = privacy.erase_expired(actor="privacy erase", on=day, dry_run=dry_run)
        days = parameters.get("privacy.erase_after_days", day)
        for member in members:
            self.stdout.write(f"member {member.pk}\t{member.org.code}\tleft {member.left_on}")  # no names in cron logs
        verb = "would erase" if dry_run else "erased"
        self.stdout.write(f"{verb} {len(members)} members (rule: {days} days after leaving)")
