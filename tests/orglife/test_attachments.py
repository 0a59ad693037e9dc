"""Attachments: photos and PDF only, decided by their content, size-limited, stored under random
names, served only to whoever may see the meeting, never required."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.orglife import attachments
from dangjian.orglife.models import MeetingAttachment
from tests import factories
from tests.support.audit import assert_one_audit_event

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
PDF = b"%PDF-1.7\n" + b"%\xe2\xe3\xcf\xd3\n" * 10


@pytest.fixture
def meeting(branch):
    return factories.meeting(branch, ["theme_day"], dt.date(2026, 6, 5))


def upload(name, content, content_type):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("合影.jpg", JPEG, "image/jpeg"), ("签到表.PNG", PNG, "image/png"), ("会议记录.pdf", PDF, "application/pdf")],
)
def test_photos_and_pdf_are_kept_under_a_random_name(meeting, name, content, content_type):
    with assert_one_audit_event("create", object_type="orglife.meetingattachment"):
        attachment = attachments.attachment_add(actor=None, meeting=meeting, upload=upload(name, content, content_type))
    path = attachments.path_of(attachment)
    assert path.read_bytes() == content
    assert name not in str(path) and len(attachment.stored_name) == 32
    assert attachment.content_type == content_type and attachment.original_name == name


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("photo.jpg", b"<html><script>alert(1)</script>", "image/jpeg"),  # not an image at all
        ("photo.png", JPEG, "image/png"),  # the declared type lies
        ("report.pdf", PNG, "application/pdf"),
        ("photo.gif", b"GIF89a" + b"\x00" * 20, "image/gif"),  # a type we do not take
        ("notes.jpg", PDF, "image/jpeg"),  # the name lies
        ("tool.exe", b"MZ" + b"\x00" * 40, "application/octet-stream"),
        ("empty.png", b"", "image/png"),
    ],
)
def test_anything_else_is_refused_and_nothing_is_stored(meeting, name, content, content_type):
    with pytest.raises(ValidationError):
        attachments.attachment_add(actor=None, meeting=meeting, upload=upload(name, content, content_type))
    assert not MeetingAttachment.objects.exists()
    assert not any(attachments.storage_dir().iterdir())


def test_files_above_the_size_limit_are_refused(meeting, settings):
    settings.ORGLIFE_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as info:
        attachments.attachment_add(
            actor=None, meeting=meeting, upload=upload("big.png", PNG + b"\x00" * 2000, "image/png")
        )
    assert "big.png" in info.value.messages[0]


def test_a_meeting_keeps_a_limited_number_of_files(meeting, settings):
    settings.ORGLIFE_ATTACHMENTS_PER_MEETING = 2
    for i in range(2):
        attachments.attachment_add(actor=None, meeting=meeting, upload=upload(f"{i}.png", PNG, "image/png"))
    with pytest.raises(ValidationError):
        attachments.attachment_add(actor=None, meeting=meeting, upload=upload("3.png", PNG, "image/png"))


def test_files_are_served_to_the_subtree_only_and_safely(world, meeting, client_for):
    attachment = attachments.attachment_add(actor=None, meeting=meeting, upload=upload("合影.jpg", JPEG, "image/jpeg"))
    url = reverse("orglife-attachment", args=[attachment.pk])
    response = client_for(world.secretary).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert client_for(world.sibling_secretary).get(url).status_code == 404
    assert client_for(world.member_user).get(url).status_code == 404


def test_uploading_and_deleting_on_the_meeting_page(world, meeting, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.secretary)
    response = client.post(
        reverse("orglife-attachment-upload", args=[meeting.pk]), {"files": [upload("a.png", PNG, "image/png")]}
    )
    assert response.status_code == 302
    attachment = MeetingAttachment.objects.get()
    path = attachments.path_of(attachment)
    assert (
        client_for(world.sibling_secretary).post(reverse("orglife-attachment-delete", args=[attachment.pk])).status_code
        == 404
    )
    client = client_for(world.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("orglife-attachment-delete", args=[attachment.pk]))
    assert not MeetingAttachment.objects.exists() and not path.exists()


def test_a_meeting_is_recorded_without_any_file(world, branch, client_for):
    meeting = factories.meeting(branch, ["theme_day"], dt.date(2026, 6, 5))
    assert not meeting.attachments.exists() and meeting.state == "held"
