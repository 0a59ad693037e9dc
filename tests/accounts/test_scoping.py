"""The administrators' resources as scoped resources (tests/support/scoped.py): accounts, managed by
the system administrator (system/users/), and role assignments, granted by the security administrator
(security/roles/). Anonymous users log in, the administrator at the root reads them, an administrator of
the same kind over township A, the other administrator and the business personas get 404 on every
route and find nothing in the lists, the auditor writes nothing, a create or an update is one audit
event, lists cost the same queries with twice the rows.

What the case cannot express (the persona × page matrix of 三员分立, one administrator role per account,
an administrator's account that no administrator may change) stays in tests/core/test_separation.py and
tests/core/test_admin_pages.py."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from dangjian.accounts.models import Activation
from dangjian.core.api import api_token_issue
from dangjian.core.models import ApiToken, RoleAssignment, User
from dangjian.core.roles import Role
from tests import factories
from tests.support.routes import routes_with_an_object
from tests.support.scoped import ScopedResource, declared_shapes

SEQ = itertools.count(1)


@pytest.fixture(autouse=True)
def _second_factor_required(settings):
    """tests/accounts turns the second factor on (conftest.py); these declarations are about who
    reaches what, and log their personas in as the rest of the suite does, without one."""
    settings.OTP_ENFORCED = False


class Administered(ScopedResource):
    """The world, the administrators of ``admins`` (tests/support/plugin.py) and a system administrator
    of township A, all personas of one ``w``."""

    @pytest.fixture
    def w(self, world, admins):
        town_sysadmin = factories.user("town_sysadmin", Role.SYSADMIN, world.town_a)
        return SimpleNamespace(**{**vars(world), **vars(admins)}, town_sysadmin=town_sysadmin)


class TestUser(Administered):
    model = User
    owner = "sysadmin"
    outsiders = (
        ("town_sysadmin", "branch_b1"),  # a system administrator of township A: 河口村 is outside
        ("secadmin", "branch_a1"),  # the security administrator does not manage accounts
        ("organizer", "branch_a1"),
        ("secretary", "branch_a1"),  # not even the account of a member of the secretary's own branch
    )
    routes = (
        "/system/users/{pk}/",  # the edit page
        "POST /system/users/{pk}/deactivate/",
        "POST /system/users/{pk}/activate/",
        "POST /system/users/{pk}/reset-password/",
    )
    list_routes = ("/system/users/",)
    create = "POST /system/users/new/"
    create_in_org = False  # a new account holds no role: any system administrator may open one
    update = "POST /system/users/{pk}/"
    create_action = "user_create"
    update_action = "user_update"

    def make(self, w, org):  # an account with a member's role in org
        return factories.user(f"account{next(SEQ)}", Role.MEMBER, org)

    def more(self, w, org):  # as many roles as accounts, half of them in the other township
        n = next(SEQ)
        return factories.user(f"account{n}", Role.MEMBER, org if n % 2 else w.branch_b1)

    def shown(self, obj):
        return obj.username

    def create_data(self, w, org):
        return {"username": f"opened{next(SEQ)}", "full_name": "王芳"}

    def update_data(self, w, obj):
        return {"full_name": "李书记"}


class TestRoleAssignment(Administered):
    model = RoleAssignment
    owner = "secadmin"
    outsiders = (
        ("town_secadmin", "branch_b1"),  # a security administrator of township A: 河口村 is outside
        ("sysadmin", "branch_a1"),  # the system administrator grants no roles
        ("organizer", "branch_a1"),
        ("secretary", "branch_a1"),
    )
    routes = ("POST /security/roles/{pk}/revoke/",)
    list_routes = ("/security/roles/",)
    create = "POST /security/roles/"  # the grant form is on the list page
    create_action = "role_grant"
    audit_type = "core.roleassignment"

    def make(self, w, org):  # a secretary's role over org, for a new account
        account = factories.user(f"grantee{next(SEQ)}", Role.SECRETARY, org)
        return RoleAssignment.objects.get(user=account)

    def more(self, w, org):  # each role over a new branch: the list shows every organization's name
        n = next(SEQ)
        account = factories.user(f"grantee{n}", Role.SECRETARY, factories.org(org.parent, f"新支部{n}"))
        return RoleAssignment.objects.get(user=account)

    def shown(self, obj):
        return obj.user.username

    def create_data(self, w, org):
        account = factories.user(f"newcomer{next(SEQ)}")
        return {"username": account.username, "role": "member", "org": str(org.pk)}


class TestActivation(Administered):
    """Activations awaiting approval, released by the security administrator over the account."""

    model = Activation
    owner = "secadmin"
    outsiders = (
        ("town_secadmin", "branch_b1"),
        ("sysadmin", "branch_a1"),  # who asked for it never releases it
        ("organizer", "branch_a1"),
        ("secretary", "branch_a1"),
    )
    routes = ("POST /security/activations/{pk}/release/",)
    list_routes = ("/security/activations/",)

    def make(self, w, org):
        account = factories.user(f"resetme{next(SEQ)}", Role.MEMBER, org)
        return Activation.objects.create(user=account, requested_by=w.sysadmin, status=Activation.Status.AWAITING)

    def shown(self, obj):
        return obj.user.username


class TestOwnToken(Administered):
    """A user's own API tokens: only their owner lists and revokes them (tests/api/test_token_lifecycle.py)."""

    model = ApiToken
    owner = "secretary"
    outsiders = (("sibling_secretary", "branch_a1"), ("organizer", "branch_a1"), ("secadmin", "branch_a1"))
    routes = ("POST /account/tokens/{pk}/revoke/", "DELETE /api/v1/auth/tokens/{pk}")
    list_routes = ("/account/tokens/", "/api/v1/auth/tokens")

    def make(self, w, org):
        return api_token_issue(user=w.secretary, name=f"脚本{next(SEQ)}")[0]

    def shown(self, obj):
        return obj.prefix


def test_every_accounts_route_with_an_object_is_declared():
    prefixes = ("login/", "logout/", "account/", "system/", "security/", "api/v1/auth/")
    assert routes_with_an_object(*prefixes) <= declared_shapes(
        TestUser, TestRoleAssignment, TestActivation, TestOwnToken
    )
