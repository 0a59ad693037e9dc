from django.apps import AppConfig


class Config(AppConfig):
    name = "dangjian.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is imported before the models are ready.
        from dangjian.core import (
            checks,  # noqa: F401 - registers the crypto self-test and production checks
            job_kinds,
        )

        job_kinds.register_all()  # exports, imports, audit checkpoints and backups in the background
