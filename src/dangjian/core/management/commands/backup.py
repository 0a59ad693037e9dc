"""``dangjian backup FILE``: a consistent, compressed, SM4-GCM-encrypted backup with an SM3 checksum.

See ``dangjian.core.backup`` for the format and README "Backup and restore" for the routine.
The file is written under a temporary name and renamed when complete (mode 600).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from dangjian.core import audit
from dangjian.core import backup as backups


class Command(BaseCommand):
    help = "Write an encrypted backup of the whole database to FILE (online and consistent)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write the backup, e.g. /backup/dangjian-20260101.djbak")

    def handle(self, *args, file, **options):
        verbose = options.get("verbosity", 1) > 1
        progress = (lambda label, n: self.stderr.write(f"{label}: {n}")) if verbose else None
        try:
            result = backups.backup(file, progress=progress)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        tables = result.manifest["tables"]
        rows = sum(tables.values())
        audit.record(
            actor="backup",
            action="backup",
            object_type="core.backup",
            object_repr=result.path.name,
            changes={
                "file": str(result.path),
                "bytes": result.size,
                "sm3": result.sm3,
                "rows": rows,
                "tables": len(tables),
                "audit_head": result.manifest.get("audit_head"),
            },
        )
        self.stdout.write(
            f"backup written: {result.path} ({result.size} bytes, {rows} rows in {len(tables)} tables, "
            f"{result.seconds:.1f} s)\nSM3 {result.sm3}"
        )
