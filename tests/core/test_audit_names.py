"""A changed link in the audit log and a member's change log names the linked record (issue 14 point 3):
"党组织：东街村党支部 → 河口村党支部", not "3 → 7"; never a name the reader may not see; bulk lookups."""

from __future__ import annotations

import re
from types import SimpleNamespace

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core import audit
from dangjian.members.models import CorrectionRequest
from tests import factories
from tests.support.excel import body, read_xlsx

GONE = 999_999  # an id no record holds (deleted since)


def changes_of(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def moved_in(world, member, old, new) -> None:
    """The event of a member's transfer: their organization changed from ``old`` to ``new`` (by id)."""
    audit.record(actor=world.organizer, action="update", obj=member, changes={"org": [old.pk, new.pk]})


def test_the_audit_log_names_linked_organizations_members_and_accounts(world, admins, client_for):
    moved_in(world, world.zhang, world.branch_b1, world.branch_a1)
    request = CorrectionRequest.objects.create(member=world.zhang, field="occupation", reason="改正")
    audit.record(
        actor=world.secretary,
        action="update",
        obj=request,
        org=world.branch_a1,
        changes={"member": [None, world.zhang.pk], "decided_by": [None, world.secretary.pk]},
    )
    moved_in(world, world.li, SimpleNamespace(pk=GONE), world.branch_a1)
    page = changes_of(client_for(admins.auditor).get(reverse("audit-log")).content.decode())
    assert "党组织：河口村党支部 → 东街村党支部" in page
    assert "党员：— → 张强" in page
    assert f"#{GONE}（已删除） → 东街村党支部" in page
    assert "— → sec_a1" in page


def test_a_township_auditor_sees_no_name_outside_the_township(world, admins, client_for):
    town_auditor = factories.user("town_auditor", "auditor", world.town_a)
    moved_in(world, world.zhang, world.branch_b1, world.branch_a1)
    page = changes_of(client_for(town_auditor).get(reverse("audit-log")).content.decode())
    assert "党组织：（本组织以外） → 东街村党支部" in page
    assert "河口村党支部" not in page


def test_the_export_keeps_the_json_and_adds_the_changes_in_words(world, admins, client_for):
    moved_in(world, world.zhang, world.branch_b1, world.branch_a1)
    town_auditor = factories.user("town_auditor", "auditor", world.town_a)
    for reader, expected in (
        (admins.auditor, "党组织：河口村党支部 → 东街村党支部"),
        (town_auditor, "党组织：（本组织以外） → 东街村党支部"),
    ):
        rows = read_xlsx(body(client_for(reader).get(reverse("audit-export") + "?action=update")))
        header, last = rows[0], rows[-1]
        assert header[-1] == "变更内容（文字）"
        assert last[header.index("变更内容")] == f'{{"org": [{world.branch_b1.pk}, {world.branch_a1.pk}]}}'
        assert last[-1] == expected


def test_a_members_change_log_names_organizations_within_the_readers_subtree_only(world, client_for):
    moved_in(world, world.zhang, world.branch_b1, world.branch_a1)
    url = reverse("member-detail", args=[world.zhang.pk])
    secretary = changes_of(client_for(world.secretary).get(url).content.decode())
    assert "（本组织以外） → 东街村党支部" in secretary
    assert "河口村党支部" not in secretary and str(world.branch_b1.pk) + " →" not in secretary
    organizer = changes_of(client_for(world.organizer).get(url).content.decode())
    assert "河口村党支部 → 东街村党支部" in organizer
    own = changes_of(client_for(world.member_user).get(url).content.decode())  # the member: their own branch
    assert "（本组织以外） → 东街村党支部" in own and "河口村党支部" not in own


def test_names_are_fetched_once_per_linked_model_for_a_page(world, admins, client_for, django_assert_max_num_queries):
    client = client_for(admins.auditor)
    orgs = [world.branch_a1, world.branch_a2, world.branch_b1, world.town_a, world.town_b]
    people = [world.zhang, world.li, world.wang]
    accounts = [world.secretary, world.organizer, world.town_organizer, world.sibling_secretary]
    for i in range(50):  # 50 events, each with three links: organizations, members and accounts
        request = CorrectionRequest.objects.create(member=people[i % 3], field="occupation", reason=f"改正{i}")
        audit.record(
            actor=world.organizer,
            action="update",
            obj=request,
            org=orgs[i % 5],
            changes={"member": [None, people[i % 3].pk], "decided_by": [None, accounts[i % 4].pk]},
        )
        moved_in(world, world.zhang, orgs[i % 5], orgs[(i + 1) % 5])
    response = client.get(reverse("audit-log"))  # warm: the session and the auditor's scopes
    plain = client.get(reverse("audit-log") + "?action=login")
    assert plain.status_code == 200 and response.status_code == 200
    # Three linked models on the page (organization, member, user): at most three more queries than a page
    # without links, however many events and links.
    with CaptureQueriesContext(connection) as without_links:
        client.get(reverse("audit-log") + "?action=login")
    with django_assert_max_num_queries(len(without_links.captured_queries) + 3):
        page = client.get(reverse("audit-log")).content.decode()
    assert "西街村党支部" in page and "王伟" in page and "sec_b1" in page


def test_the_personal_information_report_names_links_as_the_reader_may_see_them(world, client_for):
    moved_in(world, world.zhang, world.branch_b1, world.branch_a1)
    url = reverse("member-privacy", args=[world.zhang.pk])
    organizer = changes_of(client_for(world.organizer).get(url).content.decode())
    assert "河口村党支部 → 东街村党支部" in organizer
    own = changes_of(client_for(world.member_user).get(url).content.decode())
    assert "（本组织以外） → 东街村党支部" in own and "河口村党支部" not in own
