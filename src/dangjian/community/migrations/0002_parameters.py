"""Load the community rule parameters (the most volunteer service hours a member may serve in a day)."""

import datetime as dt

from django.db import migrations

KEYS = ("community.max_hours_per_day",)


def load(apps, schema_editor):
    from dangjian.core.parameters import DEFAULTS

    Parameter = apps.get_model("core", "Parameter")
    for key in KEYS:
        value, note = DEFAULTS[key]
        Parameter.objects.using(schema_editor.connection.alias).get_or_create(
            key=key, effective_from=dt.date(2000, 1, 1), defaults={"value": value, "note": str(note)[:200]}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
        ("core", "0003_default_parameters"),
    ]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
