"""The cadres app's models, moved from the members app without moving data.

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
                    name='ReserveCadre',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                        ('org_path', models.CharField(db_index=True, editable=False, max_length=255)),
                        ('phone_enc', models.TextField(blank=True, editable=False, verbose_name='phone')),
                        ('name', models.CharField(blank=True, max_length=64, verbose_name='full name')),
                        ('gender', models.CharField(blank=True, choices=[('male', 'Male'), ('female', 'Female')], max_length=8, verbose_name='gender')),
                        ('birth_date', models.DateField(blank=True, null=True, verbose_name='birth date')),
                        ('education_own', models.CharField(blank=True, choices=[('primary', 'Primary school'), ('junior', 'Junior middle school'), ('senior', 'Senior middle school'), ('vocational', 'Secondary vocational'), ('college', 'Junior college'), ('bachelor', 'Bachelor'), ('master', 'Master'), ('doctor', 'Doctor')], max_length=16, verbose_name='education')),
                        ('id_number_enc', models.TextField(blank=True, editable=False, verbose_name='ID number')),
                        ('id_number_hash', models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True)),
                        ('selected_on', models.DateField(verbose_name='selected on')),
                        ('source', models.CharField(choices=[('local', 'Trained in the village'), ('returned', 'Capable person brought back'), ('graduate', 'College graduate'), ('veteran', 'Veteran'), ('other', 'Other')], max_length=16, verbose_name='selection')),
                        ('planned_post', models.CharField(choices=[('secretary', 'Secretary'), ('director', 'Director'), ('committee', 'Committee member')], max_length=16, verbose_name='planned post')),
                        ('mentor', models.CharField(blank=True, max_length=64, verbose_name='mentor')),
                        ('note', models.CharField(blank=True, max_length=500, verbose_name='note')),
                        ('state', models.CharField(choices=[('pool', 'In the pool'), ('appointed', 'Appointed'), ('dropped', 'Dropped')], default='pool', max_length=12, verbose_name='state')),
                        ('appointed_on', models.DateField(blank=True, null=True, verbose_name='appointed on')),
                        ('appointed_to', models.CharField(blank=True, max_length=100, verbose_name='appointed to')),
                        ('dropped_on', models.DateField(blank=True, null=True, verbose_name='dropped on')),
                        ('drop_reason', models.CharField(blank=True, max_length=200, verbose_name='reason for dropping')),
                        ('member', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='members.member', verbose_name='member')),
                        ('org', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.organization', verbose_name='organization')),
                    ],
                    options={
                        'verbose_name': 'reserve cadre',
                        'verbose_name_plural': 'reserve cadres',
                        'db_table': 'members_reservecadre',
                        'ordering': ['org_path', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='ReserveAssessment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                        ('rating', models.CharField(choices=[('excellent', 'Excellent'), ('competent', 'Competent'), ('basically_competent', 'Basically competent'), ('incompetent', 'Incompetent')], max_length=24, verbose_name='rating')),
                        ('note', models.CharField(blank=True, max_length=500, verbose_name='note')),
                        ('cadre', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assessments', to='cadres.reservecadre', verbose_name='reserve cadre')),
                    ],
                    options={
                        'verbose_name': 'reserve cadre assessment',
                        'verbose_name_plural': 'reserve cadre assessments',
                        'db_table': 'members_reserveassessment',
                        'ordering': ['-year', '-id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='reservecadre',
                    index=models.Index(fields=['org_path', 'state'], name='reserve_path_state_idx'),
                ),
                migrations.AddConstraint(
                    model_name='reservecadre',
                    constraint=models.UniqueConstraint(condition=models.Q(('state', 'pool')), fields=('member',), name='uniq_reserve_member_in_pool'),
                ),
                migrations.AddConstraint(
                    model_name='reserveassessment',
                    constraint=models.UniqueConstraint(fields=('cadre', 'year'), name='uniq_reserve_assessment_year'),
                ),
            ],
            database_operations=[],
        ),
    ]
