from django.apps import AppConfig


class Config(AppConfig):
    """一编三定: party groups, the post catalogue, assignments and evaluations (see README.md)."""

    name = "dangjian.posts"
    label = "posts"
    default_auto_field = "django.db.models.BigAutoField"
