from django.apps import AppConfig


class Config(AppConfig):
    name = "dangjian.training"
    label = "training"
    default_auto_field = "django.db.models.BigAutoField"
