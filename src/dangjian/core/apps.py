from django.apps import AppConfig


class Config(AppConfig):
    name = "dangjian.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dangjian.core import signals  # noqa: F401 - connects the audit receivers
