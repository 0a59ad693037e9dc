"""The three administrators (三员) beside the usual personas, and helpers for the audit chain."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection

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


APPEND_ONLY_TRIGGERS = {
    "postgresql": ["DROP TRIGGER core_auditevent_append_only ON core_auditevent"],
    "sqlite": ["DROP TRIGGER core_auditevent_no_update"],
}


def drop_append_only_trigger() -> None:
    """What an attacker with DDL rights does first. Inside the test's transaction: rolled back after."""
    with connection.cursor() as cursor:
        for sql in APPEND_ONLY_TRIGGERS[connection.vendor]:
            cursor.execute(sql)
