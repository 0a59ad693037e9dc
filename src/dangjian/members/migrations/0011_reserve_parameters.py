"""Load the reserve cadre rules: the minimum per village, the age ceiling, the minimum education."""

import datetime as dt

from django.db import migrations

KEYS = ("reserve.min_per_village", "reserve.max_age", "reserve.min_education")


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
        ("members", "0010_reserve"),
        ("core", "0003_default_parameters"),
    ]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
