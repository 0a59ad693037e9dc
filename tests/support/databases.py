"""A PostgreSQL database of a test's own (never the suite's), for tests that start other processes
(the production server, a replica): ``with private_postgres_database("serve") as url: ...``."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


@contextlib.contextmanager
def private_postgres_database(label: str) -> Iterator[str]:
    """Create ``test_dangjian_<label>_<pid>`` beside DATABASE_URL's database; yield its URL; drop it after."""
    import psycopg
    from psycopg import sql

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"test_dangjian_{label}_{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
