"""The production check: no default or demo accounts, no superuser."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from dangjian.accounts.checks import no_default_accounts_in_production
from dangjian.core.models import User
from tests import factories


def run():
    return no_default_accounts_in_production(databases=["default"])


def test_only_production_is_checked(world):
    assert run() == []  # "dept" and "auditor" exist, but this is not production
    with override_settings(PRODUCTION=True):
        assert no_default_accounts_in_production(databases=None) == []  # no database given


@override_settings(PRODUCTION=True)
def test_demo_accounts_are_an_error_in_production(world):
    errors = run()
    assert [e.id for e in errors] == ["accounts.E001"]
    assert "auditor" in errors[0].msg and "dept" in errors[0].msg
    User.objects.filter(username__in=["dept", "auditor"]).update(is_active=False)
    assert run() == []


@override_settings(PRODUCTION=True)
def test_an_active_superuser_is_an_error_in_production(db):
    root = User.objects.create_superuser("zhangwei", password="Qz7#mK2$vLp")
    assert [e.id for e in run()] == ["accounts.E002"]
    root.is_superuser = False
    root.save()
    assert run() == []


@override_settings(PRODUCTION=True)
def test_generic_names_count_as_default_accounts(db):
    factories.user("admin")
    assert [e.id for e in run()] == ["accounts.E001"]


@override_settings(PRODUCTION=True)
def test_the_check_command_with_the_database_fails(world):
    with pytest.raises(SystemCheckError, match=r"accounts\.E001"):
        call_command("check", "--database", "default")
