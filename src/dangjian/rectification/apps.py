from django.apps import AppConfig


class Config(AppConfig):
    name = "dangjian.rectification"
    label = "rectification"
    default_auto_field = "django.db.models.BigAutoField"
