from django.apps import AppConfig


class Config(AppConfig):
    name = "dangjian.orglife"
    label = "orglife"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dangjian.core.audit_display import register_value_choices
        from dangjian.organizations.signals import organization_changed
        from dangjian.orglife import jobs
        from dangjian.orglife.models import MeetingKind
        from dangjian.orglife.services.figures import on_organization_changed

        # A meeting's kinds are a JSON list: the audit log shows them by their names.
        register_value_choices("kinds", MeetingKind.choices)
        jobs.register()  # the reminders, sent by the worker's schedule (core.jobs)
        # What an organization owes follows its level, sector, committee and dates: its figures too.
        organization_changed.connect(on_organization_changed, dispatch_uid="orglife.figures")
