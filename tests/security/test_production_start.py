"""Production refuses to serve while the demo accounts or a superuser are active (issue 13, item 8).

accounts.E001/E002 were system checks that only ``migrate`` and ``check --database`` ran; a WSGI
server and ``runserver`` served anyway. Now the WSGI application refuses to load, and
``dangjian runserver`` to start, in production while they (or any other security check) fail.
"""

from __future__ import annotations

import secrets
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from dangjian.core import checks
from tests.security.scratch import DANGJIAN, REPO

MAKE_ACCOUNTS = """
from dangjian.core.models import User
User.objects.create_user("dept", password="Dangjian@2024")  # a demo account
User.objects.create_user("zhao_min", password="Zh@o-min-2024")
User.objects.create_superuser("boss", password="B0ss-2024-xyz")
"""

DEACTIVATE = "from dangjian.core.models import User\nUser.objects.exclude(username='zhao_min').update(is_active=False)"


def production(env: dict) -> dict:
    env = {k: v for k, v in env.items() if k not in ("DANGJIAN_DEBUG", "DANGJIAN_API_DOCS_LOGIN_REQUIRED")}
    return {
        **env,
        "DANGJIAN_ENV": "production",
        "DANGJIAN_SECRET_KEY": secrets.token_urlsafe(50),
        "DANGJIAN_ALLOWED_HOSTS": "dangjian.example.cn",
    }


def load_wsgi(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import dangjian.wsgi"], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )


def runserver(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own console script
        [DANGJIAN, "runserver", "--noreload", "127.0.0.1:0"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,  # a server that starts never ends: the test fails on the timeout
    )


def test_production_refuses_to_serve_with_demo_accounts_or_superusers_active(scratch_database):
    scratch = scratch_database()
    scratch.run("migrate", "--noinput", "-v", "0")
    scratch.python(MAKE_ACCOUNTS)
    env = production(scratch.env)

    loaded = load_wsgi(env)
    assert loaded.returncode != 0
    assert "ImproperlyConfigured" in loaded.stderr and "Refusing to serve in production" in loaded.stderr
    assert "accounts.E001" in loaded.stderr and "dept" in loaded.stderr
    assert "accounts.E002" in loaded.stderr and "boss" in loaded.stderr

    served = runserver(env)
    assert served.returncode == 2
    assert "dangjian runserver: Refusing to serve in production" in served.stderr
    assert "accounts.E001" in served.stderr

    scratch.python(DEACTIVATE)
    loaded = load_wsgi(env)
    assert loaded.returncode == 0, loaded.stderr


def test_development_serves_with_the_demo_accounts(world, settings):
    settings.PRODUCTION = False
    checks.refuse_unsafe_production_start()  # nothing raised, no query


def test_the_start_check_costs_one_query_and_names_the_accounts(world, settings, django_assert_num_queries):
    settings.PRODUCTION = True
    with django_assert_num_queries(1), pytest.raises(ImproperlyConfigured) as refused:
        checks.refuse_unsafe_production_start()
    assert "accounts.E001" in str(refused.value) and world.organizer.username in str(refused.value)
