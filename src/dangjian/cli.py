"""The ``dangjian`` console script: Django management with the project's settings.

``dangjian serve [gunicorn options]`` is the production server: the production checks, the
collected static files, then gunicorn with deploy/gunicorn.conf.py (``DANGJIAN_GUNICORN_CONF``
names another file). Everything else is a management command.
"""

import os
import sys
from pathlib import Path

from django.core.management import execute_from_command_line

# Commands that serve requests: in production they refuse to start while a security check fails
# (active demo accounts or superusers, unsafe settings), before binding any port.
SERVING_COMMANDS = {"runserver"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2:])
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


def gunicorn_config() -> Path:
    """deploy/gunicorn.conf.py of the repository (src/dangjian/cli.py → ../../deploy), or the file
    ``DANGJIAN_GUNICORN_CONF`` names."""
    named = os.environ.get("DANGJIAN_GUNICORN_CONF")
    return Path(named) if named else Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def serve(arguments: list[str]) -> None:
    """Check, then replace this process by gunicorn (its master then loads dangjian.wsgi, which runs
    the same checks again before forking the workers)."""
    refuse_to_serve("serve")
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage

    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if manifest and not staticfiles_storage.exists(manifest):
        sys.stderr.write(
            f"dangjian serve: no collected static files in {settings.STATIC_ROOT}: "
            "run `dangjian collectstatic --noinput` first (after every upgrade too).\n"
        )
        sys.exit(2)
    config = gunicorn_config()
    if not config.is_file():
        sys.stderr.write(f"dangjian serve: no gunicorn configuration at {config} (set DANGJIAN_GUNICORN_CONF).\n")
        sys.exit(2)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "--config", str(config), *arguments])  # noqa: S606


if __name__ == "__main__":
    main()
