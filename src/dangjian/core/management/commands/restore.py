"""``dangjian restore FILE``: restore a backup into an EMPTY, migrated database, then verify it.

``--check`` only verifies the file (SM3 checksum, SM4-GCM tag, manifest) without a database.
A restore writes everything in one transaction and commits only when the row counts, the
per-table SM3 checksums, the audit chain and the key ids all verify. The restored audit chain then
becomes the new baseline of the signed checkpoints outside the database (``core.checkpoints``).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from dangjian.core import audit
from dangjian.core import backup as backups


class Command(BaseCommand):
    help = "Restore a backup made by `dangjian backup` into an empty, migrated database, and verify it."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--check", action="store_true", help="verify the file and show its manifest; write nothing")

    def handle(self, *args, file, check=False, **options):
        try:
            if check:
                header, manifest = backups.inspect(file)
                shown = {k: manifest[k] for k in ("created_at", "app_version", "database", "tables", "audit_head")}
                self.stdout.write(json.dumps({"key_id": header["key_id"], **shown}, ensure_ascii=False, indent=1))
                self.stdout.write("the file verifies (SM3 checksum and SM4-GCM authentication)")
                return
            verbose = options.get("verbosity", 1) > 1
            progress = (lambda label, n: self.stderr.write(f"{label}: {n}")) if verbose else None
            result = backups.restore(file, progress=progress)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(result.rows.values())
        # The restored chain is this installation's new baseline: the checkpoints of the database it
        # replaces (possibly longer: an older backup) no longer apply. The line names what it replaces.
        audit.new_baseline(f"restore of {file} (backup of {result.manifest['created_at']})")
        audit.record(
            actor="restore",
            action="restore",
            object_type="core.backup",
            object_repr=str(file)[-200:],
            changes={
                "file": str(file),
                "backup_created_at": result.manifest["created_at"],
                "app_version": result.manifest.get("app_version"),
                "rows": rows,
            },
        )
        self.stdout.write(f"restored {rows} rows in {len(result.rows)} tables ({result.seconds:.1f} s)")
        for line in result.checks:
            self.stdout.write(f"verified: {line}")
