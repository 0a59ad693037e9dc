"""The suite's fixtures, loaded by tests/conftest.py (``pytest_plugins``).

Personas (Healthchecks' Alice, Bob and Charlie) live on ``world`` (built by ``tests.factories.build_world``)::

    world.organizer          the department organizer (区委组织部, over the root)
    world.town_organizer     a township organizer (城关镇党委, township A)
    world.secretary          the secretary of 东街村党支部 (branch A1)
    world.member_user        张强, a member of branch A1
    world.sibling_secretary  the secretary of 河口村党支部 (branch B1, under township B)
    world.auditor            the audit administrator (三员), who reads the audit log and no business data

and the other two administrators on ``admins`` (tests/core, tests/accounts).
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from django.test import Client

from dangjian.core.roles import Role
from tests import factories
from tests.support.api import ApiClient, api_client_for
from tests.support.clock import TODAY, travel


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    """The personas include a root organizer and an auditor, whom production requires to use a
    second factor; the general suite logs them in without one. tests/accounts turns it back on."""
    settings.OTP_ENFORCED = False


@pytest.fixture(autouse=True)
def _no_api_rate_limit(settings):
    """The contract test sends hundreds of requests a second; tests/api/test_rate_limit.py turns the limit on."""
    settings.API_RATE_LIMIT = None


@pytest.fixture(scope="session")
def _checkpoint_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("audit-checkpoints")


@pytest.fixture(autouse=True)
def _private_audit_checkpoints(settings, _checkpoint_dir):
    """Every test its own checkpoint file (core.checkpoints): the database is rolled back between
    tests, a checkpoint file outside it is not. Only a name: nothing is created unless a test writes."""
    settings.AUDIT_CHECKPOINT_FILE = _checkpoint_dir / f"{uuid.uuid4().hex}.log"
    settings.AUDIT_CHECKPOINT_KEY = "a5" * 32  # a fixed test key: no key file in the var directory


@pytest.fixture
def world(db):
    """The small tree and its personas (see the module's docstring and tests/conftest.py)."""
    return factories.build_world()


@pytest.fixture
def admins(world):
    """A system and a security administrator at the root (the world's auditor is the third),
    a security administrator of township A, and a plain account nobody has given a role yet."""
    return SimpleNamespace(
        sysadmin=factories.user("sysadmin", Role.SYSADMIN, world.root),
        secadmin=factories.user("secadmin", Role.SECADMIN, world.root),
        town_secadmin=factories.user("town_secadmin", Role.SECADMIN, world.town_a),
        auditor=world.auditor,
        newcomer=factories.user("newcomer"),
    )


@pytest.fixture
def client_for(client):
    """Log a persona in: ``client_for(world.secretary)``."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_as():
    """``api_as(world.secretary)``: an API client sending that persona's bearer token."""
    return api_client_for


@pytest.fixture
def anonymous_api():
    return ApiClient(Client())


@pytest.fixture
def today(time_machine):
    """The clock frozen on ``TODAY`` (20 June 2026, 10:00 in Shanghai); returns the date."""
    travel(time_machine, TODAY)
    return TODAY
