from django.apps import AppConfig


class Config(AppConfig):
    name = "dangjian.members"
    label = "members"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The crypto self-test and production checks (they belong in core's ready(); registering
        # twice is harmless, so moving the import there later needs no change here).
        from dangjian.core import checks  # noqa: F401
        from dangjian.members import contributions

        contributions.register()  # member counts and the members' cards for the organization pages
