from django.apps import AppConfig


class Config(AppConfig):
    name = "dangjian.points"
    label = "points"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Automatic entries follow the meetings they come from (orglife's explicit hook).
        from dangjian.orglife.signals import meeting_changed
        from dangjian.points import receivers

        meeting_changed.connect(receivers.on_meeting_changed, dispatch_uid="points.meeting_changed")
