from django.apps import AppConfig


class Config(AppConfig):
    name = "dangjian.organizations"
    label = "organizations"
    default_auto_field = "django.db.models.BigAutoField"
