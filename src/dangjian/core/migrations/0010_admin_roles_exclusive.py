"""三员分立 in the database: an administrator role (sysadmin/secadmin/auditor) mixes with no other role.

Migration 0008's triggers refused a second administrator role; these replace them and also refuse
a business role (organizer, secretary, member) for an administrator and an administrator role for
an account that holds a business role, whatever writes it. PostgreSQL locks the user row first,
so two concurrent grants cannot both pass.

Caution (as in 0008): on SQLite, a later migration that rebuilds ``core_roleassignment`` drops
these triggers; it must run ``create_triggers`` of this migration again.
"""

from importlib import import_module

from django.db import migrations

ADMIN_ROLES_SQL = "('auditor', 'secadmin', 'sysadmin')"
# Another role of the same user that the new row may not sit beside.
_CONFLICT = f"""
    (NEW.role IN {ADMIN_ROLES_SQL} AND role <> NEW.role)
    OR (NEW.role NOT IN {ADMIN_ROLES_SQL} AND role IN {ADMIN_ROLES_SQL})
"""

POSTGRESQL_CREATE = [
    f"""
    CREATE OR REPLACE FUNCTION core_roleassignment_admin_roles() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM core_user WHERE id = NEW.user_id FOR UPDATE;
        IF EXISTS (
            SELECT 1 FROM core_roleassignment
            WHERE user_id = NEW.user_id AND id <> NEW.id AND ({_CONFLICT})
        ) THEN
            RAISE EXCEPTION 'separation of duties: an administrator role mixes with no other role (user %)',
                NEW.user_id USING ERRCODE = 'check_violation';
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

_SQLITE_CONFLICT = f"""
    WHEN EXISTS (
        SELECT 1 FROM core_roleassignment
        WHERE user_id = NEW.user_id AND id IS NOT NEW.id AND ({_CONFLICT})
    )
    BEGIN SELECT RAISE(ABORT, 'separation of duties: an administrator role mixes with no other role'); END
"""
SQLITE_CREATE = [
    "DROP TRIGGER IF EXISTS core_roleassignment_admin_roles_insert",
    "DROP TRIGGER IF EXISTS core_roleassignment_admin_roles_update",
    "CREATE TRIGGER core_roleassignment_admin_roles_insert BEFORE INSERT ON core_roleassignment" + _SQLITE_CONFLICT,
    "CREATE TRIGGER core_roleassignment_admin_roles_update BEFORE UPDATE OF role, user_id ON core_roleassignment"
    + _SQLITE_CONFLICT,
]


PREVIOUS = import_module("dangjian.core.migrations.0008_audit_append_only")


def create_triggers(apps, schema_editor):
    statements = {"postgresql": POSTGRESQL_CREATE, "sqlite": SQLITE_CREATE}.get(schema_editor.connection.vendor, [])
    PREVIOUS._run(schema_editor, statements)


def restore_0008(apps, schema_editor):
    """Back to migration 0008's triggers (a second administrator role only)."""
    if schema_editor.connection.vendor == "sqlite":  # 0008 creates them only IF NOT EXISTS
        PREVIOUS._run(schema_editor, SQLITE_CREATE[:2])
    PREVIOUS.create_triggers(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_audit_checkpoints"),
    ]

    operations = [
        migrations.RunPython(create_triggers, restore_0008),
    ]
