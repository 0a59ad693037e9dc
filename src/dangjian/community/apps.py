from django.apps import AppConfig


class Config(AppConfig):
    name = "dangjian.community"
    label = "community"
    default_auto_field = "django.db.models.BigAutoField"
