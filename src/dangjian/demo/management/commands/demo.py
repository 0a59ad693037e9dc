"""``dangjian demo``: build the deterministic demo district and print its logins.

    dangjian demo --scale county --seed 7     # ~1,500 organizations, ~40,000 members
    dangjian demo --scale small               # ~60 organizations, ~1,000 members (tests)
    dangjian demo --scale city                # ten districts under a city committee
    dangjian demo --if-empty                  # skip (printing the logins) when the tree is not empty
    dangjian demo --logins                    # only print the demo accounts

The same seed always builds the same data. History (births, admissions, establishment
dates) is anchored to a fixed reference date (2026-06-30); only the terms of office are
placed relative to today, so that a few terms have always just ended or are about to end.

The demo accounts (dept, town, secretary, member, and the three administrators sysadmin,
secadmin, auditor) and their fixed passwords are
declared in ``dangjian.demo.build.DEMO_USERS`` and printed after every build.
"""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from dangjian.demo import build
from dangjian.demo.plan import SCALES
from dangjian.organizations.models import Organization


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "FW" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Build the deterministic demo district (organizations, members, demo users) into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), default="county", help="small, county (default) or city")
        parser.add_argument("--seed", type=int, default=7, help="random seed (default 7): same seed, same data")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing (but say so) when any organization exists"
        )
        parser.add_argument("--logins", action="store_true", help="only print the demo logins")

    def handle(self, *args, **options):
        if options["logins"]:
            self.print_logins(build.logins())
            return
        existing = Organization.objects.count()
        if existing:
            message = f"demo: the database already holds {existing:,} organizations; nothing built."
            if options["if_empty"]:
                # `make run` on an existing database: still show how to log in, once.
                self.stdout.write(message)
                self.print_logins(build.logins())
                return
            raise CommandError(message + " The demo is built into an empty database (--if-empty skips quietly).")

        interactive = self.stdout.isatty()

        def progress(desc: str, total: int):
            return tqdm(total=total, desc=desc, unit=" rows", disable=not interactive, leave=False, dynamic_ncols=True)

        result = build.build(scale=options["scale"], seed=options["seed"], progress=progress)
        refresh_statistics()
        self.print_logins(build.logins())
        self.stdout.write(result.summary())

    def print_logins(self, rows) -> None:
        if not rows:
            self.stdout.write("demo: no demo accounts in this database (build them with `dangjian demo`).")
            return
        header = ("username", "role", "organization", "password")
        widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(4)]
        self.stdout.write("Demo logins (fixed demo passwords; never use them outside a demo):")
        for row in [header, *rows]:
            self.stdout.write("  ".join(_pad(str(v), w) for v, w in zip(row, widths, strict=True)).rstrip())
        if not settings.OTP_ENFORCED:
            self.stdout.write(
                "Two-factor (TOTP) is optional in this demo; with DANGJIAN_ENV=production it is required "
                "for the three administrators and the organizers at the district root."
            )


def refresh_statistics() -> None:
    """Bulk-loaded tables need fresh planner statistics (and, on PostgreSQL, a visibility map for
    index-only counts) before the first page is served; autovacuum would get there only later."""
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block  # VACUUM needs autocommit
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
