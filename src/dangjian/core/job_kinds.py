"""The kernel's kinds of background job: a register's export and import, audit checkpoints, backups.

Each handler runs inside the job's transaction (``core.jobs.execute``): its rows, its audit event and
the job's "done" commit together, so a re-run after a killed worker repeats nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core import audit, backup, excel, jobs
from dangjian.core.excel import pipeline
from dangjian.core.models import Job

EXPORT, IMPORT, CHECKPOINT, BACKUP = "excel.export", "excel.import", "audit.checkpoint", "backup"


def imports_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _template_for(job: Job, *, for_import: bool):
    try:
        template = excel.get(job.params.get("register", ""))
    except LookupError:
        return None
    user = job.requested_by
    allowed = user is not None and user.is_active
    allowed = allowed and (template.can_import(user) if for_import else template.can_export(user))
    return template if allowed else None


def _counter(progress: jobs.Progress, message: str):
    seen = 0

    def tick(n: int) -> None:
        nonlocal seen
        seen += n
        progress(seen, None, message)

    return tick


def run_export(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    """A register's export as the requester sees it now (scope and filter checked again at run time)."""
    template = _template_for(job, for_import=False)
    if template is None:
        return jobs.Outcome(ok=False, error=_("You may no longer export this register."))
    params = QueryDict(mutable=True)
    for key, values in job.params.get("filter", {}).items():
        params.setlist(key, values)
    path = jobs.work_path(job)
    with open(path, "wb") as fh:  # replaced, not appended, when a killed run is repeated
        rows, audit_it = pipeline.export_to(
            template,
            fh,
            user=job.requested_by,
            params=params,
            progress=_counter(progress, _("Writing rows")),
            audit_now=False,  # the export event commits with the job's "done": one event whatever the re-runs
        )
    return jobs.Outcome(result={"rows": rows, "filename": f"{template.title}.xlsx"}, file=path, on_finish=audit_it)


def outcome_dict(outcome: pipeline.Outcome) -> dict:
    return asdict(outcome)


def outcome_from(data: dict) -> pipeline.Outcome | None:
    """The import's report as the inline import shows it (``core/io/_outcome.html``)."""
    if not data.get("register"):
        return None
    values = dict(data)
    values["errors"] = [pipeline.RowError(**e) for e in values.get("errors", [])]
    values["changes"] = [pipeline.Change(**{**c, "columns": tuple(c["columns"])}) for c in values.get("changes", [])]
    return pipeline.Outcome(**values)


def run_import(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    """Commit an uploaded file that passed its preview: all or nothing, the same report as inline."""
    template = _template_for(job, for_import=True)
    if template is None:
        return jobs.Outcome(ok=False, error=_("You may no longer import this register."))
    path = imports_dir() / f"{job.params.get('token', '')}.xlsx"
    if not job.params.get("token") or not path.is_file():
        return jobs.Outcome(ok=False, error=_("The uploaded file has expired. Upload it again."))
    outcome = pipeline.run(
        template,
        path,
        user=job.requested_by,
        commit=True,
        filename=job.params.get("filename", ""),
        progress=_counter(progress, _("Checking and writing rows")),
    )
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
    error = "" if outcome.committed else _("The file has errors, so nothing was written.")
    return jobs.Outcome(ok=outcome.committed, result=outcome_dict(outcome), error=error)


def run_checkpoint(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    mark, failures = audit.write_checkpoint("scheduled")
    result = {"length": mark.length if mark else None, "sink_failures": failures}
    return jobs.Outcome(result=result)


def backups_dir() -> Path:
    path = Path(getattr(settings, "BACKUP_DIR", Path(settings.VAR_DIR) / "backups"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def run_backup(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    """An encrypted backup named after the job's period (a re-run writes the same file again)."""
    path = backups_dir() / f"dangjian-{timezone.localdate():%Y-%m-%d}-{job.pk}.djbak"
    progress(0, None, _("Writing the backup"))
    done = backup.backup(path)
    return jobs.Outcome(result={"path": str(path), "size": done.size, "sm3": done.sm3})


def register_all() -> None:
    jobs.register(EXPORT, gettext_lazy("Export"), run_export, atomic=False)
    jobs.register(IMPORT, gettext_lazy("Import"), run_import)
    # A checkpoint and a backup read a committed state and write a file; a backup on PostgreSQL opens its
    # own snapshot transaction.
    jobs.register(CHECKPOINT, gettext_lazy("Audit checkpoint"), run_checkpoint, suffix="", atomic=False)
    jobs.register(BACKUP, gettext_lazy("Backup"), run_backup, suffix="", atomic=False)
    jobs.register_periodic(CHECKPOINT, "audit.checkpoint_minutes")
    jobs.register_periodic(BACKUP, "jobs.backup_minutes")
