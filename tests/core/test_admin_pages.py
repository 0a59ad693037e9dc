"""The administrators' pages: accounts, roles, the audit log and its export; their audit events
(the catalogue of 等保 8.1.4.3a/b) and the audit log's query count (the account and role lists are
declared as scoped resources in tests/accounts/test_scoping.py, which counts their queries)."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.accounts import services
from dangjian.core import audit
from dangjian.core.api import api_token_issue, token_user
from dangjian.core.models import AuditEvent, RoleAssignment, User
from dangjian.core.roles import Role
from tests import factories


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def last_event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-id").first()


# --- Accounts ----------------------------------------------------------------------------------------
def test_the_system_administrator_creates_an_account_without_seeing_any_password(world, admins, client_for):
    client = client_for(admins.sysadmin)
    response = client.post(
        reverse("user-create"), {"username": "wangfang", "full_name": "王芳"}, REMOTE_ADDR="10.9.8.7"
    )
    assert response.status_code == 200
    assert "password" not in response.context and response.context["activation"].status == "sent"
    account = User.objects.get(username="wangfang")
    assert account.full_name == "王芳" and not account.has_usable_password()
    assert not RoleAssignment.objects.filter(user=account).exists()  # roles come from the security administrator
    event = last_event("user_create")
    assert (event.actor, event.object_id, event.source) == (admins.sysadmin, str(account.pk), "10.9.8.7")
    assert "password" not in event.changes
    assert response["Cache-Control"] == "no-store"


def test_a_duplicate_user_name_is_refused_on_the_form(world, admins, client_for):
    response = client_for(admins.sysadmin).post(reverse("user-create"), {"username": "sec_a1"})
    assert response.status_code == 200 and response.context["form"].errors
    assert not AuditEvent.objects.filter(action="user_create").exists()


def test_a_password_reset_ends_the_old_password_and_shows_the_administrator_none(world, admins, client_for):
    response = client_for(admins.sysadmin).post(reverse("user-reset-password", args=[world.secretary.pk]))
    assert "password" not in response.context
    secretary = User.objects.get(pk=world.secretary.pk)
    assert not secretary.has_usable_password() and not secretary.check_password("Test-pass-123")
    event = last_event("user_password_reset")
    assert event.actor == admins.sysadmin and event.changes["activation"] == [None, "sent"]


def test_a_deactivated_account_loses_its_session_and_api_tokens_at_once(world, admins, client, client_for):
    _token, secret = api_token_issue(user=world.secretary)
    client.force_login(world.secretary)
    assert client.get(reverse("member-list")).status_code == 200
    services.user_deactivate(actor=admins.sysadmin, user=world.secretary)
    assert client.get(reverse("member-list")).status_code == 302  # back to the login page
    assert token_user(secret)[0] is None
    event = last_event("user_deactivate")
    assert event.changes == {"is_active": [True, False], "api_tokens": 1}
    services.user_activate(actor=admins.sysadmin, user=world.secretary)
    assert User.objects.get(pk=world.secretary.pk).is_active and last_event("user_activate")


def test_the_system_administrator_edits_a_name(world, admins, client_for):
    client = client_for(admins.sysadmin)
    response = client.post(reverse("user-edit", args=[world.secretary.pk]), {"full_name": "李书记"})
    assert response.status_code == 302
    assert User.objects.get(pk=world.secretary.pk).full_name == "李书记"
    assert last_event("user_update").changes == {"full_name": ["sec_a1", "李书记"]}


# --- Roles -------------------------------------------------------------------------------------------
def test_the_security_administrator_grants_by_code_or_from_the_list_and_revokes(world, admins, client_for):
    client = client_for(admins.secadmin)
    by_code = {"username": "newcomer", "role": "secretary", "org_code": "TA-002"}
    assert client.post(reverse("role-list"), by_code, REMOTE_ADDR="10.0.0.9").status_code == 302
    grant = RoleAssignment.objects.get(user=admins.newcomer, org=world.branch_a2, role=Role.SECRETARY)
    event = last_event("role_grant")
    assert (event.actor, event.org, event.source) == (admins.secadmin, world.branch_a2, "10.0.0.9")
    assert event.changes == {"user": [None, "newcomer"], "role": [None, "secretary"]}
    from_list = {"username": "newcomer", "role": "member", "org": str(world.branch_a1.pk)}
    assert client.post(reverse("role-list"), from_list).status_code == 302
    assert RoleAssignment.objects.filter(user=admins.newcomer, org=world.branch_a1, role=Role.MEMBER).exists()
    assert client.post(reverse("role-revoke", args=[grant.pk])).status_code == 302
    assert not RoleAssignment.objects.filter(pk=grant.pk).exists()
    event = last_event("role_revoke")
    assert (event.changes, event.object_id) == (
        {"user": ["newcomer", None], "role": ["secretary", None]},
        str(grant.pk),
    )


def test_a_revoked_role_stops_working_on_the_next_request(world, admins, client, client_for):
    client.force_login(world.secretary)
    assert client.get(reverse("member-detail", args=[world.zhang.pk])).status_code == 200
    grant = RoleAssignment.objects.get(user=world.secretary)
    services.role_revoke(actor=admins.secadmin, assignment=grant)
    assert client.get(reverse("member-detail", args=[world.zhang.pk])).status_code == 404


def test_the_grant_form_needs_an_existing_account_and_an_organization(world, admins, client_for):
    client = client_for(admins.secadmin)
    for data in (
        {"username": "nobody", "role": "member", "org_code": "ROOT"},
        {"username": "newcomer", "role": "member"},
        {"username": "newcomer", "role": "member", "org_code": "NOPE"},
        {"username": "newcomer", "role": "member", "org_code": "ROOT", "org": str(world.town_a.pk)},
        {"username": "newcomer", "role": "king", "org_code": "ROOT"},
    ):
        response = client.post(reverse("role-list"), data)
        assert response.status_code == 200 and response.context["form"].errors, data
    assert not RoleAssignment.objects.filter(user=admins.newcomer).exists()
    services.user_deactivate(actor=None, user=admins.newcomer)
    response = client.post(reverse("role-list"), {"username": "newcomer", "role": "member", "org_code": "ROOT"})
    assert response.context["form"].errors
    assert not RoleAssignment.objects.filter(user=admins.newcomer).exists()


# --- The audit log and its export --------------------------------------------------------------------
def test_the_export_is_formula_safe_filtered_and_audited(world, admins, client_for):
    nasty = ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)", "\tx", "\rx"]
    for text in nasty:
        audit.record(actor=world.organizer, action="update", obj=world.zhang, object_repr=text)
    client = client_for(admins.auditor)
    response = client.get(reverse("audit-export") + "?action=update", REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + len(nasty)
    objects = [row[6] for row in rows[1:]]
    assert all(cell.startswith("'") for cell in objects), objects  # (the XML reader reads \r as \n)
    assert objects[:5] == ["'" + text for text in nasty[:5]]
    assert all(row[12] and len(row[12]) == 64 for row in rows[1:])  # each event's hash
    event = last_event("export")
    assert (event.actor, event.object_type, event.source) == (admins.auditor, "core.auditevent", "10.1.1.1")
    assert event.changes == {"register": "audit", "filter": {"action": "update"}, "rows": len(nasty)}


def test_a_township_auditor_reads_and_exports_only_the_township(world, admins, client_for):
    town_auditor = factories.user("town_auditor", Role.AUDITOR, world.town_a)
    client = client_for(town_auditor)
    listed = client.get(reverse("audit-log")).context["page_obj"].paginator.object_list
    assert listed.exists()
    assert not listed.exclude(org_path__startswith=world.town_a.path).exists()
    book = load_workbook(io.BytesIO(b"".join(client.get(reverse("audit-export")).streaming_content)))
    paths = {row[7] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert paths and all(p.startswith(world.town_a.path) for p in paths)


def test_the_date_filter_reads_the_site_time_zone(world, admins, client_for):
    import datetime as dt

    import time_machine

    # 2025-03-01 23:30 in Beijing is still 1 March there, but 15:30 UTC.
    with time_machine.travel(dt.datetime(2025, 3, 1, 15, 30, tzinfo=dt.UTC)):
        audit.record(actor=world.organizer, action="update", obj=world.zhang)
    client = client_for(admins.auditor)
    page = client.get(reverse("audit-log") + "?action=update&date_from=2025-03-01&date_to=2025-03-01")
    assert page.context["page_obj"].paginator.count == 1
    page = client.get(reverse("audit-log") + "?action=update&date_from=2025-03-02")
    assert page.context["page_obj"].paginator.count == 0


# --- The catalogue: each administrative action writes exactly one complete event ------------------
CATALOGUE = {
    "user_create": lambda w, a: services.user_create(actor=a.sysadmin, username="u1"),
    "user_update": lambda w, a: services.user_update(actor=a.sysadmin, user=a.newcomer, full_name="新名字"),
    "user_deactivate": lambda w, a: services.user_deactivate(actor=a.sysadmin, user=a.newcomer),
    "user_password_reset": lambda w, a: services.user_reset_password(actor=a.sysadmin, user=a.newcomer),
    "role_grant": lambda w, a: services.role_grant(actor=a.secadmin, user=a.newcomer, role="member", org=w.root),
    "role_revoke": lambda w, a: services.role_revoke(
        actor=a.secadmin, assignment=RoleAssignment.objects.get(user=w.secretary)
    ),
    "export": lambda w, a: _client(a.auditor).get(reverse("audit-export")),
    "audit_verify": lambda w, a: __import__("django.core.management").core.management.call_command(
        "audit", "verify", stdout=io.StringIO()
    ),
}


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("action", list(CATALOGUE))
def test_each_administrative_action_writes_one_complete_event(world, admins, action):
    before = AuditEvent.objects.filter(action=action).count()
    CATALOGUE[action](world, admins)
    events = AuditEvent.objects.filter(action=action)
    assert events.count() == before + 1
    event = events.order_by("-id").first()
    assert event.created_at is not None and event.created_at.tzinfo is not None
    assert event.source and event.action and event.outcome == "success"
    assert event.actor_name and event.hash and event.prev_hash
    assert audit.action_label(action) != action  # it has a readable label


def test_every_action_the_code_writes_has_a_label():
    import re
    from pathlib import Path

    import dangjian

    written = set()
    for path in Path(dangjian.__file__).parent.rglob("*.py"):
        written |= set(re.findall(r'action="([a-z_]+)"', path.read_text(encoding="utf-8")))
    written -= {"store_true", "store_false", "store", "append", "count", "version"}  # argparse's actions
    missing = {a for a in written if audit.action_label(a) == a}
    assert not missing, missing


# --- Query counts ----------------------------------------------------------------------------------
def test_the_audit_log_runs_a_fixed_number_of_queries(world, admins, client_for):
    client = client_for(admins.auditor)
    small = queries_for(client, reverse("audit-log"))
    for i in range(80):
        audit.record(actor=world.organizer, action="update", obj=world.zhang, changes={"n": [i, i + 1]})
    assert queries_for(client, reverse("audit-log")) == small


# The account and role lists' query counts: tests/accounts/test_scoping.py (TestUser, TestRoleAssignment).
