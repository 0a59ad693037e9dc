"""Meeting attachments: photos (JPEG, PNG) and PDF files, size-limited, checked by content.

Files are stored under ``VAR_DIR/attachments`` with random names (never the uploaded name) and
are served only through a view that starts from the meetings the user may see. The type is
decided by the file's first bytes; a declared content type or a file-name extension that
disagrees with them is refused.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.fields import linked_user
from dangjian.orglife.models import Meeting, MeetingAttachment

SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
EXTENSIONS = {"image/jpeg": {".jpg", ".jpeg"}, "image/png": {".png"}, "application/pdf": {".pdf"}}
DECLARED = {
    "image/jpeg": {"image/jpeg", "image/jpg", "image/pjpeg"},
    "image/png": {"image/png", "image/x-png"},
    "application/pdf": {"application/pdf", "application/x-pdf"},
}


def max_bytes() -> int:
    return int(getattr(settings, "ORGLIFE_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))


def max_per_meeting() -> int:
    return int(getattr(settings, "ORGLIFE_ATTACHMENTS_PER_MEETING", 10))


def storage_dir() -> Path:
    path = Path(settings.VAR_DIR) / "attachments"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def path_of(attachment: MeetingAttachment) -> Path:
    return storage_dir() / attachment.stored_name


def sniff(head: bytes) -> str | None:
    """The content type the first bytes show, among those accepted."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def check_upload(upload) -> str:
    """The file's real content type, or ValidationError with the reason."""
    name = os.path.basename(upload.name or "")
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    limit = max_bytes()
    if upload.size > limit:
        raise ValidationError(
            {"file": _("%(name)s is larger than %(mb)s MB.") % {"name": name, "mb": f"{limit / 1024 / 1024:g}"}}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    found = sniff(head)
    if found is None:
        raise ValidationError({"file": _("%(name)s is not a JPEG or PNG image or a PDF file.") % {"name": name}})
    extension = os.path.splitext(name)[1].lower()
    declared = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if extension not in EXTENSIONS[found] or (declared and declared not in DECLARED[found]):
        raise ValidationError(
            {"file": _("%(name)s: its name or declared type does not match its content.") % {"name": name}}
        )
    return found


@transaction.atomic
def attachment_add(*, actor, meeting: Meeting, upload) -> MeetingAttachment:
    """Keep an uploaded photo or PDF with a meeting (checked by content, size-limited)."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.attachments.count() >= max_per_meeting():
        raise ValidationError({"file": _("A meeting keeps at most %(n)d files.") % {"n": max_per_meeting()}})
    content_type = check_upload(upload)
    stored = secrets.token_hex(16)
    target = storage_dir() / stored
    digest = hashes.Hash(hashes.SM3())
    written = 0
    try:
        with open(target, "xb") as fh:
            os.chmod(target, 0o600)
            for chunk in upload.chunks():
                written += len(chunk)
                if written > max_bytes():
                    raise ValidationError({"file": _("The file is too large.")})
                digest.update(chunk)
                fh.write(chunk)
        attachment = MeetingAttachment.objects.create(
            meeting=meeting,
            stored_name=stored,
            original_name=os.path.basename(upload.name or "")[:200] or stored,
            content_type=content_type,
            size=written,
            digest=digest.finalize().hex(),
            uploaded_by=linked_user(actor),
        )
        audit.record(
            actor=actor,
            action="create",
            obj=attachment,
            org=meeting.org,
            changes={
                "file": [None, attachment.original_name],
                "size": [None, written],
                "sm3": [None, attachment.digest],
            },
        )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return attachment


def sweep_orphans(older_than_seconds: int = 24 * 3600) -> int:
    """Delete stored files that no attachment row names (left by a rolled-back upload)."""
    known = set(MeetingAttachment.objects.values_list("stored_name", flat=True))
    cutoff = time.time() - older_than_seconds
    removed = 0
    for path in storage_dir().iterdir():
        if path.name not in known and path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


@transaction.atomic
def attachment_delete(*, actor, attachment: MeetingAttachment) -> None:
    meeting = attachment.meeting
    path = path_of(attachment)
    audit.record(
        actor=actor,
        action="delete",
        obj=attachment,
        org=meeting.org,
        changes={"file": [attachment.original_name, None]},
    )
    attachment.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
