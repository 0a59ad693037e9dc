"""The ``scratch_database`` fixture: empty databases for tests that run ``dangjian`` in a subprocess
(the machinery is in tests/security/scratch.py)."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from tests.security.scratch import Scratch, _environment, _pg_admin_url


@pytest.fixture
def scratch_database(tmp_path):
    """A factory of empty scratch databases (not yet migrated): ``scratch_database()``."""
    created: list[str] = []

    def make() -> Scratch:
        if connection.vendor == "sqlite":
            path = tmp_path / f"scratch-{secrets.token_hex(4)}.sqlite3"
            url = f"sqlite:///{path}"
            return Scratch(url=url, env=_environment(url, tmp_path), vendor="sqlite", path=path)
        import psycopg

        name = f"restore_helper_{secrets.token_hex(6)}"
        with psycopg.connect(_pg_admin_url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        url = urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path=f"/{name}"))
        return Scratch(url=url, env=_environment(url, tmp_path), vendor="postgresql")

    yield make
    if created:
        import psycopg

        with psycopg.connect(_pg_admin_url(), autocommit=True) as admin:
            for name in created:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
