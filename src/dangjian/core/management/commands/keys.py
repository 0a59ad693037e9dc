"""``dangjian keys new|check|rotate``: field-key rotation for the operator.

Rotation, step by step:

1. ``dangjian keys new`` prints a fresh ``id:hex`` entry (nothing is stored).
2. Put it FIRST in the key ring (``DANGJIAN_FIELD_KEY`` or the key file), keep the old
   entries after it and ``index:…`` unchanged, and restart the application: new values are
   now written under the new key and old ones still decrypt.
3. ``dangjian keys rotate`` re-encrypts every older value in batches of short transactions
   while the application runs; run it again at any time, it only does what is left.
4. ``dangjian keys check`` shows how many values use each key id. Once an old id shows 0
   everywhere (and no backup you keep was sealed with it) remove it from the ring.
"""

from __future__ import annotations

from django.core.management.base import CommandError

from dangjian.core import audit, crypto
from dangjian.core.management.actions import ActionsCommand, arg


class Command(ActionsCommand):
    help = "Field encryption keys: print a new key, count values per key id, re-encrypt under the current key."
    actions = {
        "new": (
            "print a fresh key entry to put first in the key ring",
            [arg("--id", dest="key_id", help="the key id (default: the next number)")],
        ),
        "check": (
            "count the encrypted values under each key id",
            [
                arg(
                    "--scan",
                    action="store_true",
                    help="also scan every text column for encrypted values not declared as such",
                )
            ],
        ),
        "rotate": (
            "re-encrypt every value whose key is not the current one",
            [arg("--batch-size", type=int, default=500)],
        ),
    }

    def handle_new(self, *, key_id=None, **options):
        try:
            line = crypto.new_key_line(key_id)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(line)
        self.stderr.write(
            "Put this entry first in DANGJIAN_FIELD_KEY (or the key file), keep the older entries and "
            "'index:…' after it, restart the application, then run `dangjian keys rotate`."
        )

    def handle_check(self, *, scan=False, **options):
        ring = crypto.keyring()
        current = crypto.current_key_id()
        unknown = 0
        self.stdout.write(f"current key id: {current}")
        for label, counts in crypto.key_usage().items():
            shown = ", ".join(f"{k}: {n}" for k, n in sorted(counts.items())) or "no values"
            self.stdout.write(f"{label}: {shown}")
            unknown += sum(n for k, n in counts.items() if k not in ring or k in crypto.RESERVED_KEY_IDS)
        if scan:
            stray = crypto.unregistered_columns()
            for label in stray:
                self.stderr.write(f"{label} holds encrypted values but is not declared as an encrypted field")
            if stray:
                raise CommandError("undeclared encrypted columns: rename them *_enc or register them")
        if unknown:
            raise CommandError(f"{unknown} values use a key id that is not in the key ring: they cannot be read")

    def handle_rotate(self, *, batch_size=500, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        current = crypto.current_key_id()
        done = crypto.rotate(batch_size=batch_size)
        total = sum(done.values())
        for label, count in done.items():
            self.stdout.write(f"{label}: {count} re-encrypted")
        if total:
            audit.record(
                actor="keys rotate",
                action="key_rotate",
                object_type="core.fieldkey",
                object_repr=current,
                changes={"key_id": current, "rows": done},
            )
            self.stdout.write(f"{total} values now under key {current}")
        else:
            self.stdout.write(f"nothing to re-encrypt: every value is under key {current}")
