"""Load the default catalogue of 一编三定 (four areas, ten posts with their duties) and the rule for
the length of the public notice."""

import datetime as dt

from django.db import migrations

KEYS = ("member.post_notice_min_days",)


def load(apps, schema_editor):
    from dangjian.core.parameters import DEFAULTS
    from dangjian.posts.defaults import DEFAULT_AREAS, DEFAULT_POSTS

    db = schema_editor.connection.alias
    Parameter = apps.get_model("core", "Parameter")
    for key in KEYS:
        value, note = DEFAULTS[key]
        Parameter.objects.using(db).get_or_create(
            key=key, effective_from=dt.date(2000, 1, 1), defaults={"value": value, "note": str(note)[:200]}
        )
    PostArea = apps.get_model("members", "PostArea")
    Post = apps.get_model("members", "Post")
    areas = {}
    for code, name, order in DEFAULT_AREAS:
        areas[code], _created = PostArea.objects.using(db).get_or_create(
            code=code, defaults={"name": name, "order": order}
        )
    for order, (area, code, name, duties) in enumerate(DEFAULT_POSTS, start=1):
        Post.objects.using(db).get_or_create(
            org=None, name=name, defaults={"area": areas[area], "code": code, "duties": duties, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("members", "0007_posts"), ("core", "0003_default_parameters")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
