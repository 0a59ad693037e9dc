"""A claim's post assignment now lives in the posts app (moved from members without moving data):
the foreign key points at the same table, so only Django's state changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('points', '0006_feed_rules'),
        ('posts', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='pointclaim',
                    name='assignment',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='posts.postassignment', verbose_name='post'),
                ),
            ],
            database_operations=[],
        ),
    ]
