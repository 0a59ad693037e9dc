"""``dangjian figures``: the maintained figures.

    dangjian figures rebuild [--year 2026]   # the compliance figures of a year (default: every
                                             # maintained year and this one); idempotent

The figures are kept up to date by the services that change what they sum; rebuilding is for a year
not yet maintained (a new year, a database filled in bulk such as the demo) or after a repair.
"""

from __future__ import annotations

from django.utils import timezone

from dangjian.core.management.actions import ActionsCommand, arg
from dangjian.orglife.services.figures import maintained_years, rebuild_year


class Command(ActionsCommand):
    help = "Maintained figures: rebuild the compliance figures of a year."
    actions = {
        "rebuild": (
            "rebuild the compliance figures of a year (idempotent)",
            [arg("--year", type=int, help="default: every maintained year and this year")],
        ),
    }

    def handle_rebuild(self, **options):
        year = options.get("year")
        years = [year] if year else sorted(maintained_years() | {timezone.localdate().year})
        for one in years:
            self.stdout.write(f"figures rebuild: {one}: {rebuild_year(one)} compliance figures")
