"""The content types (and with them the permissions) of the models that moved from the members app
follow them: ``members.<model>`` becomes ``cadres.<model>``, keeping its id, so nothing that refers to it
changes. A content type already made for the new label (by an earlier migrate run) is left as it is.
"""

from django.db import migrations

MODELS = ("reservecadre", "reserveassessment")


def relabel(apps, schema_editor, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        if not types.filter(app_label=new, model=model).exists():
            types.filter(app_label=old, model=model).update(app_label=new)


def forward(apps, schema_editor):
    relabel(apps, schema_editor, "members", "cadres")


def backward(apps, schema_editor):
    relabel(apps, schema_editor, "cadres", "members")


class Migration(migrations.Migration):
    dependencies = [
        ("cadres", "0001_initial"),
        ("members", "0012_move_to_posts_and_cadres"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forward, backward)]
