"""Load the wall display's interval (seconds each chart stays on screen) as a rule."""

import datetime as dt

from django.db import migrations

KEY = "dashboard.wall_seconds"


def load(apps, schema_editor):
    from dangjian.core.parameters import DEFAULTS

    Parameter = apps.get_model("core", "Parameter")
    value, note = DEFAULTS[KEY]
    Parameter.objects.using(schema_editor.connection.alias).get_or_create(
        key=KEY, effective_from=dt.date(2000, 1, 1), defaults={"value": value, "note": str(note)[:200]}
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0011_background_jobs")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
