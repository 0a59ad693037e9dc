"""The ``dangjian`` console script: Django management with the project's settings."""

import os
import sys

from django.core.management import execute_from_command_line

# Commands that serve requests: in production they refuse to start while a security check fails
# (active demo accounts or superusers, unsafe settings), before binding any port.
SERVING_COMMANDS = {"runserver"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    if len(sys.argv) > 1 and sys.argv[1] in SERVING_COMMANDS:
        refuse_to_serve(sys.argv[1])
    execute_from_command_line(["dangjian", *sys.argv[1:]])


def refuse_to_serve(command: str) -> None:
    import django
    from django.core.exceptions import ImproperlyConfigured

    django.setup()
    from dangjian.core.checks import refuse_unsafe_production_start

    try:
        refuse_unsafe_production_start()
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"dangjian {command}: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
