from django.apps import AppConfig


class Config(AppConfig):
    name = "dangjian.orglife"
    label = "orglife"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dangjian.core.audit_display import register_value_choices
        from dangjian.orglife import jobs
        from dangjian.orglife.models import MeetingKind

        # A meeting's kinds are a JSON list: the audit log shows them by their names.
        register_value_choices("kinds", MeetingKind.choices)
        jobs.register()  # the reminders, sent by the worker's schedule (core.jobs)
