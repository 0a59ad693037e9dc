"""The posts app's models, moved from the members app without moving data.

The tables exist already (created by members' migrations; each model keeps its ``db_table``), so
this migration only tells Django's state where the models live now: the state operations create
them here, the database operations are none. ``members.0012_move_to_posts_and_cadres`` removes
them from the members app's state afterwards.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('members', '0011_reserve_parameters'),
        ('organizations', '0002_committee_member'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='PostArea',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=32, unique=True, verbose_name='code')),
                        ('name', models.CharField(max_length=32, verbose_name='name')),
                        ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                    ],
                    options={
                        'verbose_name': 'post area',
                        'verbose_name_plural': 'post areas',
                        'db_table': 'members_postarea',
                        'ordering': ['order', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='PartyGroup',
                    fields=[
                    ],
                    options={
                        'verbose_name': 'party group',
                        'verbose_name_plural': 'party groups',
                        'proxy': True,
                        'indexes': [],
                        'constraints': [],
                    },
                    bases=('organizations.organization',),
                ),
                migrations.CreateModel(
                    name='Post',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                        ('org_path', models.CharField(blank=True, db_index=True, editable=False, max_length=255)),
                        ('code', models.SlugField(blank=True, max_length=40, verbose_name='code')),
                        ('name', models.CharField(max_length=40, verbose_name='post')),
                        ('duties', models.TextField(max_length=1000, verbose_name='duties')),
                        ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                        ('is_active', models.BooleanField(default=True, verbose_name='offered')),
                        ('org', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.organization', verbose_name='defined by')),
                        ('area', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='posts', to='posts.postarea', verbose_name='area')),
                    ],
                    options={
                        'verbose_name': 'post',
                        'verbose_name_plural': 'posts',
                        'db_table': 'members_post',
                        'ordering': ['area__order', 'order', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='PostAssignment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                        ('org_path', models.CharField(db_index=True, editable=False, max_length=255)),
                        ('duties', models.TextField(max_length=1000, verbose_name='duties')),
                        ('origin', models.CharField(choices=[('self_declared', 'Self-declared'), ('recommended', 'Recommended')], max_length=16, verbose_name='origin')),
                        ('recommended_by', models.CharField(blank=True, max_length=64, verbose_name='recommended by')),
                        ('state', models.CharField(choices=[('declared', 'Declared'), ('approved', 'Approved by the branch'), ('publicised', 'Under public notice'), ('on_duty', 'On duty (badge)'), ('ended', 'Ended')], default='declared', max_length=16, verbose_name='state')),
                        ('declared_on', models.DateField(verbose_name='declared on')),
                        ('approved_on', models.DateField(blank=True, null=True, verbose_name='approved on')),
                        ('notice_starts_on', models.DateField(blank=True, null=True, verbose_name='public notice from')),
                        ('notice_ends_on', models.DateField(blank=True, null=True, verbose_name='public notice until')),
                        ('objections', models.TextField(blank=True, max_length=1000, verbose_name='objections received')),
                        ('on_duty_from', models.DateField(blank=True, null=True, verbose_name='on duty from')),
                        ('ended_on', models.DateField(blank=True, null=True, verbose_name='ended on')),
                        ('end_reason', models.CharField(blank=True, max_length=200, verbose_name='reason for ending')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                        ('group', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.organization', verbose_name='party group')),
                        ('member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='post_assignments', to='members.member', verbose_name='member')),
                        ('org', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.organization', verbose_name='organization')),
                        ('post', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='posts.post', verbose_name='post')),
                    ],
                    options={
                        'verbose_name': 'post assignment',
                        'verbose_name_plural': 'post assignments',
                        'db_table': 'members_postassignment',
                        'ordering': ['org_path', 'state', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='PostEvaluation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                        ('rating', models.CharField(choices=[('excellent', 'Excellent'), ('competent', 'Competent'), ('basically_competent', 'Basically competent'), ('incompetent', 'Incompetent')], max_length=24, verbose_name='rating')),
                        ('note', models.CharField(blank=True, max_length=500, verbose_name='note')),
                        ('points', models.DecimalField(blank=True, decimal_places=1, help_text='As shown when the rating was decided; empty when the points ledger gave none.', max_digits=7, null=True, verbose_name="points of the post's duties")),
                        ('evaluated_on', models.DateField(verbose_name='evaluated on')),
                        ('assignment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='evaluations', to='posts.postassignment', verbose_name='post assignment')),
                    ],
                    options={
                        'verbose_name': 'post evaluation',
                        'verbose_name_plural': 'post evaluations',
                        'db_table': 'members_postevaluation',
                        'ordering': ['-year', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='PostSetting',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                        ('hidden', models.BooleanField(default=True, verbose_name='hidden')),
                        ('org', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.organization', verbose_name='organization')),
                        ('post', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='settings', to='posts.post', verbose_name='post')),
                    ],
                    options={
                        'verbose_name': 'post setting',
                        'db_table': 'members_postsetting',
                    },
                ),
                migrations.CreateModel(
                    name='GroupMembership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                        ('org_path', models.CharField(db_index=True, editable=False, max_length=255)),
                        ('is_leader', models.BooleanField(default=False, verbose_name='group leader')),
                        ('started_on', models.DateField(verbose_name='from')),
                        ('ended_on', models.DateField(blank=True, null=True, verbose_name='until')),
                        ('member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='group_memberships', to='members.member', verbose_name='member')),
                        ('org', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.organization', verbose_name='organization')),
                    ],
                    options={
                        'verbose_name': 'group membership',
                        'verbose_name_plural': 'group memberships',
                        'db_table': 'members_groupmembership',
                        'ordering': ['org_path', '-is_leader', 'started_on', 'id'],
                        'indexes': [models.Index(fields=['org_path', 'id'], name='groupmembership_org_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('ended_on__isnull', True)), fields=('member',), name='uniq_open_group_membership'), models.UniqueConstraint(condition=models.Q(('ended_on__isnull', True), ('is_leader', True)), fields=('org',), name='uniq_open_group_leader')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='post',
                    constraint=models.UniqueConstraint(condition=models.Q(('org__isnull', False)), fields=('org', 'name'), name='uniq_post_name_per_org'),
                ),
                migrations.AddConstraint(
                    model_name='post',
                    constraint=models.UniqueConstraint(condition=models.Q(('org__isnull', True)), fields=('name',), name='uniq_default_post_name'),
                ),
                migrations.AddIndex(
                    model_name='postassignment',
                    index=models.Index(fields=['org_path', 'state', 'id'], name='postassignment_org_state_idx'),
                ),
                migrations.AddConstraint(
                    model_name='postassignment',
                    constraint=models.UniqueConstraint(condition=models.Q(('state__in', ('declared', 'approved', 'publicised', 'on_duty'))), fields=('member',), name='uniq_open_post_assignment'),
                ),
                migrations.AddConstraint(
                    model_name='postevaluation',
                    constraint=models.UniqueConstraint(fields=('assignment', 'year'), name='uniq_post_evaluation_year'),
                ),
                migrations.AddConstraint(
                    model_name='postsetting',
                    constraint=models.UniqueConstraint(fields=('org', 'post'), name='uniq_post_setting'),
                ),
            ],
            database_operations=[],
        ),
    ]
