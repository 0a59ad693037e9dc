from django.apps import AppConfig


class Config(AppConfig):
    """The demo district builder, an app for its ``dangjian demo`` command and its accounts' names.

    It sits above every module (it builds their data) and nothing but the project imports it.
    """

    name = "dangjian.demo"
    label = "demo"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is imported before the models are ready.
        from dangjian.accounts.checks import register_default_usernames
        from dangjian.demo.accounts import DEMO_USERS

        # Demo accounts have published passwords: the production check refuses them while active.
        register_default_usernames(u.username for u in DEMO_USERS)

        # The audit log's record of a load names its scale in words.
        from django.utils.translation import gettext_lazy as _

        from dangjian.core.audit_display import register_value_choices

        register_value_choices("scale", [("small", _("small district")), ("county", _("county")), ("city", _("city"))])
