"""The pages of background jobs: the user's own jobs, one job's progress and result, its download.

A job is seen only by the user who asked for it: anyone else gets 404 (never 403)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from dangjian.core import audit, job_kinds, jobs
from dangjian.core.models import Job

LISTED = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _own(request, job_id: int) -> Job:
    job = Job.objects.filter(pk=job_id, requested_by=request.user).first()
    if job is None:
        raise Http404
    return job


@login_required
def job_list(request):
    rows = [(job, jobs.title(job), jobs.live(job)) for job in Job.objects.filter(requested_by=request.user)[:LISTED]]
    return render(request, "core/jobs/list.html", {"rows": rows})


@login_required
def job_detail(request, job_id: int):
    job = _own(request, job_id)
    outcome = job_kinds.outcome_from(job.result) if job.kind == job_kinds.IMPORT else None
    context = {"job": job, "title": jobs.title(job), "state": jobs.live(job), "outcome": outcome, "stage": "commit"}
    return render(request, "core/jobs/detail.html", context)


@login_required
def job_status(request, job_id: int):
    return JsonResponse(jobs.live(_own(request, job_id)))


@login_required
def job_download(request, job_id: int):
    """The job's file, to the user who asked for it only; each download is logged as an access."""
    job = _own(request, job_id)
    path = jobs.result_path(job)
    if job.status != Job.DONE or path is None or not path.is_file():
        raise Http404
    filename = job.result.get("filename") or path.name
    audit.record(
        actor=request.user,
        action="download",
        obj=job,
        org=job.org,
        object_repr=filename[:200],
        changes={"job": job.pk, "kind": job.kind, "rows": job.result.get("rows")},
    )
    response = FileResponse(path.open("rb"), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
