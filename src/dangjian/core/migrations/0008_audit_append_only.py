"""Audit events: no forks (unique prev_hash) and no UPDATE/DELETE even by raw SQL; 三员 in the database.

PostgreSQL: a row trigger refuses UPDATE and DELETE on ``core_auditevent`` (TRUNCATE is not a
row operation: the test runner's flush still works; the application's database role must not
hold TRUNCATE). SQLite: a trigger refuses UPDATE only, because Django's flush between
transactional tests empties tables with ``DELETE``; a deleted row is still caught by
``dangjian audit verify``.

On both, a trigger on ``core_roleassignment`` refuses a second administrator role
(sysadmin/secadmin/auditor) for the same user, whatever writes it. PostgreSQL locks the user
row first, so two concurrent grants cannot both pass.

Caution: on SQLite, a later migration that rebuilds either table drops its triggers; such a
migration must run ``create_triggers`` again (``dangjian audit verify`` warns when they are missing).
"""

from django.db import migrations, models

ADMIN_ROLES_SQL = "('auditor', 'secadmin', 'sysadmin')"

POSTGRESQL_CREATE = [
    """
    CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'core_auditevent is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    "DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent",
    """
    CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only()
    """,
    f"""
    CREATE OR REPLACE FUNCTION core_roleassignment_admin_roles() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.role IN {ADMIN_ROLES_SQL} THEN
            PERFORM 1 FROM core_user WHERE id = NEW.user_id FOR UPDATE;
            IF EXISTS (
                SELECT 1 FROM core_roleassignment
                WHERE user_id = NEW.user_id AND role IN {ADMIN_ROLES_SQL} AND role <> NEW.role AND id <> NEW.id
            ) THEN
                RAISE EXCEPTION 'separation of duties: user % already holds another administrator role', NEW.user_id
                    USING ERRCODE = 'check_violation';
            END IF;
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    "DROP TRIGGER IF EXISTS core_roleassignment_admin_roles ON core_roleassignment",
    """
    CREATE TRIGGER core_roleassignment_admin_roles BEFORE INSERT OR UPDATE OF role, user_id ON core_roleassignment
    FOR EACH ROW EXECUTE FUNCTION core_roleassignment_admin_roles()
    """,
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent",
    "DROP FUNCTION IF EXISTS core_auditevent_append_only()",
    "DROP TRIGGER IF EXISTS core_roleassignment_admin_roles ON core_roleassignment",
    "DROP FUNCTION IF EXISTS core_roleassignment_admin_roles()",
]

_SQLITE_SECOND_ADMIN_ROLE = f"""
    WHEN NEW.role IN {ADMIN_ROLES_SQL} AND EXISTS (
        SELECT 1 FROM core_roleassignment
        WHERE user_id = NEW.user_id AND role IN {ADMIN_ROLES_SQL} AND role <> NEW.role AND id IS NOT NEW.id
    )
    BEGIN SELECT RAISE(ABORT, 'separation of duties: the user already holds another administrator role'); END
"""
SQLITE_CREATE = [
    """
    CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only: UPDATE refused'); END
    """,
    "CREATE TRIGGER IF NOT EXISTS core_roleassignment_admin_roles_insert BEFORE INSERT ON core_roleassignment"
    + _SQLITE_SECOND_ADMIN_ROLE,
    "CREATE TRIGGER IF NOT EXISTS core_roleassignment_admin_roles_update BEFORE UPDATE OF role, user_id"
    " ON core_roleassignment" + _SQLITE_SECOND_ADMIN_ROLE,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    "DROP TRIGGER IF EXISTS core_roleassignment_admin_roles_insert",
    "DROP TRIGGER IF EXISTS core_roleassignment_admin_roles_update",
]


def _run(schema_editor, statements) -> None:
    for sql in statements:
        schema_editor.execute(sql, params=None)  # no parameters: '%' in PL/pgSQL stays as written


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_CREATE)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_CREATE)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_DROP)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_audit_chain_backfill"),
        ("organizations", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditevent",
            options={"base_manager_name": "objects", "ordering": ["-id"], "verbose_name": "audit event"},
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("prev_hash",), name="audit_chain_no_fork"),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
