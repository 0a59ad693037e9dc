from django.apps import AppConfig


class Config(AppConfig):
    """Homes and dashboards: the top layer, reading every module's ``queries``."""

    name = "dangjian.dashboard"
    label = "dashboard"
    default_auto_field = "django.db.models.BigAutoField"
