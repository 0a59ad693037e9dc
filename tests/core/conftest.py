"""The three administrators (三员) beside the usual personas (the audit chain's helpers: tests/support/audit.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dangjian.core.roles import Role
from tests import factories


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
