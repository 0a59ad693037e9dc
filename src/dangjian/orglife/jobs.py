"""Periodic background jobs of organizational life (``core.jobs``): the meeting reminders
(``jobs.reminders_minutes``) and the maintained compliance figures of a year not built yet
(``jobs.figures_minutes``: a new year, or an installation upgraded to the figures)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from dangjian.core import jobs
from dangjian.orglife.services import reminders_send
from dangjian.orglife.services.figures import build_missing

REMINDERS = "orglife.reminders"
FIGURES = "orglife.figures"


def run_reminders(job, progress: jobs.Progress) -> jobs.Outcome:
    """Idempotent: a reminder is sent once per organization, kind and period (reminders_send)."""
    return jobs.Outcome(result={"sent": len(reminders_send())})


def run_figures(job, progress: jobs.Progress) -> jobs.Outcome:
    """Idempotent: a year already maintained is left as it is (build_missing)."""
    return jobs.Outcome(result={"years": build_missing()})


def register() -> None:
    jobs.register(REMINDERS, gettext_lazy("Meeting reminders"), run_reminders, suffix="")
    jobs.register_periodic(REMINDERS, "jobs.reminders_minutes")
    jobs.register(FIGURES, gettext_lazy("Compliance figures of a new year"), run_figures, suffix="")
    jobs.register_periodic(FIGURES, "jobs.figures_minutes")
