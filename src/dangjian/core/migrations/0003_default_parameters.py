import datetime as dt

from django.db import migrations


def load(apps, schema_editor):
    from dangjian.core.parameters import DEFAULTS

    Parameter = apps.get_model("core", "Parameter")
    for key, (value, note) in DEFAULTS.items():
        Parameter.objects.get_or_create(
            key=key, effective_from=dt.date(2000, 1, 1), defaults={"value": value, "note": str(note)[:200]}
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
