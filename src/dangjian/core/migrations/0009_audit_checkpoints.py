"""Audit chain: TRUNCATE refused on PostgreSQL (the events and the chain head).

Migration 0008's row triggers refuse UPDATE and DELETE on ``core_auditevent``; TRUNCATE is not a
row operation and emptied the log (and the head) in one statement. A statement trigger now
refuses ``TRUNCATE`` of ``core_auditevent`` and ``core_auditchainhead`` for every role that is
not a superuser. A superuser may (the test runner's flush between transactional tests runs as
one): a superuser can disable any trigger anyway, so the application's role must never be one.
SQLite has no TRUNCATE: nothing to do there. What is still possible with the table owner's
rights (dropping the triggers) is caught by the signed checkpoints outside the database
(``core.checkpoints``, ``dangjian audit verify``).
"""

from django.db import migrations

TABLES = ("core_auditevent", "core_auditchainhead")

POSTGRESQL_CREATE = [
    """
    CREATE OR REPLACE FUNCTION core_audit_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT COALESCE((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false) THEN
            RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NULL;
    END;
    $$
    """,
    *[
        sql
        for table in TABLES
        for sql in (
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION core_audit_no_truncate()",
        )
    ],
]
POSTGRESQL_DROP = [
    *[f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}" for table in TABLES],
    "DROP FUNCTION IF EXISTS core_audit_no_truncate()",
]


def _run(schema_editor, statements) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite has no TRUNCATE
    for sql in statements:
        schema_editor.execute(sql, params=None)  # no parameters: '%' in PL/pgSQL stays as written


def create_triggers(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_CREATE)


def drop_triggers(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0008_audit_append_only")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
