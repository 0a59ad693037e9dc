"""Load the default screening criteria (``rectification/defaults.py``) and the rectification rule parameters."""

import datetime as dt

from django.db import migrations

PARAMETER_KEYS = ("rectification.min_share_percent", "rectification.reminder_days")


def load(apps, schema_editor):
    from dangjian.core.parameters import DEFAULTS
    from dangjian.rectification.defaults import DEFAULT_CRITERIA, EFFECTIVE_FROM

    db = schema_editor.connection.alias
    Parameter = apps.get_model("core", "Parameter")
    for key in PARAMETER_KEYS:
        value, note = DEFAULTS[key]
        Parameter.objects.using(db).get_or_create(
            key=key, effective_from=dt.date(2000, 1, 1), defaults={"value": value, "note": str(note)[:200]}
        )
    Criterion = apps.get_model("rectification", "ScreeningCriterion")
    for code, text in DEFAULT_CRITERIA:
        Criterion.objects.using(db).get_or_create(code=code, effective_from=EFFECTIVE_FROM, defaults={"text": text})


class Migration(migrations.Migration):
    dependencies = [("rectification", "0001_initial"), ("core", "0003_default_parameters")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
