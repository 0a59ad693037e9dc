"""Shared fixtures: a small tree and the personas every test uses.

Tree::

    区委 (root, committee)
    ├── 城关镇党委 (township A)
    │   ├── 东街村党支部 (branch A1)   ← secretary, member
    │   └── 西街村党支部 (branch A2)
    └── 河口镇党委 (township B)
        └── 河口村党支部 (branch B1)   ← sibling secretary
"""

from __future__ import annotations

import os
import tempfile

# Fixed test keys: SM4 field key and HMAC-SM3 blind-index key (never used outside tests).
os.environ.setdefault("DANGJIAN_FIELD_KEY", "1:00112233445566778899aabbccddeeff,index:ffeeddccbbaa99887766554433221100")
os.environ.setdefault("DANGJIAN_VAR", tempfile.mkdtemp(prefix="dangjian-test-"))

import pytest

from tests import factories


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


@pytest.fixture
def world(db):
    return factories.build_world()


@pytest.fixture
def client_for(client):
    """Log a persona in: ``client_for(world.secretary)``."""

    def login(user):
        client.force_login(user)
        return client

    return login
