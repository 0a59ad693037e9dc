"""Excel pages for every register: blank template, upload → preview → commit, and export.

The browser is never trusted with the file between preview and commit: the upload is kept
server-side under ``VAR_DIR/imports`` with a random name remembered in the session, re-read
and re-validated on commit, and deleted after the commit, on a failed preview, on cancel, and
when it is older than ``STALE_AFTER``.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import excel, job_kinds, jobs, parameters
from dangjian.core.excel import pipeline, reader
from dangjian.core.job_kinds import imports_dir
from dangjian.core.roles import Role
from dangjian.core.scoping import has_role

logger = logging.getLogger("dangjian.excel")

SESSION_KEY = "io_pending"
STALE_AFTER = 2 * 3600  # seconds
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sweep_stale() -> None:
    cutoff = time.time() - STALE_AFTER
    for path in imports_dir().glob("*.xlsx"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def _template(register: str, user, *, for_import: bool = False):
    try:
        template = excel.get(register)
    except LookupError:
        raise Http404 from None
    allowed = template.can_import(user) if for_import else template.can_export(user)
    if not allowed:
        raise Http404
    return template


def _xlsx_response(fh, filename: str) -> FileResponse:
    response = FileResponse(fh, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _pending(request, register: str) -> dict | None:
    entry = request.session.get(SESSION_KEY, {}).get(register)
    if not entry or entry.get("user") != request.user.pk or not TOKEN.match(entry.get("token", "")):
        return None
    return entry


def _forget(request, register: str, *, keep_file: bool = False) -> None:
    entry = request.session.get(SESSION_KEY, {}).get(register)
    if entry and TOKEN.match(entry.get("token", "")) and not keep_file:
        (imports_dir() / f"{entry['token']}.xlsx").unlink(missing_ok=True)
    pending = request.session.get(SESSION_KEY, {})
    if register in pending:
        pending.pop(register)
        request.session[SESSION_KEY] = pending


def _page(request, template, *, outcome=None, status: int = 200, stage: str = ""):
    return render(
        request,
        "core/io/register.html",
        {
            "template": template,
            "columns": template.import_columns,
            "outcome": outcome,
            "stage": stage,
            "pending": _pending(request, template.name),
            "max_mb": reader.limits()["max_bytes"] // (1024 * 1024),
        },
        status=status,
    )


@login_required
def index(request):
    if not has_role(request.user, Role.ORGANIZER, Role.SECRETARY):
        raise Http404
    registers = [t for t in excel.all_templates() if t.can_import(request.user)]
    return render(request, "core/io/index.html", {"registers": registers})


@login_required
def register_page(request, register: str):
    template = _template(register, request.user, for_import=True)
    return _page(request, template)


@login_required
def blank_template(request, register: str):
    template = _template(register, request.user)
    return _xlsx_response(pipeline.blank(template), f"{template.title}导入模板.xlsx")


@require_POST
@login_required
def upload(request, register: str):
    template = _template(register, request.user, for_import=True)
    _forget(request, register)
    _sweep_stale()
    upload = request.FILES.get("file")
    limit = reader.limits()["max_bytes"]
    if upload is None:
        messages.error(request, _("Choose an .xlsx file to upload."))
        return redirect(f"io-{register}")
    if upload.size > limit:
        outcome = pipeline.Outcome(register=register, filename=upload.name, file_rejected=True)
        outcome.errors.append(pipeline.RowError(None, "", f"文件超过 {limit // (1024 * 1024)} MB，请拆分后分批导入"))
        return _page(request, template, outcome=outcome, status=413, stage="preview")
    token = secrets.token_urlsafe(24)
    path = imports_dir() / f"{token}.xlsx"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    kept = False
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        outcome = pipeline.preview(template, path, user=request.user, filename=upload.name)
        if outcome.ok:
            pending = request.session.get(SESSION_KEY, {})
            pending[register] = {
                "token": token,
                "name": upload.name[:200],
                "user": request.user.pk,
                "rows": outcome.rows,
            }
            request.session[SESSION_KEY] = pending
            kept = True
    finally:
        if not kept:
            path.unlink(missing_ok=True)
    return _page(request, template, outcome=outcome, stage="preview")


@require_POST
@login_required
def commit(request, register: str):
    template = _template(register, request.user, for_import=True)
    entry = _pending(request, register)
    if entry is None:
        messages.error(request, _("There is no uploaded file waiting to be imported. Upload it again."))
        return redirect(f"io-{register}")
    path = imports_dir() / f"{entry['token']}.xlsx"
    try:
        if not path.is_file():
            messages.error(request, _("The uploaded file has expired. Upload it again."))
            return redirect(f"io-{register}")
        rows = int(entry.get("rows") or 0)
        if rows > int(parameters.get("jobs.inline_max_rows")):
            # A large file is committed by the worker (the upload stays until the job has read it).
            params = {"register": register, "token": entry["token"], "filename": entry.get("name", "")}
            params["label"] = str(template.title)
            job = jobs.submit(job_kinds.IMPORT, user=request.user, params=params, key=f"import:{entry['token']}",
                              total=rows)  # fmt: skip
            _forget(request, register, keep_file=True)
            return redirect("job-detail", job_id=job.pk)
        outcome = pipeline.commit(template, path, user=request.user, filename=entry.get("name", ""))
    finally:
        _forget(request, register)
    return _page(request, template, outcome=outcome, stage="commit")


@require_POST
@login_required
def cancel(request, register: str):
    _template(register, request.user, for_import=True)
    _forget(request, register)
    return redirect(f"io-{register}")


@login_required
def export(request, register: str):
    """The register's rows the user sees, filtered by exactly the list page's GET parameters."""
    template = _template(register, request.user)
    rows = pipeline.export_size(template, user=request.user, params=request.GET)
    if rows > int(parameters.get("jobs.inline_max_rows")):
        # A whole subtree goes to the worker: the button leads to the job's page, the file appears there.
        params = {"register": register, "filter": {k: request.GET.getlist(k) for k in request.GET}}
        params["label"] = str(template.title)
        job = jobs.submit(job_kinds.EXPORT, user=request.user, params=params, total=rows)
        return redirect("job-detail", job_id=job.pk)
    result = pipeline.export(template, user=request.user, params=request.GET)
    return _xlsx_response(result.file, result.filename)
