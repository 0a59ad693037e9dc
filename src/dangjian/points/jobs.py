"""Points in the background: a year's automatic entries and balances recomputed by the worker
(``core.jobs``) after every import and once a day, so that nobody has to run ``dangjian points recompute``."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core import jobs
from dangjian.points.services import recompute_year

RECOMPUTE = "points.recompute"


def this_year() -> dict:
    return {"year": timezone.localdate().year}


def run_recompute(job, progress: jobs.Progress) -> jobs.Outcome:
    """Idempotent: a second run adds, adjusts and reverses nothing (recompute_year)."""
    year = int(job.params.get("year") or timezone.localdate().year)
    progress(0, None, _("Recomputing the points of %(year)d") % {"year": year})
    return jobs.Outcome(result=recompute_year(year=year))


def on_import_committed(sender, *, register: str, **kwargs) -> None:
    """An import wrote rows (members, meetings, attendance…): recompute this year's points after it.
    One waiting job serves any number of imports (it runs after all of them committed)."""
    jobs.submit(RECOMPUTE, params=this_year(), coalesce=True)


def register() -> None:
    jobs.register(RECOMPUTE, gettext_lazy("Recompute points"), run_recompute, suffix="")
    jobs.register_periodic(RECOMPUTE, "jobs.points_minutes", this_year)
