"""``dangjian jobs worker|schedule|run``: the background jobs (core.jobs).

    dangjian jobs worker [--batch]   # the worker: runs queued jobs (django-tasks-db's db_worker) and,
                                     # every minute, the schedule below; any number, on any number of machines
    dangjian jobs schedule           # queue the periodic jobs that are due, once per period, and queue again
                                     # the jobs whose worker died (for a systemd timer instead of the worker's)
    dangjian jobs run                # run every queued job here, in this process, then exit
"""

from __future__ import annotations

import logging
import threading

from django.core.management import call_command
from django.db import close_old_connections, connection

from dangjian.core import jobs
from dangjian.core.management.actions import ActionsCommand, arg

logger = logging.getLogger("dangjian.jobs")

SCHEDULE_EVERY = 60.0  # seconds between two looks at the schedule inside the worker


def _schedule_forever(stop: threading.Event) -> None:
    while not stop.wait(SCHEDULE_EVERY):
        try:
            close_old_connections()
            jobs.schedule()
        except Exception:
            logger.exception("the job schedule failed; trying again in a minute")
        finally:
            connection.close()


class Command(ActionsCommand):
    help = "Background jobs: the worker, the schedule, a one-shot run."
    actions = {
        "worker": (
            "run queued jobs as they come (and the schedule every minute)",
            [
                arg("--batch", action="store_true", help="run what is queued, then exit"),
                arg("--no-schedule", action="store_true", help="leave the schedule to a timer"),
                arg("--interval", type=float, default=1.0, help="seconds between looks at an empty queue"),
            ],
        ),
        "schedule": ("queue the periodic jobs that are due and the jobs whose worker died", []),
        "run": ("run every queued job in this process, then exit", []),
    }

    def handle_worker(self, *, batch: bool, no_schedule: bool, interval: float, verbosity: int = 1, **_):
        if not no_schedule:
            jobs.schedule()  # once now, then every minute beside the worker loop
        stop = threading.Event()
        if not batch and not no_schedule:
            threading.Thread(target=_schedule_forever, args=(stop,), daemon=True, name="jobs-schedule").start()
        try:
            call_command(
                "db_worker", batch=batch, interval=interval, reload=False, startup_delay=not batch,
                queue_name="default", verbosity=verbosity,
            )  # fmt: skip
        finally:
            stop.set()

    def handle_schedule(self, **_):
        queued = jobs.schedule()
        self.stdout.write(f"{len(queued)} periodic job(s) queued: {', '.join(j.kind for j in queued) or '-'}")

    def handle_run(self, **_):
        self.stdout.write(f"{jobs.run_pending()} job(s) run")
