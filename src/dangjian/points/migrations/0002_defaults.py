"""Load the default points schemes (``points/defaults.py``) and the bulk-award rule parameter."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

PARAMETER_KEYS = ("points.bulk_confirm_above",)


def load(apps, schema_editor):
    from dangjian.core.parameters import DEFAULTS
    from dangjian.points.defaults import DEFAULT_SCHEMES, EFFECTIVE_FROM

    db = schema_editor.connection.alias
    Parameter = apps.get_model("core", "Parameter")
    for key in PARAMETER_KEYS:
        value, note = DEFAULTS[key]
        Parameter.objects.using(db).get_or_create(
            key=key, effective_from=dt.date(2000, 1, 1), defaults={"value": value, "note": str(note)[:200]}
        )
    Scheme = apps.get_model("points", "PointScheme")
    Rule = apps.get_model("points", "PointRule")
    if Scheme.objects.using(db).exists():
        return
    for spec in DEFAULT_SCHEMES:
        scheme = Scheme.objects.using(db).create(
            name=spec["name"], template=spec["template"], note=spec["note"], effective_from=EFFECTIVE_FROM, org_path=""
        )
        for row in spec["rules"]:
            values = dict(row)
            values["points"] = Decimal(values["points"])
            if "cap" in values:
                values["cap"] = Decimal(values["cap"])
            Rule.objects.using(db).create(scheme=scheme, effective_from=EFFECTIVE_FROM, **values)


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0001_initial"),
        ("core", "0003_default_parameters"),
    ]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
