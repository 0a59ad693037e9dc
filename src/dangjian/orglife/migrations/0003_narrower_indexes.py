# The attendance table's keys are served by its unique (meeting, member) and its (member, day) index;
# the kind entries' meeting key by its unique (meeting, kind). Fewer indexes on the largest tables.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orglife', '0002_defaults'),
    ]

    operations = [
        migrations.AlterField(
            model_name='attendance',
            name='meeting',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='attendance', to='orglife.meeting'),
        ),
        migrations.AlterField(
            model_name='attendance',
            name='member',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='members.member', verbose_name='member'),
        ),
        migrations.AlterField(
            model_name='meetingkindentry',
            name='meeting',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='kind_entries', to='orglife.meeting'),
        ),
    ]
