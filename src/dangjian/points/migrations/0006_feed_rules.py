"""Add the rules fed by training attendance and volunteer hours to the default schemes.

A fresh installation already has them (``0002`` loads ``points/defaults.py``). An older one gets
each missing rule under its default scheme, effective from the defaults' date (no entry of these
sources existed before, so nothing past is rewritten); the 逐项积分 template's claimed "volunteer"
rule becomes the one fed by hours only while it is a template rule without entries (a template never
applies by itself, and its copies keep the rule they were copied with).
"""

from decimal import Decimal

from django.db import migrations


def load(apps, schema_editor):
    from dangjian.points.defaults import DEFAULT_SCHEMES, EFFECTIVE_FROM, FEED_RULES

    db = schema_editor.connection.alias
    Scheme = apps.get_model("points", "PointScheme")
    Rule = apps.get_model("points", "PointRule")
    Entry = apps.get_model("points", "PointEntry")
    for spec in DEFAULT_SCHEMES:
        scheme = (
            Scheme.objects.using(db)
            .filter(name=spec["name"], template=spec["template"], org_path="")
            .order_by("pk")
            .first()
        )
        if scheme is None:
            continue
        for row in spec["rules"]:
            if row["code"] not in FEED_RULES:
                continue
            values = {
                "allow_fraction": False,
                "cap": None,
                "cap_period": "",
                "source_kind": "",
                "evidence_required": False,
                "chain": [],
                "note": "",
                **row,
            }
            values["points"] = Decimal(values["points"])
            values["cap"] = Decimal(values["cap"]) if values["cap"] is not None else None
            latest = Rule.objects.using(db).filter(scheme=scheme, code=row["code"]).order_by("-effective_from").first()
            if latest is None:
                Rule.objects.using(db).create(scheme=scheme, effective_from=EFFECTIVE_FROM, **values)
            elif (
                scheme.template
                and latest.source_kind != values["source_kind"]
                and not Entry.objects.using(db).filter(rule_id=latest.pk).exists()
            ):
                for name, value in values.items():
                    setattr(latest, name, value)
                latest.save()


class Migration(migrations.Migration):
    dependencies = [("points", "0005_entry_sources_training_service")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
