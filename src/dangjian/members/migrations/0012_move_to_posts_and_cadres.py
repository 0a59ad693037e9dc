"""一编三定 moved to the posts app, reserve cadres to the cadres app, without moving data.

The tables stay (each moved model keeps its ``db_table``, ``members_post`` …) and so do their rows;
this migration only removes the models from the members app's state, after ``posts.0001`` and
``cadres.0001`` have added them there and the points app's foreign key follows them
(``points.0007``). The content types and permissions follow in ``posts.0002`` and ``cadres.0002``.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0011_reserve_parameters'),
        ('posts', '0001_initial'),
        ('cadres', '0001_initial'),
        ('points', '0007_pointclaim_assignment_in_posts'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='PostEvaluation'),
                migrations.DeleteModel(name='PostSetting'),
                migrations.DeleteModel(name='PostAssignment'),
                migrations.DeleteModel(name='Post'),
                migrations.DeleteModel(name='PostArea'),
                migrations.DeleteModel(name='GroupMembership'),
                migrations.DeleteModel(name='PartyGroup'),
                migrations.DeleteModel(name='ReserveAssessment'),
                migrations.DeleteModel(name='ReserveCadre'),
            ],
            database_operations=[],
        ),
    ]
