"""Load the default meeting requirements and the orglife rule parameters (reminder lead time,
the cap on the excellent share of the appraisal)."""

import datetime as dt

from django.db import migrations

PARAMETER_KEYS = ("orglife.reminder_lead_days", "orglife.excellent_share_permille")


def load(apps, schema_editor):
    from dangjian.core.parameters import DEFAULTS
    from dangjian.orglife.defaults import DEFAULT_REQUIREMENTS, EFFECTIVE_FROM

    db = schema_editor.connection.alias
    Parameter = apps.get_model("core", "Parameter")
    for key in PARAMETER_KEYS:
        value, note = DEFAULTS[key]
        Parameter.objects.using(db).get_or_create(
            key=key, effective_from=dt.date(2000, 1, 1), defaults={"value": value, "note": str(note)[:200]}
        )
    Requirement = apps.get_model("orglife", "MeetingRequirement")
    if not Requirement.objects.using(db).exists():
        for row in DEFAULT_REQUIREMENTS:
            Requirement.objects.using(db).create(effective_from=EFFECTIVE_FROM, **row)


class Migration(migrations.Migration):
    dependencies = [
        ("orglife", "0001_initial"),
        ("core", "0003_default_parameters"),
    ]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
