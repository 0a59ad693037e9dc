"""Load the default catalogue of 一编三定: four areas and ten posts with their duties."""

from django.db import migrations


def load(apps, schema_editor):
    from dangjian.members.post_defaults import DEFAULT_AREAS, DEFAULT_POSTS

    db = schema_editor.connection.alias
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
    dependencies = [("members", "0007_posts")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
