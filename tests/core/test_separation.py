"""三员分立 (等保 8.1.4.2d, 8.1.5.1–8.1.5.3): each administrator does only their own work.

The system administrator manages accounts, the security administrator grants roles, the
audit administrator reads the audit log; nobody else reaches any of it, no account holds two
administrator roles (tried every way below), and no administrator sees party records.
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.urls import reverse

from dangjian.accounts import services
from dangjian.core.models import AuditEvent, RoleAssignment, User
from dangjian.core.roles import ADMIN_ROLES, Role
from tests import factories
from tests.test_subtree_walk import OBJECT_FOR_ROUTE, PARAM, SKIP_PREFIXES, all_routes, fill, response_text

# --- The role × page matrix ---------------------------------------------------------------------
# (page, method, owner role, url args, form data); ``newcomer`` is a plain account, ``dormant`` a
# deactivated one, ``grant`` the secretary's role over branch A1.
PAGES = [
    ("user-list", "get", Role.SYSADMIN, None, None),
    ("user-create", "get", Role.SYSADMIN, None, None),
    ("user-create", "post", Role.SYSADMIN, None, {"username": "fresh", "full_name": "新人"}),
    ("user-edit", "get", Role.SYSADMIN, "newcomer", None),
    ("user-edit", "post", Role.SYSADMIN, "newcomer", {"full_name": "改名"}),
    ("user-reset-password", "post", Role.SYSADMIN, "newcomer", {}),
    ("user-deactivate", "post", Role.SYSADMIN, "newcomer", {}),
    ("user-activate", "post", Role.SYSADMIN, "dormant", {}),
    ("role-list", "get", Role.SECADMIN, None, None),
    ("role-list", "post", Role.SECADMIN, None, {"username": "newcomer", "role": "secretary", "org_code": "TA-001"}),
    ("role-revoke", "post", Role.SECADMIN, "grant", {}),
    ("audit-log", "get", Role.AUDITOR, None, None),
    ("audit-export", "get", Role.AUDITOR, None, None),
]
PERSONAS = {
    "sysadmin": Role.SYSADMIN,
    "secadmin": Role.SECADMIN,
    "auditor": Role.AUDITOR,
    "organizer": None,
    "town_organizer": None,
    "secretary": None,
    "member_user": None,
    "newcomer": None,
}
ADMIN_ACTIONS = (
    "user_create",
    "user_update",
    "user_password_reset",
    "user_deactivate",
    "user_activate",
    "role_grant",
    "role_revoke",
    "export",
)


def persona(world, admins, name):
    return getattr(admins, name, None) or getattr(world, name)


@pytest.mark.parametrize(("name", "method", "owner", "arg", "data"), PAGES)
@pytest.mark.parametrize("who", list(PERSONAS))
def test_each_administrator_reaches_only_their_own_pages(world, admins, client, who, name, method, owner, arg, data):
    dormant = factories.user("dormant", is_active=False)
    objects = {
        "newcomer": admins.newcomer.pk,
        "dormant": dormant.pk,
        "grant": RoleAssignment.objects.get(user=world.secretary, role=Role.SECRETARY).pk,
    }
    url = reverse(name, args=[objects[arg]] if arg else None)
    client.force_login(persona(world, admins, who))
    before = AuditEvent.objects.filter(action__in=ADMIN_ACTIONS).count()
    response = client.get(url) if method == "get" else client.post(url, data)
    if PERSONAS[who] == owner:
        assert response.status_code in (200, 302), f"{who} {method.upper()} {url} → {response.status_code}"
        if method == "post":
            assert AuditEvent.objects.filter(action__in=ADMIN_ACTIONS).count() == before + 1
    else:
        assert response.status_code == 404, f"{who} {method.upper()} {url} → {response.status_code}"
        assert AuditEvent.objects.filter(action__in=ADMIN_ACTIONS).count() == before


def test_the_system_administrator_cannot_grant_roles_not_even_to_themselves(world, admins):
    for user in (admins.sysadmin, admins.newcomer):
        with pytest.raises(PermissionDenied):
            services.role_grant(actor=admins.sysadmin, user=user, role=Role.ORGANIZER, org=world.root)
    assignment = RoleAssignment.objects.get(user=world.secretary)
    with pytest.raises(PermissionDenied):
        services.role_revoke(actor=admins.sysadmin, assignment=assignment)
    assert not RoleAssignment.objects.filter(user=admins.sysadmin).exclude(role=Role.SYSADMIN).exists()


def test_the_security_and_audit_administrators_cannot_manage_accounts(world, admins):
    for actor in (admins.secadmin, admins.auditor, world.organizer):
        with pytest.raises(PermissionDenied):
            services.user_create(actor=actor, username="someone")
        with pytest.raises(PermissionDenied):
            services.user_reset_password(actor=actor, user=admins.newcomer)
        with pytest.raises(PermissionDenied):
            services.user_deactivate(actor=actor, user=admins.newcomer)
    assert not User.objects.filter(username="someone").exists()


def test_the_auditor_and_the_organizer_cannot_grant_roles(world, admins):
    for actor in (admins.auditor, world.organizer, world.secretary):
        with pytest.raises(PermissionDenied):
            services.role_grant(actor=actor, user=admins.newcomer, role=Role.MEMBER, org=world.branch_a1)


def test_the_security_administrator_cannot_change_their_own_roles(world, admins, client_for):
    with pytest.raises(ValidationError) as exc:
        services.role_grant(actor=admins.secadmin, user=admins.secadmin, role=Role.SECADMIN, org=world.town_a)
    assert exc.value.code == "own_account"
    own = RoleAssignment.objects.get(user=admins.secadmin)
    with pytest.raises(ValidationError):
        services.role_revoke(actor=admins.secadmin, assignment=own)
    client = client_for(admins.secadmin)
    response = client.post(reverse("role-list"), {"username": "secadmin", "role": "organizer", "org_code": "ROOT"})
    assert response.status_code == 200
    assert "不能为自己的账户授予或撤销角色" in response.content.decode()
    client.post(reverse("role-revoke", args=[own.pk]))
    assert RoleAssignment.objects.filter(pk=own.pk).exists()
    assert list(RoleAssignment.objects.filter(user=admins.secadmin).values_list("role", flat=True)) == ["secadmin"]


def test_a_township_security_administrator_grants_only_inside_the_township(world, admins, client_for):
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=admins.town_secadmin, user=admins.newcomer, role=Role.SECRETARY, org=world.branch_b1)
    client = client_for(admins.town_secadmin)
    page = client.get(reverse("role-list")).content.decode()
    assert world.branch_a1.name in page
    assert world.branch_b1.name not in page  # neither in the list nor in the drop-down
    response = client.post(reverse("role-list"), {"username": "newcomer", "role": "secretary", "org_code": "TB-001"})
    assert response.status_code == 200
    assert not RoleAssignment.objects.filter(user=admins.newcomer).exists()
    response = client.post(
        reverse("role-list"), {"username": "newcomer", "role": "secretary", "org": str(world.branch_b1.pk)}
    )
    assert not RoleAssignment.objects.filter(user=admins.newcomer).exists()
    outside = RoleAssignment.objects.get(user=world.sibling_secretary)
    assert client.post(reverse("role-revoke", args=[outside.pk])).status_code == 404
    assert RoleAssignment.objects.filter(pk=outside.pk).exists()
    response = client.post(
        reverse("role-list"), {"username": "newcomer", "role": "secretary", "org": str(world.branch_a2.pk)}
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=admins.newcomer, org=world.branch_a2, role=Role.SECRETARY).exists()


def test_the_system_administrator_cannot_take_over_another_administrators_account(world, admins, client_for):
    client = client_for(admins.sysadmin)
    for target in (admins.auditor, admins.secadmin, admins.sysadmin):
        for name in ("user-edit", "user-reset-password", "user-deactivate"):
            response = client.post(reverse(name, args=[target.pk]), {"full_name": "x"})
            assert response.status_code == 404, (target, name)
        with pytest.raises(PermissionDenied):
            services.user_reset_password(actor=admins.sysadmin, user=target)
    auditor = User.objects.get(pk=admins.auditor.pk)
    assert auditor.is_active and auditor.check_password("Test-pass-123")
    # Once the security administrator has revoked the role, the account is an ordinary one.
    services.role_revoke(actor=admins.secadmin, assignment=RoleAssignment.objects.get(user=admins.auditor))
    assert client.post(reverse("user-deactivate", args=[admins.auditor.pk])).status_code == 302
    assert not User.objects.get(pk=admins.auditor.pk).is_active


def test_a_township_system_administrator_manages_only_accounts_of_the_township(world, admins, client_for):
    town_sysadmin = factories.user("town_sysadmin", Role.SYSADMIN, world.town_a)
    client = client_for(town_sysadmin)
    listed = {u.username for u in client.get(reverse("user-list")).context["page_obj"]}
    assert {"sec_a1", "town_a", "zhangqiang", "newcomer"} <= listed
    assert not listed & {"dept", "sec_b1", "auditor", "sysadmin", "secadmin"}
    assert client.post(reverse("user-reset-password", args=[world.sibling_secretary.pk])).status_code == 404
    assert client.post(reverse("user-reset-password", args=[world.secretary.pk])).status_code == 200


# --- One account, one administrator role: every way of trying --------------------------------------
ADMIN_PAIRS = [(a, b) for a in sorted(ADMIN_ROLES) for b in sorted(ADMIN_ROLES) if a != b]


@pytest.mark.parametrize(("first", "second"), ADMIN_PAIRS)
def test_the_service_refuses_a_second_administrator_role(world, admins, first, second):
    services.role_grant(actor=admins.secadmin, user=admins.newcomer, role=first, org=world.root)
    for org in (world.root, world.town_a, world.branch_b1):
        with pytest.raises(ValidationError) as exc:
            services.role_grant(actor=admins.secadmin, user=admins.newcomer, role=second, org=org)
        assert exc.value.code == "separation_of_duties"
        with pytest.raises(ValidationError):  # the system itself (factories, the demo loader) is refused too
            services.role_grant(actor=None, user=admins.newcomer, role=second, org=org)
    assert set(RoleAssignment.objects.filter(user=admins.newcomer).values_list("role", flat=True)) == {first}
    # The same administrator role over another organization is fine.
    services.role_grant(actor=admins.secadmin, user=admins.newcomer, role=first, org=world.town_b)


def test_the_page_refuses_a_second_administrator_role_in_chinese(world, admins, client_for):
    client = client_for(admins.secadmin)
    data = {"username": "auditor", "role": "sysadmin", "org_code": "ROOT"}
    response = client.post(reverse("role-list"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "三员分立" in response.content.decode().replace("\n", "")
    assert list(RoleAssignment.objects.filter(user=admins.auditor).values_list("role", flat=True)) == ["auditor"]


def _in_savepoint(fn):
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        fn()


def test_the_database_refuses_a_second_administrator_role_written_around_the_service(world, admins):
    auditor = admins.auditor
    _in_savepoint(lambda: RoleAssignment.objects.create(user=auditor, role=Role.SYSADMIN, org=world.root))
    _in_savepoint(
        lambda: RoleAssignment.objects.bulk_create([RoleAssignment(user=auditor, role=Role.SECADMIN, org=world.town_a)])
    )

    def raw_insert():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO core_roleassignment (user_id, role, org_id, created_at) VALUES (%s, %s, %s, %s)",
                [auditor.pk, "secadmin", world.root.pk, "2026-01-01 00:00:00+00:00"],
            )

    _in_savepoint(raw_insert)
    # Turning an ordinary role into a second administrator role, or moving a grant to another account.
    services.role_grant(actor=None, user=admins.newcomer, role=Role.MEMBER, org=world.branch_a1)
    member_grant = RoleAssignment.objects.get(user=admins.newcomer)
    _in_savepoint(lambda: RoleAssignment.objects.filter(pk=member_grant.pk).update(user=auditor))
    sysadmin_grant = RoleAssignment.objects.get(user=admins.sysadmin)
    _in_savepoint(lambda: RoleAssignment.objects.filter(pk=sysadmin_grant.pk).update(user=auditor))
    roles = set(RoleAssignment.objects.filter(user=auditor).values_list("role", flat=True))
    assert roles == {Role.AUDITOR}


def test_an_administrator_role_does_not_mix_with_work_on_party_records(world, admins):
    with pytest.raises(ValidationError):
        services.role_grant(actor=admins.secadmin, user=world.organizer, role=Role.AUDITOR, org=world.root)
    with pytest.raises(ValidationError):
        services.role_grant(actor=admins.secadmin, user=admins.auditor, role=Role.SECRETARY, org=world.branch_a1)


BUSINESS_ROLES = [r for r in Role.values if r not in ADMIN_ROLES]


@pytest.mark.parametrize("admin_role", sorted(ADMIN_ROLES))
@pytest.mark.parametrize("business_role", BUSINESS_ROLES)
def test_an_administrator_holds_no_other_role_not_even_the_member_role(world, admins, admin_role, business_role):
    """Issue 13, item 8: every role combination with an administrator is refused, both ways round."""
    admin = factories.user(f"adm_{admin_role}", admin_role, world.root)
    with pytest.raises(ValidationError) as exc:
        services.role_grant(actor=admins.secadmin, user=admin, role=business_role, org=world.branch_a1)
    assert exc.value.code == "separation_of_duties"
    worker = factories.user(f"biz_{business_role}", business_role, world.branch_a1)
    with pytest.raises(ValidationError):
        services.role_grant(actor=admins.secadmin, user=worker, role=admin_role, org=world.root)
    assert not RoleAssignment.objects.filter(user=admin, role=business_role).exists()
    assert not RoleAssignment.objects.filter(user=worker, role=admin_role).exists()


def test_the_database_refuses_a_business_role_for_an_administrator_written_around_the_service(world, admins):
    auditor = admins.auditor
    _in_savepoint(lambda: RoleAssignment.objects.create(user=auditor, role=Role.MEMBER, org=world.branch_a1))
    _in_savepoint(lambda: RoleAssignment.objects.create(user=world.secretary, role=Role.AUDITOR, org=world.root))
    grant = RoleAssignment.objects.get(user=world.secretary)
    _in_savepoint(lambda: RoleAssignment.objects.filter(pk=grant.pk).update(user=auditor))
    assert set(RoleAssignment.objects.filter(user=auditor).values_list("role", flat=True)) == {Role.AUDITOR}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # leaves no content types under new ids
def test_two_concurrent_grants_of_different_administrator_roles_cannot_both_succeed():
    root = factories.org(None, "区委", level="committee", sector="agency", code="ROOT")
    secadmin = factories.user("secadmin", Role.SECADMIN, root)
    target = factories.user("target")
    barrier = threading.Barrier(3)
    results: list[str] = []

    def grant(role):
        try:
            barrier.wait()
            services.role_grant(actor=secadmin, user=target, role=role, org=root)
            results.append("ok")
        except (ValidationError, DatabaseError) as exc:
            results.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=grant, args=(role,)) for role in (Role.SYSADMIN, Role.AUDITOR, Role.SECADMIN)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert RoleAssignment.objects.filter(user=target, role__in=ADMIN_ROLES).count() == 1


# --- Administrators see no party records ---------------------------------------------------------
@pytest.mark.parametrize("who", ["sysadmin", "secadmin", "auditor"])
def test_administrators_see_no_party_records(world, admins, client, who):
    client.force_login(getattr(admins, who))
    targets = {"org": world.branch_a1.pk, "member": world.zhang.pk}
    own_pages = {"sysadmin": ("system/",), "secadmin": ("security/",), "auditor": ("audit/",)}[who]
    for route, _name in all_routes():
        if route.startswith(SKIP_PREFIXES) or route.startswith(own_pages) or "logout" in route:
            continue
        if PARAM.search(route):
            if route.startswith(("system/", "security/")):
                continue  # the other administrators' pages: the matrix above
            # Business routes answer 404 to an administrator whatever the id (other kinds get an org's id;
            # undeclared routes are test_subtree_walk's business).
            kind = next((k for prefix, k in OBJECT_FOR_ROUTE if route.startswith(prefix)), "org")
            response = client.get(fill(route, targets.get(kind, world.branch_a1.pk)))
            assert response.status_code in (404, 405), f"{who} GET /{route} → {response.status_code}"
        else:
            response = client.get("/" + route)
            assert response.status_code < 500, f"/{route} → {response.status_code}"
            body = response_text(response)
            for hidden in (world.zhang.name, world.wang.name, world.branch_a1.name, world.town_b.name):
                assert hidden not in body, f"{who} sees {hidden} on /{route}"
