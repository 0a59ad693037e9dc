from django.apps import AppConfig


class Config(AppConfig):
    name = "dangjian.orglife"
    label = "orglife"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dangjian.orglife import jobs

        jobs.register()  # the reminders, sent by the worker's schedule (core.jobs)
