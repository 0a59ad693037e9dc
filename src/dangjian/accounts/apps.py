from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is imported before the models are ready.
        from dangjian.accounts import checks, signals  # noqa: F401 - registers the check and the receivers
        from dangjian.core import audit

        # How this app's audit actions read in the audit log (core shows unknown actions as their code).
        for action, label in signals.ACTION_LABELS.items():
            audit.ACTION_LABELS.setdefault(action, label)
