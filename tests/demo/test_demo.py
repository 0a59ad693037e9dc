"""The demo generator: deterministic, valid data that exercises every warning and every persona."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
from collections import Counter

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from dangjian.core import crypto, idnumber
from dangjian.core.models import AuditEvent, User
from dangjian.core.roles import Role
from dangjian.demo.build import DEMO_USERS, build, logins
from dangjian.demo.people import REFERENCE_DATE
from dangjian.members.models import Member, StandingChange, years_between
from dangjian.members.services import validate_member_data
from dangjian.organizations.models import Level, Organization, OrganizationChange, Sector
from dangjian.organizations.queries import subtree_warnings
from tests import factories

PASSWORDS = {u.username: u.password for u in DEMO_USERS}


@pytest.fixture
def demo(db):
    return build(scale="small", seed=1)


def snapshot():
    orgs = list(Organization.objects.order_by("path").values_list("code", "path", "name", "level", "parent__code"))
    members = list(
        Member.objects.order_by("org_path", "id").values_list("org_path", "name", "id_number_hash", "birth_date")
    )
    return orgs, members


def build_and_roll_back(seed):
    with transaction.atomic():
        build(scale="small", seed=seed)
        data = snapshot()
        transaction.set_rollback(True)
    return data


def test_small_scale_builds_a_whole_district(demo):
    assert 50 <= demo.organizations <= 130  # with the party groups of the larger village branches (demo.posts)
    assert 700 <= demo.members <= 1300
    assert Organization.objects.count() == demo.organizations
    assert Member.objects.count() == demo.members
    root = Organization.objects.get(parent__isnull=True)
    assert (root.code, root.level, root.sector) == ("QW", Level.COMMITTEE, Sector.AGENCY)
    assert set(Organization.objects.values_list("sector", flat=True)) == set(Sector.values)
    assert set(Organization.objects.values_list("level", flat=True)) >= {
        Level.COMMITTEE,
        Level.WORKING_COMMITTEE,
        Level.GENERAL_BRANCH,
        Level.BRANCH,
    }
    townships = root.children.filter(
        sector__in=[Sector.RURAL, Sector.COMMUNITY], level__in=[Level.COMMITTEE, Level.WORKING_COMMITTEE]
    )
    assert townships.count() == 3
    assert Organization.objects.filter(units__kind="village").exists()
    assert Organization.objects.filter(dissolved_on__isnull=False).exists()


def test_the_same_seed_builds_the_same_data(db):
    first = build_and_roll_back(5)
    assert Organization.objects.count() == 0
    second = build_and_roll_back(5)
    assert first == second
    assert len(first[1]) > 500


PLAN_DIGEST = """
import datetime as dt, hashlib, os, random
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
import django
django.setup()
from dangjian.demo.build import people_of
from dangjian.demo.people import PersonFactory
from dangjian.demo.plan import plan_demo
plan = plan_demo("small", 1, dt.date(2026, 11, 26))
factory = PersonFactory(random.Random(1), "419901")
digest = hashlib.sha256()
for org in plan.orgs:
    digest.update(f"{org.code}{org.name}{org.size}{org.term_ends_on}{org.has_committee}".encode())
    for person, leader in people_of(org, factory) if org.size else ():
        digest.update(f"{person.name}{person.id_number}{person.joined_on}{leader}".encode())
print(digest.hexdigest())
"""


def test_the_data_does_not_depend_on_string_hash_randomization():
    digests = {
        subprocess.run(  # noqa: S603 - runs this interpreter on a script of this file
            [sys.executable, "-c", PLAN_DIGEST],
            env={**os.environ, "PYTHONHASHSEED": str(hash_seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in (1, 2)
    }
    assert len(digests) == 1
    assert len(digests.pop().strip()) == 64


def test_another_seed_builds_other_data(db):
    one, two = build_and_roll_back(5), build_and_roll_back(6)
    assert [m[1] for m in one[1]] != [m[1] for m in two[1]]
    assert {m[2] for m in one[1]} != {m[2] for m in two[1]}


def test_every_id_number_decrypts_validates_and_agrees_with_the_record(demo):
    numbers = set()
    for member in Member.objects.all():
        info = idnumber.parse(member.id_number)
        assert info.birth_date == member.birth_date
        assert info.gender == member.gender
        assert info.number.startswith("419901")
        assert member.id_number_hash == crypto.blind_index(info.number)
        numbers.add(info.number)
    assert len(numbers) == demo.members


def test_every_member_passes_the_services_own_validation(demo):
    for member in Member.objects.all():
        data = {
            name: getattr(member, name)
            for name in ("name", "gender", "birth_date", "joined_on", "full_member_on", "status", "mobile")
        }
        data.update(id_number=member.id_number, phone=member.phone, mobile_destination=member.mobile_destination)
        validate_member_data(data, instance=member)
        assert member.name_initials and member.name_pinyin


def test_every_members_org_path_is_its_organizations_path(demo):
    assert not Member.objects.exclude(org_path=F("org__path")).exists()
    assert not Member.objects.filter(org__level=Level.PARTY_GROUP).exists()
    assert not Member.objects.filter(org__dissolved_on__isnull=False).exists()


def test_organization_paths_agree_with_their_parents(demo):
    for org in Organization.objects.select_related("parent"):
        assert org.depth == len(org.path) // 4
        if org.parent:
            assert org.path.startswith(org.parent.path)
            assert len(org.path) == len(org.parent.path) + 4
            assert org.parent.level != Level.BRANCH or org.level == Level.PARTY_GROUP
        org.full_clean()
        assert org.name_pinyin and org.name_initials
    assert OrganizationChange.objects.filter(kind=OrganizationChange.Kind.CREATE).count() == demo.organizations


def test_the_standing_history_agrees_with_the_dates(demo):
    history = {}
    for member_id, kind, on in StandingChange.objects.values_list("member_id", "kind", "on"):
        history.setdefault(member_id, {})[kind] = on
    for member in Member.objects.all():
        mine = history[member.pk]
        assert mine["joined"] == member.joined_on
        assert mine.get("became_full") == member.full_member_on
        if member.left_on:
            assert member.left_on in {mine.get("died"), mine.get("left"), mine.get("transferred_out")}
            assert member.left_on >= member.joined_on


def test_distributions_are_plausible(demo):
    current = Member.objects.current()
    total = current.count()
    assert 0.02 <= current.filter(status="probationary").count() / total <= 0.10
    assert 0.12 <= current.filter(holds_post=True).count() / total <= 0.30
    rural = current.filter(org__sector=Sector.RURAL)
    assert 0.6 <= rural.filter(gender="male").count() / rural.count() <= 0.8
    assert current.filter(mobile=True).exclude(mobile_destination="").exists()
    assert not current.filter(mobile=True, mobile_destination="").exists()
    assert current.filter(in_hardship=True).exists()
    assert Member.objects.filter(left_on__isnull=False).exists()
    ages = [years_between(b, REFERENCE_DATE) for b in current.values_list("birth_date", flat=True)]
    assert min(ages) >= 20
    assert max(ages) <= 96
    rural_ages = [years_between(b, REFERENCE_DATE) for b in rural.values_list("birth_date", flat=True)]
    agency_ages = [
        years_between(b, REFERENCE_DATE)
        for b in current.filter(org__sector=Sector.AGENCY, occupation="党政机关工作人员").values_list(
            "birth_date", flat=True
        )
    ]
    assert sum(rural_ages) / len(rural_ages) > sum(agency_ages) / len(agency_ages) + 8
    assert len(Counter(current.values_list("education", flat=True))) >= 6


def test_every_active_organization_has_a_secretary_who_belongs_to_it(demo):
    # A party group has a leader (members.GroupMembership.is_leader), not a secretary: its members
    # belong to the branch.
    active = Organization.objects.filter(dissolved_on__isnull=True).exclude(level=Level.PARTY_GROUP)
    for org in active.select_related("secretary__org"):
        assert org.secretary is not None, org.name
        assert org.secretary.org_path.startswith(org.path)
        assert org.secretary.left_on is None
        assert org.secretary.status == "full"
        assert org.secretary.holds_post
    secretaries = Organization.objects.exclude(secretary=None).values_list("secretary_id", flat=True)
    assert len(set(secretaries)) == len(secretaries)


def test_terms_of_office_are_three_or_five_years(demo):
    for org in Organization.objects.exclude(term_ends_on=None):
        assert org.term_starts_on < org.term_ends_on
        assert years_between(org.term_starts_on, org.term_ends_on) in {3, 5}
        assert org.established_on <= org.term_starts_on


def test_every_kind_of_warning_fires_and_the_demo_township_shows_them_all(demo):
    codes = Counter(w.code for w in subtree_warnings(Organization.objects.all()))
    assert set(codes) == {"joint", "committee", "split", "term_ended", "term_ending"}
    town = User.objects.get(username="town")
    assert {w.code for w in subtree_warnings(Organization.objects.visible_to(town))} == set(codes)


def test_joint_branches_have_several_units(demo):
    joint = Organization.objects.filter(level=Level.BRANCH, name__contains="联合党支部")
    assert joint.exists()
    for org in joint:
        assert org.units.count() >= 2


def test_one_audit_event_records_the_load(demo):
    event = AuditEvent.objects.get(action="demo_load")
    assert event.changes["members"] == [None, demo.members]
    assert event.changes["organizations"] == [None, demo.organizations]
    assert event.actor is None


def test_the_demo_passwords_satisfy_the_password_policy(demo):
    for username, password in PASSWORDS.items():
        validate_password(password, User(username=username))  # an unsaved user: no history to clash with


def test_demo_users_log_in_and_see_what_their_role_allows(demo, client):
    users = {u.username: u for u in User.objects.filter(username__in=PASSWORDS)}
    for username, password in PASSWORDS.items():
        assert client.login(username=username, password=password), username
        assert re.search(r"[\u4e00-\u9fff]", users[username].full_name)
    root = Organization.objects.get(parent__isnull=True)
    town_path = users["town"].role_assignments.get(role=Role.ORGANIZER).org.path
    branch = users["secretary"].role_assignments.get(role=Role.SECRETARY).org
    assert branch.level == Level.BRANCH and branch.sector == Sector.RURAL
    assert branch.path.startswith(town_path)

    assert Organization.objects.visible_to(users["dept"]).count() == demo.organizations
    assert users["dept"].role_assignments.get().org == root
    town_orgs = Organization.objects.visible_to(users["town"])
    assert 5 < town_orgs.count() < demo.organizations
    assert all(o.path.startswith(town_path) for o in town_orgs)

    mine = Member.objects.visible_to(users["secretary"])
    assert set(mine.values_list("org_id", flat=True)) == {branch.pk}
    assert mine.count() == Member.objects.filter(org=branch).count() >= 10
    assert branch.secretary.user == users["secretary"]
    assert "张强" in set(mine.search("zq").values_list("name", flat=True))

    zhang = Member.objects.get(user=users["member"])
    assert (zhang.name, zhang.org_id) == ("张强", branch.pk)
    assert list(Member.objects.visible_to(users["member"])) == [zhang]

    assert not Member.objects.visible_to(users["auditor"]).exists()
    client.force_login(users["auditor"])
    audit_log = client.get(reverse("audit-log")).content.decode()
    assert "加载演示数据" in audit_log and "规模：— → 小型区县" in audit_log and "随机种子：— → 1" in audit_log
    client.force_login(users["secretary"])
    assert "张强" in client.get(reverse("member-list"), {"q": "zq"}).content.decode()


def test_the_three_administrators_are_demo_logins_each_at_their_own_work(demo, client):
    """三员分立 (SECURITY.md): the system, security and audit administrators, one account each, at the root."""
    root = Organization.objects.get(parent__isnull=True)
    held = {
        u: set(User.objects.get(username=u).role_assignments.values_list("role", "org"))
        for u in ("sysadmin", "secadmin", "auditor")
    }
    assert held == {
        "sysadmin": {(Role.SYSADMIN, root.pk)},
        "secadmin": {(Role.SECADMIN, root.pk)},
        "auditor": {(Role.AUDITOR, root.pk)},
    }
    for username, page in (("sysadmin", "user-list"), ("secadmin", "role-list"), ("auditor", "audit-log")):
        client.force_login(User.objects.get(username=username))
        assert client.get(reverse(page)).status_code == 200, username
        assert not Member.objects.visible_to(User.objects.get(username=username)).exists()
    rows = {row[0]: row for row in logins()}
    assert {"sysadmin", "secadmin", "auditor"} <= set(rows)


def test_if_empty_leaves_an_existing_database_alone(db):
    factories.org(None, "区委", level="committee", sector="agency", code="ROOT")
    out = io.StringIO()
    call_command("demo", "--if-empty", "--scale", "small", stdout=out)
    assert "nothing built" in out.getvalue()
    assert "no demo accounts" in out.getvalue()  # the logins are printed (none here), as after a build
    assert Organization.objects.count() == 1
    assert not Member.objects.exists()
    with pytest.raises(CommandError):
        call_command("demo", "--scale", "small", stdout=io.StringIO())


def test_the_command_builds_and_prints_the_logins_and_a_summary(db):
    out = io.StringIO()
    call_command("demo", "--scale", "small", "--seed", "3", stdout=out)
    text = out.getvalue()
    assert re.search(r"^demo: \d+ organizations, [\d,]+ members, 7 users in [\d.]+ s$", text, re.MULTILINE)
    for username, password in PASSWORDS.items():
        assert re.search(rf"^{username}\s+\w+\s+\S+\s+{re.escape(password)}$", text, re.MULTILINE)
    logins = io.StringIO()
    call_command("demo", "--logins", stdout=logins)
    assert "Anlan-Quwei-2026!" in logins.getvalue()
    assert "organizations" not in logins.getvalue()


def test_logins_on_an_empty_database_say_so(db):
    out = io.StringIO()
    call_command("demo", "--logins", stdout=out)
    assert "no demo accounts" in out.getvalue()


@pytest.mark.slow
def test_a_county_builds_a_district_of_the_described_size(db):
    # How long it takes is a figure of `make bench` (BENCHMARKS.md, "build"), not an assertion here.
    result = build(scale="county", seed=7, today=dt.date(2026, 11, 26))
    assert 1400 <= result.organizations <= 2600  # with the party groups of village and community branches
    assert 36_000 <= result.members <= 44_000
    villages = Organization.objects.filter(units__kind="village").count()
    communities = Organization.objects.filter(units__kind="community").count()
    assert 280 <= villages <= 320
    assert 55 <= communities <= 65
    assert len(set(Member.objects.values_list("id_number_hash", flat=True))) == result.members
