"""Background jobs (core.jobs): large exports and imports go to the worker with a progress page and a
result page; points follow an import; the schedule queues each periodic job once per period; a job whose
worker died is run again without repeating anything."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.core import idnumber, jobs
from dangjian.core.excel import pipeline
from dangjian.core.models import AuditEvent, Job, Parameter
from dangjian.members.models import Member
from dangjian.points.models import PointEntry
from tests.support.excel import make_xlsx, read_xlsx

HEADER = ("姓名", "身份证号", "所属组织编码", "人员类别", "入党日期")


@pytest.fixture(autouse=True)
def _own_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def xlsx(tmp_path):
    return lambda rows: make_xlsx(tmp_path / f"upload-{secrets.token_hex(4)}.xlsx", rows)


@pytest.fixture
def inline_max(db):
    """Lower the rows above which an export or import goes to the background."""

    def lower(rows: int) -> None:
        Parameter.objects.filter(key="jobs.inline_max_rows").update(value=rows)

    lower(1)
    return lower


def new_row(seq, name="后台", org="TA-001"):
    return (name, idnumber.make("410102", dt.date(1991, 2, 3), seq, "female"), org, "预备党员", "2024-04-05")


def upload(client, path):
    data = SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/octet-stream")
    return client.post(reverse("io-members-upload"), {"file": data})


def test_a_large_export_runs_in_the_background_and_only_its_requester_downloads_it(
    world, client_for, inline_max, settings
):
    client = client_for(world.organizer)
    response = client.get(reverse("io-export-members"))
    assert response.status_code == 302
    job = Job.objects.get()
    assert response.url == reverse("job-detail", args=[job.pk])
    assert (job.kind, job.status, job.requested_by) == ("excel.export", Job.QUEUED, world.organizer)
    assert not AuditEvent.objects.filter(action="export").exists()  # nothing written in the request
    assert client.get(response.url).status_code == 200
    assert jobs.run_pending() == 1
    job.refresh_from_db()
    assert job.status == Job.DONE and job.progress_done == job.progress_total == job.result["rows"] > 1
    page = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert reverse("job-download", args=[job.pk]) in page
    state = client.get(reverse("job-status", args=[job.pk])).json()
    assert state["percent"] == 100 and state["counts"] == f"已处理 {job.progress_done} / {job.progress_total} 行"
    download = client.get(reverse("job-download", args=[job.pk]))
    assert download.status_code == 200
    rows = read_xlsx(b"".join(download.streaming_content))
    assert len(rows) - 1 == job.result["rows"] == Member.objects.visible_to(world.organizer).count()
    assert AuditEvent.objects.filter(action="export", actor=world.organizer).count() == 1
    assert AuditEvent.objects.filter(action="download", actor=world.organizer, object_id=str(job.pk)).count() == 1
    assert jobs.result_path(job).parent == Path(settings.VAR_DIR) / "jobs"  # under var/, not public
    assert f"#{job.pk}" in client.get(reverse("job-list")).content.decode()
    other = client_for(world.town_organizer)
    for name in ("job-detail", "job-status", "job-download"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
    assert f"#{job.pk}" not in other.get(reverse("job-list")).content.decode()


def test_a_small_export_stays_inline(world, client_for, inline_max):
    inline_max(100_000)
    response = client_for(world.organizer).get(reverse("io-export-members"))
    assert response.status_code == 200 and not Job.objects.exists()


def test_a_large_import_commits_in_the_worker_with_the_inline_report_and_points_follow(
    world, client_for, inline_max, xlsx, django_capture_on_commit_callbacks
):
    client = client_for(world.town_organizer)
    page = upload(client, xlsx([HEADER, new_row(1), new_row(2, "后台二")])).content.decode()
    assert "将新增 2 行" in page
    response = client.post(reverse("io-members-commit"))
    job = Job.objects.get(kind="excel.import")
    assert response.status_code == 302 and response.url == reverse("job-detail", args=[job.pk])
    assert not Member.objects.filter(name__startswith="后台").exists()
    with django_capture_on_commit_callbacks(execute=True):
        jobs.run_pending()
    job.refresh_from_db()
    assert job.status == Job.DONE
    assert Member.objects.filter(name__startswith="后台").count() == 2
    page = client.get(response.url).content.decode()
    assert "已新增 2 行" in page  # the same report as the inline import
    assert AuditEvent.objects.filter(action="import", outcome="success").count() == 1
    assert list((Path(jobs.jobs_dir()).parent / "imports").glob("*")) == []
    # The import queued the points recompute; the worker ran it: base points without any command.
    recompute = Job.objects.get(kind="points.recompute")
    assert recompute.status == Job.DONE
    assert PointEntry.objects.filter(member__name="后台", source_type=PointEntry.Source.BASE).exists()
    # Running it twice changes nothing.
    before = PointEntry.objects.count()
    again = jobs.submit("points.recompute", params=recompute.params)
    jobs.execute(again.pk)
    assert PointEntry.objects.count() == before


def test_a_refused_import_in_the_background_writes_nothing_and_reports_why(world, client_for, inline_max, xlsx):
    client = client_for(world.town_organizer)
    upload(client, xlsx([HEADER, new_row(3), new_row(4, "后台四")]))
    # The preview passed; meanwhile another organizer imports the same ID number (inline, a small file).
    other = Client()
    other.force_login(world.organizer)
    upload(other, xlsx([HEADER, new_row(3, "抢先", "TB-001")]))  # outside the town organizer's subtree
    inline_max(100)
    other.post(reverse("io-members-commit"))
    assert Member.objects.filter(name="抢先").exists()
    inline_max(1)
    client.post(reverse("io-members-commit"))
    job = Job.objects.get(kind="excel.import")
    jobs.run_pending()
    job.refresh_from_db()
    assert job.status == Job.FAILED
    assert not Member.objects.filter(name__in=["后台", "后台四"]).exists()
    page = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert "第 2 行" in page


class Killed(BaseException):
    """The worker's process ending mid-job (not an error the job could catch)."""


def test_a_job_whose_worker_died_is_run_again_once_without_duplicates(
    world, client_for, inline_max, xlsx, monkeypatch
):
    client = client_for(world.town_organizer)
    rows = [new_row(10 + i, f"中断{i}") for i in range(6)]
    upload(client, xlsx([HEADER, *rows]))
    client.post(reverse("io-members-commit"))
    job = Job.objects.get(kind="excel.import")
    monkeypatch.setattr(pipeline, "CHUNK", 2)  # rows are written two at a time: some are written before the kill
    real = jobs.Progress.__call__

    def dies_at_row_five(self, done, total=None, message=""):
        if done == 5:
            assert Member.objects.filter(name__startswith="中断").count() == 4  # part of the work was done
            raise Killed
        real(self, done, total, message)

    monkeypatch.setattr(jobs.Progress, "__call__", dies_at_row_five)
    with pytest.raises(Killed):
        jobs.execute(job.pk)
    job.refresh_from_db()
    assert job.status == Job.RUNNING and job.attempts == 1
    assert not Member.objects.filter(name__startswith="中断").exists()  # the transaction rolled back
    monkeypatch.setattr(jobs.Progress, "__call__", real)
    assert jobs.execute(job.pk) is None  # still "alive": another worker may have it
    assert jobs.recover_stale() == []
    later = timezone.now() + dt.timedelta(minutes=31)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=31))
    assert jobs.recover_stale(later) == [job.pk]
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=31))
    jobs.run_pending()
    job.refresh_from_db()
    assert job.status == Job.DONE and job.attempts == 2
    assert Member.objects.filter(name__startswith="中断").count() == 6
    assert AuditEvent.objects.filter(action="import", outcome="success").count() == 1
    assert jobs.execute(job.pk) is None  # a second delivery of the task changes nothing
    assert Member.objects.filter(name__startswith="中断").count() == 6


def test_the_schedule_queues_each_periodic_job_once_per_period(db):
    now = timezone.now()
    first = jobs.schedule(now)
    assert {j.kind for j in first} == {
        "audit.checkpoint",
        "backup",
        "orglife.reminders",
        "orglife.figures",
        "points.recompute",
    }
    assert jobs.schedule(now) == []  # a second scheduler in the same period queues nothing
    assert Job.objects.count() == 5
    later = jobs.schedule(now + dt.timedelta(minutes=5))
    assert [j.kind for j in later] == ["audit.checkpoint"]  # every 5 minutes; the others daily
    Parameter.objects.filter(key="jobs.backup_minutes").update(value=0)
    assert "backup" not in {j.kind for j in jobs.schedule(now + dt.timedelta(days=1))}


def test_the_scheduled_checkpoint_and_reminders_run(db, settings, tmp_path):
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "checkpoints.log"
    for job in jobs.schedule():
        if job.kind in ("audit.checkpoint", "orglife.reminders"):
            jobs.execute(job.pk)
            job.refresh_from_db()
            assert job.status == Job.DONE, job.error
