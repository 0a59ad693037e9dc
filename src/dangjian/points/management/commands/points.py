"""``dangjian points``: the points jobs.

    dangjian points recompute [--year 2026] [--part 4000]   # every automatic entry of a year (idempotent)

Automatic entries follow each meeting as it is recorded; ``recompute`` rebuilds a whole year from
the records (after a rule changed retroactively, or to give the year's base points to members
recorded since) and rebuilds the year's balances. Running it twice changes nothing. It goes
through the members ``--part`` at a time (by id), so memory holds one part, not the county.
"""

from __future__ import annotations

import time

from django.core.management.base import CommandError
from django.utils import timezone

from dangjian.core.management.actions import ActionsCommand, arg
from dangjian.points.services import RECOMPUTE_PART, recompute_year


class Command(ActionsCommand):
    help = "Points: recompute a year's automatic entries and balances."
    actions = {
        "recompute": (
            "recompute a year's automatic entries and balances",
            [
                arg("--year", type=int, help="default: this year"),
                arg(
                    "--part",
                    type=int,
                    default=RECOMPUTE_PART,
                    help=f"members in memory at once (default {RECOMPUTE_PART})",
                ),
            ],
        ),
    }

    def handle_recompute(self, **options):
        year = options.get("year") or timezone.localdate().year
        part = options["part"]
        if part < 1:
            raise CommandError("--part must be a positive number of members")
        started = time.monotonic()
        result = recompute_year(year=year, part=part)
        self.stdout.write(
            f"points {year}: {result['wanted']:,} automatic entries called for; "
            f"{result['added']:,} added, {result['adjusted']:,} adjusted, {result['reversed']:,} reversed; "
            f"{result['balances']:,} balances in {time.monotonic() - started:.1f} s"
        )
