"""Chain the events written before the hash chain existed, and add the retention rule."""

import datetime as dt

from django.db import migrations

BATCH = 1000


def chain_existing_events(apps, schema_editor):
    from dangjian.core.models import GENESIS_HASH, HASHED_FIELDS, chain_hash

    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    db = schema_editor.connection.alias
    prev, last_id, length, batch = GENESIS_HASH, 0, 0, []
    for values in AuditEvent.objects.using(db).order_by("id").values("id", *HASHED_FIELDS).iterator(chunk_size=BATCH):
        digest = chain_hash(values, prev)
        batch.append(AuditEvent(pk=values["id"], prev_hash=prev, hash=digest))
        prev, last_id, length = digest, values["id"], length + 1
        if len(batch) >= BATCH:
            AuditEvent.objects.using(db).bulk_update(batch, ["prev_hash", "hash"])
            batch = []
    if batch:
        AuditEvent.objects.using(db).bulk_update(batch, ["prev_hash", "hash"])
    AuditChainHead.objects.using(db).update_or_create(
        pk=1, defaults={"hash": prev, "last_event_id": last_id, "length": length}
    )


def add_retention_rule(apps, schema_editor):
    from dangjian.core.parameters import DEFAULTS

    Parameter = apps.get_model("core", "Parameter")
    value, note = DEFAULTS["audit.retention_days"]
    Parameter.objects.using(schema_editor.connection.alias).get_or_create(
        key="audit.retention_days",
        effective_from=dt.date(2000, 1, 1),
        defaults={"value": value, "note": str(note)[:200]},
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0006_audit_chain")]
    operations = [
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
        migrations.RunPython(add_retention_rule, migrations.RunPython.noop),
    ]
