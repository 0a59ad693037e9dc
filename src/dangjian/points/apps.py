from django.apps import AppConfig


class Config(AppConfig):
    name = "dangjian.points"
    label = "points"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Automatic entries follow the records they come from, through each module's explicit hook:
        # meetings (orglife), training sessions (training), volunteer activities (community).
        from dangjian.community.signals import service_changed
        from dangjian.core.audit_display import register_value_choices
        from dangjian.core.excel.pipeline import import_committed
        from dangjian.orglife.signals import meeting_changed
        from dangjian.points import jobs, receivers
        from dangjian.points.models import Step
        from dangjian.points.queries import member_points_for_post
        from dangjian.posts.contributions import provide_post_points
        from dangjian.training.signals import session_changed

        # A post's evaluation (定评, in posts, the layer below) shows the points its duties earned.
        provide_post_points(member_points_for_post)

        # The audit log names an approval step by its name, not its code.
        register_value_choices("step", Step.choices)

        meeting_changed.connect(receivers.on_meeting_changed, dispatch_uid="points.meeting_changed")
        session_changed.connect(receivers.on_session_changed, dispatch_uid="points.session_changed")
        service_changed.connect(receivers.on_service_changed, dispatch_uid="points.service_changed")
        # Base points and balances follow an import through a background job (core.jobs), not a command.
        jobs.register()
        import_committed.connect(jobs.on_import_committed, dispatch_uid="points.import_committed")
