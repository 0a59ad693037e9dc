"""The ``dangjian`` console script: Django management with the project's settings."""

import os
import sys

from django.core.management import execute_from_command_line


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    execute_from_command_line(["dangjian", *sys.argv[1:]])


if __name__ == "__main__":
    main()
