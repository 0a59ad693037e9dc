from django.apps import AppConfig


class Config(AppConfig):
    """Reports: named figures, statistical tables and the work summary, read from every module's
    ``queries`` (issue 16). The dashboard above draws its charts from the same figures."""

    name = "dangjian.reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"
