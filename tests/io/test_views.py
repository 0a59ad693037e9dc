"""The import pages: template, upload → preview → commit, with the file kept server-side."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.core import idnumber
from dangjian.core.models import AuditEvent
from dangjian.members.models import Member

HEADER = ("姓名", "身份证号", "所属组织编码", "人员类别", "入党日期")


@pytest.fixture(autouse=True)
def _own_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def pending_files(settings) -> list[Path]:
    folder = Path(settings.VAR_DIR) / "imports"
    return sorted(folder.glob("*")) if folder.exists() else []


def upload(client, path, register="members"):
    data = SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/octet-stream")
    return client.post(reverse(f"io-{register}-upload"), {"file": data})


def new_row(seq, name="网页", org="TA-001"):
    return (name, idnumber.make("410102", dt.date(1993, 4, 5), seq, "male"), org, "预备党员", "2024-04-05")


def test_upload_preview_then_commit(world, client_for, xlsx, settings):
    client = client_for(world.town_organizer)
    assert client.get(reverse("io-members")).status_code == 200
    path = xlsx([HEADER, new_row(1), new_row(2, "网页二", "TA-002")])
    response = upload(client, path)
    page = response.content.decode()
    assert response.status_code == 200
    assert "将新增 2 行" in page and reverse("io-members-commit") in page
    assert not Member.objects.filter(name="网页").exists()
    kept = pending_files(settings)
    assert len(kept) == 1 and kept[0].stat().st_mode & 0o077 == 0
    response = client.post(reverse("io-members-commit"))
    assert response.status_code == 200 and "已新增 2 行" in response.content.decode()
    assert Member.objects.filter(name__in=["网页", "网页二"]).count() == 2
    assert pending_files(settings) == []
    assert AuditEvent.objects.filter(action="import", actor=world.town_organizer, outcome="success").count() == 1
    # The session no longer points at a file: a second commit imports nothing.
    response = client.post(reverse("io-members-commit"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="import").count() == 1


def test_commit_revalidates_on_the_server(world, client_for, xlsx, settings):
    client = client_for(world.organizer)
    path = xlsx([HEADER, new_row(3, "复核")])
    assert "将新增 1 行" in upload(client, path).content.decode()
    # Between preview and commit someone registers the same person elsewhere.
    from tests.factories import member

    member(
        world.branch_b1,
        "抢先",
        id_number=new_row(3)[1],
        birth=dt.date(1993, 4, 5),
        joined_on=dt.date(2020, 1, 1),
        status="probationary",
    )
    response = client.post(reverse("io-members-commit"))
    page = response.content.decode()
    assert "第 2 行〈所属组织编码〉：与系统中的所属组织（河口村党支部）不一致" in page
    assert not Member.objects.filter(name="复核").exists()
    assert pending_files(settings) == []


def test_a_bad_upload_lists_the_errors_and_keeps_no_file(world, client_for, xlsx, settings):
    client = client_for(world.town_organizer)
    path = xlsx([HEADER, new_row(4), ("坏行", "410102", "TB-001", "预备党员", "2024-04-05")])
    page = upload(client, path).content.decode()
    assert "第 3 行〈身份证号〉：应为 17 位数字加 1 位数字或 X（共 18 位）" in page
    assert "第 3 行〈所属组织编码〉：组织不存在或无权限" in page
    assert reverse("io-members-commit") not in page
    assert pending_files(settings) == []
    assert client.post(reverse("io-members-commit")).status_code == 302
    assert not Member.objects.filter(name="网页").exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"just text", "不是 Excel .xlsx 文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "加密"),
    ],
)
def test_hostile_uploads_are_refused_without_a_500(world, client_for, tmp_path, settings, content, reason):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    response = upload(client_for(world.organizer), path)
    assert response.status_code == 200 and reason in response.content.decode()
    assert pending_files(settings) == []


def test_an_oversized_upload_answers_413(world, client_for, xlsx, settings):
    settings.IMPORT_MAX_BYTES = 1000
    response = upload(client_for(world.organizer), xlsx([HEADER, new_row(5)]))
    assert response.status_code == 413 and "文件超过" in response.content.decode()
    assert pending_files(settings) == []


def test_cancel_deletes_the_kept_file(world, client_for, xlsx, settings):
    client = client_for(world.organizer)
    upload(client, xlsx([HEADER, new_row(6)]))
    assert len(pending_files(settings)) == 1
    assert client.post(reverse("io-members-cancel")).status_code == 302
    assert pending_files(settings) == []


def test_the_commit_uses_only_the_sessions_file(world, client_for, xlsx, settings, client):
    organizer = client_for(world.organizer)
    upload(organizer, xlsx([HEADER, new_row(7, "他人")]))
    client.logout()
    client.force_login(world.secretary)
    assert client.post(reverse("io-members-commit"), {"token": "anything"}).status_code == 302
    assert not Member.objects.filter(name="他人").exists()


def test_organization_import_page_is_only_for_tree_editors(world, client_for):
    assert client_for(world.secretary).get(reverse("io-organizations")).status_code == 404
    assert client_for(world.town_organizer).get(reverse("io-organizations")).status_code == 200
    assert client_for(world.auditor).get(reverse("io-members")).status_code == 404
    assert client_for(world.member_user).get(reverse("io-index")).status_code == 404


def test_organization_rows_outside_the_subtree_are_reported_in_the_page(world, client_for, xlsx):
    path = xlsx(
        [("组织编码", "组织名称", "上级组织编码", "组织层级", "组织类别"), ("TB-007", "新支部", "TB", "党支部", "农村")]
    )
    page = upload(client_for(world.town_organizer), path, "organizations").content.decode()
    assert "第 2 行〈上级组织编码〉：组织不存在或无权限" in page


def test_the_list_pages_link_to_the_export(world, client_for):
    client = client_for(world.organizer)
    page = client.get(reverse("member-list"), {"status": "full"}).content.decode()
    assert "/io/export/members/?status=full" in page
    page = client.get(reverse("org-detail", args=[world.town_a.pk])).content.decode()
    assert f"/io/export/organizations/?org={world.town_a.pk}" in page
