from django.apps import AppConfig


class Config(AppConfig):
    name = "dangjian.orglife"
    label = "orglife"
    default_auto_field = "django.db.models.BigAutoField"
