# The life-meeting follow-up (整改事项) was called RectificationItem, the name the glossary keeps for a
# rectification case (整顿) of the rectification app. Renaming keeps every row; the table is renamed
# with the model.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orglife', '0003_narrower_indexes'),
    ]

    operations = [
        migrations.RenameModel(old_name='RectificationItem', new_name='LifeMeetingFollowUp'),
        migrations.AlterField(
            model_name='lifemeetingfollowup',
            name='meeting',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='follow_ups', to='orglife.meeting', verbose_name='meeting'),
        ),
    ]
