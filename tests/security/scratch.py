"""Scratch databases for tests that run ``dangjian`` in a subprocess (restore drills, crash tests).

On SQLite a scratch database is a temporary file; on PostgreSQL (``DATABASE_URL=postgres://…``)
it is a database named ``restore_helper_<random>`` on the same server, dropped afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

REPO = Path(__file__).resolve().parents[2]
DANGJIAN = str(Path(sys.executable).with_name("dangjian"))


@dataclass
class Scratch:
    url: str
    env: dict
    vendor: str
    path: Path | None = None  # the SQLite file

    def run(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``dangjian ARGS`` against the scratch database."""
        result = subprocess.run(  # noqa: S603 - our own console script with fixed arguments
            [DANGJIAN, *args], env=self.env, cwd=REPO, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            raise AssertionError(f"dangjian {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def python(self, code: str, timeout: float = 300) -> str:
        """Run Python with Django set up against the scratch database; return its standard output."""
        prelude = "import django; django.setup()\n"
        result = subprocess.run(  # noqa: S603 - the test's own interpreter
            [sys.executable, "-c", prelude + code],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise AssertionError(f"python failed ({result.returncode}):\n{result.stderr}")
        return result.stdout

    def count(self, table: str) -> int:
        if self.vendor == "sqlite":
            import sqlite3

            with sqlite3.connect(self.path) as db:
                return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - fixed table names
        import psycopg

        with psycopg.connect(self.url) as db:
            return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - fixed table names


def ring_string() -> str:
    """The key ring in force, as ``DANGJIAN_FIELD_KEY`` spells it (settings may be using a key file)."""
    from dangjian.core import crypto

    return ",".join(f"{key_id}:{key.hex()}" for key_id, key in crypto.keyring().items())


def _pg_admin_url() -> str:
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path="/postgres"))


def _environment(url: str, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "dangjian.settings",
            "DANGJIAN_FIELD_KEY": ring_string(),
            "DANGJIAN_VAR": str(tmp_path / "var"),
            "PYTHONPATH": str(REPO),
        }
    )
    env.pop("DANGJIAN_TEST_SQLITE", None)
    return env
