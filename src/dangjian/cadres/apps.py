from django.apps import AppConfig


class Config(AppConfig):
    """Cadres: reserve cadres today, the cadre register later (see README.md)."""

    name = "dangjian.cadres"
    label = "cadres"
    default_auto_field = "django.db.models.BigAutoField"
