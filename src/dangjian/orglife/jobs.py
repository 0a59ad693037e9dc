"""The meeting reminders as a periodic background job (``core.jobs``): ``jobs.reminders_minutes``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from dangjian.core import jobs
from dangjian.orglife.services import reminders_send

REMINDERS = "orglife.reminders"


def run_reminders(job, progress: jobs.Progress) -> jobs.Outcome:
    """Idempotent: a reminder is sent once per organization, kind and period (reminders_send)."""
    return jobs.Outcome(result={"sent": len(reminders_send())})


def register() -> None:
    jobs.register(REMINDERS, gettext_lazy("Meeting reminders"), run_reminders, suffix="")
    jobs.register_periodic(REMINDERS, "jobs.reminders_minutes")
