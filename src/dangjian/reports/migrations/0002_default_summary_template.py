"""The default work summary template, district-wide, in the department's style: one section per module that
keeps the records it quotes (a section whose module is missing is left out when the summary is written)."""

import datetime as dt

from django.db import migrations

TITLE = "党建工作总结"
BODY = """## 党员队伍
截至统计期末，共有党员{members.total}名。
## 组织生活
各级党组织开展主题党日{orglife.theme_days_held|余}次，讲授党课{orglife.party_lectures_held|余}次。
## 干部教育培训
举办党员干部培训{training.sessions}期，累计培训{training.person_times|余}人次，参训党员{training.persons|余}人。
其中，{training.programmes|余}。
## 村级后备干部队伍建设
培养村级后备干部{cadres.reserve}人，覆盖{cadres.villages}个村，平均每村{cadres.reserve_per_village}人。
## 软弱涣散和后进党组织整顿
排查出的{rectification.screened}个软弱涣散和后进党组织中，已有{rectification.rectified}个完成整顿任务。
## 在职党员进社区
{community.checked_in_members|余}名在职党员到社区报到，开展志愿服务活动{community.volunteer_activities|余}场，累计服务{community.volunteer_hours|余}小时。
"""


def add(apps, schema_editor):
    SummaryTemplate = apps.get_model("reports", "SummaryTemplate")
    SummaryTemplate.objects.create(title=TITLE, body=BODY, effective_from=dt.date(2000, 1, 1))


def remove(apps, schema_editor):
    apps.get_model("reports", "SummaryTemplate").objects.filter(org__isnull=True, replaces__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_summary_template")]
    operations = [migrations.RunPython(add, remove)]
