"""Background jobs: long work run by the worker, with progress and a result page.

A :class:`~dangjian.core.models.Job` row records the work (kind, who asked, over which organization,
parameters, status, progress, result); Django's tasks API carries only its id to a worker
(``dangjian.core.tasks.run_job``, backend django-tasks-db: ``dangjian jobs worker``).

Every run is idempotent and exactly-once in effect: :func:`execute` claims the row, then runs the
kind's handler and marks the row done in ONE transaction. A worker killed mid-way leaves the row
"running" and the handler's writes rolled back; :func:`recover_stale` (run by the scheduler) queues
it again once its heartbeat is older than ``jobs.stale_minutes``, and a finished row is never run
again (a second delivery of the same task, or a second worker, changes nothing).

Progress is written beside the row, to ``VAR_DIR/jobs/<id>.progress`` (a handler's writes are
uncommitted until the end, so the row cannot carry it while the work runs); the job page reads it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import parameters
from dangjian.core.models import Job

logger = logging.getLogger("dangjian.jobs")

PROGRESS_EVERY = 0.5  # seconds between two writes of the progress file


@dataclass
class Outcome:
    """What a handler did: ``ok`` (False: the job failed, its writes still commit, e.g. a refused
    import's failure event), the result shown on the job page, and a finished file (moved under
    ``jobs_dir()`` as the job's result)."""

    ok: bool = True
    result: dict[str, Any] = field(default_factory=dict)
    file: Path | None = None
    error: str = ""
    on_finish: Callable[[], None] | None = None  # writes that commit with "done" (a non-atomic kind's audit event)


@dataclass(frozen=True)
class Kind:
    name: str
    title: Any  # a lazy Chinese title
    handler: Callable[[Job, Progress], Outcome]
    suffix: str = ".xlsx"
    atomic: bool = True  # False: the handler only reads or writes files (no long write lock on SQLite)


@dataclass(frozen=True)
class Periodic:
    kind: str
    minutes_key: str  # the core.parameters row: the period in minutes (0: off)
    params: Callable[[], dict] = dict


KINDS: dict[str, Kind] = {}
PERIODIC: dict[str, Periodic] = {}


def register(
    name: str, title, handler: Callable[[Job, Progress], Outcome], *, suffix: str = ".xlsx", atomic: bool = True
) -> None:
    """Declare a kind of job (from an app's ``ready()``: a higher app's work, run by the kernel).

    ``atomic``: the handler runs inside the job's transaction (its writes commit with "done"). A kind
    that only reads the database and writes a file says False and returns its one write (the audit
    event) as ``Outcome.on_finish``, which commits with "done"."""
    KINDS[name] = Kind(name, title, handler, suffix, atomic)


def register_periodic(kind: str, minutes_key: str, params: Callable[[], dict] = dict) -> None:
    """Run ``kind`` every ``parameters.get(minutes_key)`` minutes (``dangjian jobs schedule``)."""
    PERIODIC[kind] = Periodic(kind, minutes_key, params)


def title(job: Job) -> str:
    kind = KINDS.get(job.kind)
    name = str(kind.title) if kind else job.kind
    return f"{name}：{job.params['label']}" if job.params.get("label") else name


def jobs_dir() -> Path:
    path = Path(settings.VAR_DIR) / "jobs"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def result_path(job: Job) -> Path | None:
    return jobs_dir() / job.result_file if job.result_file else None


def work_path(job: Job) -> Path:
    """Where a handler writes its file while it works (replaced, never appended, on a re-run)."""
    suffix = KINDS[job.kind].suffix if job.kind in KINDS else ""
    return jobs_dir() / f"{job.pk}{suffix}.partial"


# --- Submitting -------------------------------------------------------------------------------------


def submit(kind: str, *, user=None, org=None, params: dict | None = None, key: str | None = None,
           coalesce: bool = False, total: int = 0) -> Job:  # fmt: skip
    """Record a queued job and hand it to the worker once the surrounding transaction commits.

    ``key``: the idempotency key; a job already recorded under it is returned and nothing is queued
    again. ``coalesce``: a job of the same kind and parameters still waiting in the queue is
    returned instead of a second one (it will see everything committed before it runs)."""
    params = params or {}
    if key and (existing := Job.objects.filter(idempotency_key=key).first()):
        return existing
    if coalesce:
        waiting = Job.objects.filter(kind=kind, status=Job.QUEUED, params=params).order_by("id").first()
        if waiting is not None:
            return waiting
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind, requested_by=user, org=org, params=params, idempotency_key=key, progress_total=total,
                progress_message=_("Waiting for the worker"),
            )  # fmt: skip
    except IntegrityError:
        if key is None:
            raise
        return Job.objects.get(idempotency_key=key)
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int) -> None:
    """Give the job's id to the tasks backend (the worker picks it up)."""
    from dangjian.core.tasks import run_job  # the task module imports this one

    result = run_job.enqueue(job_id)
    Job.objects.filter(pk=job_id, task_id="").update(task_id=str(result.id)[:64])


# --- Running ------------------------------------------------------------------------------------------


class Progress:
    """A handler's progress: ``progress(done, total, message)``; written at most every half second."""

    def __init__(self, job: Job):
        self.job = job
        self.path = jobs_dir() / f"{job.pk}.progress"
        self._written = 0.0

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None:
        self.job.progress_done = done
        if total is not None:
            self.job.progress_total = total
        if message:
            self.job.progress_message = message[:200]
        now = time.monotonic()
        if now - self._written >= PROGRESS_EVERY or done == self.job.progress_total:
            self._written = now
            self.write()

    def write(self) -> None:
        data = {"done": self.job.progress_done, "total": self.job.progress_total, "message": self.job.progress_message}
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def live(job: Job) -> dict[str, Any]:
    """The job's state for its page and its JSON: the progress file while it runs."""
    done, total, message = job.progress_done, job.progress_total, job.progress_message
    if job.status == Job.RUNNING:
        try:
            data = json.loads((jobs_dir() / f"{job.pk}.progress").read_text(encoding="utf-8"))
            done, total, message = data["done"], data["total"], data["message"]
        except (OSError, ValueError, KeyError):
            pass
    percent = min(100, done * 100 // total) if total else (100 if job.status == Job.DONE else 0)
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "done": done,
        "total": total,
        "percent": percent,
        "message": message,
        "counts": _("%(done)s of %(total)s rows") % {"done": done, "total": total},
        "finished": job.finished,
        "error": job.error,
        "download": bool(job.result_file) and job.status == Job.DONE,
    }


def _last_sign_of_life(job: Job):
    seen = job.heartbeat_at or job.created_at
    try:
        mtime = (jobs_dir() / f"{job.pk}.progress").stat().st_mtime
    except OSError:
        return seen
    return max(seen, dt.datetime.fromtimestamp(mtime, tz=dt.UTC))


def _stale(job: Job, now) -> bool:
    minutes = int(parameters.get("jobs.stale_minutes"))
    return (now - _last_sign_of_life(job)).total_seconds() > minutes * 60


def _claim(job_id: int) -> Job | None:
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished or job.kind not in KINDS:
            return None
        if job.status == Job.RUNNING and not _stale(job, now):
            return None  # another worker has it and is alive
        job.status, job.attempts, job.started_at, job.heartbeat_at = Job.RUNNING, job.attempts + 1, now, now
        job.error = ""
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "error"])
    return job


def execute(job_id: int) -> Job | None:
    """Run a job once: claim it, run its handler and record the outcome in one transaction.

    Returns the job as it ended, or None when there was nothing to do (finished, or alive elsewhere)."""
    job = _claim(job_id)
    if job is None:
        return None
    progress = Progress(job)
    progress(0, job.progress_total, _("Started"))
    kind = KINDS[job.kind]
    try:
        with transaction.atomic() if kind.atomic else nullcontext():
            outcome = kind.handler(job, progress)
            with transaction.atomic():
                if outcome.on_finish is not None:
                    outcome.on_finish()
                _finish(job, outcome)
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job.status, job.finished_at = Job.FAILED, timezone.now()
        job.error = _("The job stopped with an unexpected error; the administrators have been told.")
        Job.objects.filter(pk=job.pk).update(status=job.status, finished_at=job.finished_at, error=job.error)
    finally:
        progress.clear()
    return job


def _finish(job: Job, outcome: Outcome) -> None:
    if outcome.file is not None:
        name = f"{job.pk}{KINDS[job.kind].suffix}"
        os.replace(outcome.file, jobs_dir() / name)
        job.result_file = name
    job.status = Job.DONE if outcome.ok else Job.FAILED
    job.result, job.error = outcome.result, outcome.error[:500]
    job.finished_at = job.heartbeat_at = timezone.now()
    if job.status == Job.DONE:
        job.progress_done = max(job.progress_done, job.progress_total)
        job.progress_message = _("Done")
    job.save()


def run_pending(limit: int | None = None) -> int:
    """Run the queued jobs here, in this process, including those they queue (tests, ``dangjian jobs run``).
    Returns how many ran."""
    ran, last = 0, 0
    while limit is None or ran < limit:
        job_id = Job.objects.filter(status=Job.QUEUED, pk__gt=last).order_by("id").values_list("id", flat=True).first()
        if job_id is None:
            return ran
        last = job_id
        if execute(job_id) is not None:
            ran += 1
    return ran


# --- Schedule and recovery ---------------------------------------------------------------------------------


def recover_stale(now=None) -> list[int]:
    """Queue again every job whose worker died (running, no sign of life for ``jobs.stale_minutes``) and
    every queued job whose task was lost; a job tried ``jobs.max_attempts`` times fails instead."""
    now = now or timezone.now()
    minutes = int(parameters.get("jobs.stale_minutes"))
    attempts = int(parameters.get("jobs.max_attempts"))
    cutoff = now - dt.timedelta(minutes=minutes)
    again = []
    for job in Job.objects.filter(status__in=[Job.QUEUED, Job.RUNNING], created_at__lt=cutoff):
        if _last_sign_of_life(job) >= cutoff:
            continue
        if job.status == Job.RUNNING and job.attempts >= attempts:
            Job.objects.filter(pk=job.pk, status=Job.RUNNING).update(
                status=Job.FAILED, finished_at=now, error=_("The worker stopped during this job too many times.")
            )
            continue
        if Job.objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at).update(
            status=Job.QUEUED, heartbeat_at=now
        ):
            again.append(job.pk)
            enqueue(job.pk)
    if again:
        logger.warning("jobs queued again after their worker stopped: %s", again)
    return again


def schedule(now=None) -> list[Job]:
    """Queue each periodic job that is due, once per period (the period's number is in its idempotency
    key, so any number of schedulers on any number of machines queue it once), then recover stale jobs."""
    now = now or timezone.now()
    queued = []
    for periodic in PERIODIC.values():
        minutes = int(parameters.get(periodic.minutes_key) or 0)
        if minutes <= 0:
            continue
        period = int(now.timestamp() // (minutes * 60))
        key = f"{periodic.kind}:{minutes}:{period}"
        if not Job.objects.filter(idempotency_key=key).exists():
            queued.append(submit(periodic.kind, params=periodic.params(), key=key))
    recover_stale(now)
    return queued
