# Fills the maintained compliance figures (issue 15) for every year with a meeting and for this year,
# when there are organizations. On an empty database (a new installation, the test database) there is
# nothing to fill and no year is marked maintained: the demo and the tests build theirs with
# ``dangjian figures rebuild``. The rows are the cell engine's cells, so the fill calls the service
# (the same code as the command) rather than repeating the engine on historical models.

from django.db import migrations
from django.utils import timezone


def fill(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    Meeting = apps.get_model("orglife", "Meeting")
    if not Organization.objects.exists():
        return
    years = {day.year for day in Meeting.objects.dates("held_on", "year")} | {timezone.localdate().year}
    from dangjian.orglife.services.figures import rebuild_year

    for year in sorted(years):
        rebuild_year(year)


def empty(apps, schema_editor):
    apps.get_model("orglife", "ComplianceFigure").objects.all().delete()
    apps.get_model("orglife", "ComplianceFigureYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("orglife", "0005_compliance_figures"),
    ]

    operations = [migrations.RunPython(fill, empty)]
