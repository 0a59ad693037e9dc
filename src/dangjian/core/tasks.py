"""The one task the worker runs: a recorded job, by id (``core.jobs``). The backend is ``settings.TASKS``
(django-tasks-db by default: ``dangjian jobs worker`` on any number of machines)."""

from __future__ import annotations

from django.tasks import task

from dangjian.core import jobs


@task()
def run_job(job_id: int) -> str:
    job = jobs.execute(job_id)
    return job.status if job is not None else "skipped"
