"""Pickers that scale: no form page renders a drop-down that grows with the subtree.

A world with more than 200 organizations and 200 members (built with ``bulk_create``; a county has
1,500 and 40,000) is walked: every form page (a URL whose name ends in create/new/edit/…, with the
organization's id where it takes one) as the department's organizer and a township's, counting the
``<option>`` tags of each ``<select>``. Members and organizations are picked by search
(``core/widgets.py``); the search routes answer at most 20 rows, scoped to what the user sees.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dangjian.community.models import VolunteerActivity
from dangjian.core.widgets import LIMIT
from dangjian.members.models import Member
from dangjian.organizations.models import CommitteeMember, Organization
from dangjian.organizations.services import committee_member_add
from tests import factories
from tests.support.routes import PARAM, all_routes

MAX_OPTIONS = 200
EXTRA_ORGS = 300
EXTRA_MEMBERS = 400
FORM_NAMES = re.compile(r"(create|new|edit|update|add|move|committee|declare|award|checkin|open)", re.I)
SELECT = re.compile(r"<select\b[^>]*>(.*?)</select>", re.S | re.I)


def grow(world) -> None:
    """300 villages' branches under township A and 400 full members in branch A1, cheaply."""
    town = world.town_a
    base = Organization.objects.filter(parent=town).count()
    orgs = []
    for i in range(EXTRA_ORGS):
        path = town.path + f"{base + i + 1:04d}"
        org = Organization(
            code=f"TA-X{i:03d}",
            name=f"扩建村{i:03d}党支部",
            level="branch",
            sector="community" if i % 2 else "rural",
            parent=town,
            path=path,
            depth=town.depth + 1,
        )
        org.name_pinyin, org.name_initials = f"kuojiancun{i:03d}", f"kjc{i:03d}"
        orgs.append(org)
    Organization.objects.bulk_create(orgs)
    codec = Member()
    members = []
    branch = world.branch_a1
    for i in range(EXTRA_MEMBERS):
        m = Member(
            org=branch,
            org_path=branch.path,
            name=f"赵{i:03d}",
            gender="male",
            birth_date=dt.date(1980, 1, 1),
            joined_on=dt.date(2005, 7, 1),
            full_member_on=dt.date(2006, 7, 1),
            status="full",
            education="bachelor",
        )
        codec.set_id_number(f"41010219800101{i:03d}9")
        m.id_number_enc, m.id_number_hash = codec.id_number_enc, codec.id_number_hash
        m.prepare_names()
        members.append(m)
    Member.objects.bulk_create(members)


@pytest.fixture
def big_world(world):
    grow(world)
    committee_member_add(
        actor=None, org=world.town_a, member=world.zhang, post="member", started_on=dt.date(2020, 1, 1)
    )
    return world


def form_urls(world) -> list[str]:
    """Every form page, its object filled with township A (``?org=`` too, for pages that take one)."""
    urls = []
    for route, name in all_routes():
        if not name or not FORM_NAMES.search(name) or route.startswith(("api/", "static/")):
            continue
        url = "/" + PARAM.sub(str(world.town_a.pk), route)
        urls.append(url)
        if not PARAM.search(route):
            urls.append(f"{url}?org={world.town_a.pk}")
            urls.append(f"{url}?org={world.branch_a1.pk}")
    return urls


def widest_select(html: str) -> int:
    return max((len(re.findall(r"<option\b", body, re.I)) for body in SELECT.findall(html)), default=0)


@pytest.mark.parametrize("persona", ["organizer", "town_organizer"])
def test_no_form_page_renders_more_than_200_options(big_world, client, persona):
    client.force_login(getattr(big_world, persona))
    walked, too_many = 0, []
    for url in form_urls(big_world):
        response = client.get(url)
        assert response.status_code < 500, f"{url} → {response.status_code}"
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        walked += 1
        widest = widest_select(response.content.decode())
        if widest > MAX_OPTIONS:
            too_many.append(f"{url}: {widest}")
    assert not too_many, f"drop-downs over {MAX_OPTIONS} options: {too_many}"
    assert walked >= 15
    # The pages of the finding are among them, and the activity sheet does not list the whole subtree.
    assert client.get(f"/orgs/{big_world.town_a.pk}/committee/").status_code == 200
    assert client.get(f"/members/new/?org={big_world.town_a.pk}").status_code == 200
    sheet = client.get(f"/community/activities/new/?org={big_world.town_a.pk}").content.decode()
    assert len(re.findall(r"<input\b", sheet)) < MAX_OPTIONS
    assert "/members/search/?within=" in sheet


def test_a_large_activity_sheet_takes_the_members_picked_by_search(big_world, client):
    client.force_login(big_world.town_organizer)
    picked = list(Member.objects.filter(name__startswith="赵").order_by("pk")[:3])
    data = {
        "state": "held",
        "held_on": "2026-06-01",
        "title": "清扫街道",
        "kind": "environment",
        "participants": ",".join(str(m.pk) for m in picked),
        "hours_each": "2",
    }
    response = client.post(f"/community/activities/new/?org={big_world.town_a.pk}", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    activity = VolunteerActivity.objects.get(title="清扫街道")
    assert sorted(activity.service.values_list("member_id", "hours")) == [(m.pk, 2) for m in picked]
    data["participants"] = str(big_world.wang.pk)  # township B: forged
    data["title"] = "伪造"
    response = client.post(f"/community/activities/new/?org={big_world.town_a.pk}", data)
    assert response.status_code == 200
    assert "请从搜索结果中选择" in response.content.decode()
    assert not VolunteerActivity.objects.filter(title="伪造").exists()


def test_the_committee_and_new_member_forms_carry_a_search_picker(big_world, client):
    client.force_login(big_world.organizer)
    html = client.get(f"/orgs/{big_world.town_a.pk}/committee/").content.decode()
    assert f'data-picker-url="/members/search/?status=full&amp;within={big_world.town_a.pk}"' in html
    html = client.get(f"/members/new/?org={big_world.branch_a1.pk}").content.decode()
    assert 'data-picker-url="/orgs/search/?not=party_group"' in html
    assert 'value="TA-001"' in html and "东街村党支部" in html  # the chosen one, with its label


def test_member_search_by_pinyin_initials_name_and_number_is_limited_and_scoped(big_world, client):
    client.force_login(big_world.town_organizer)
    found = client.get("/members/search/?q=zq").json()["results"]
    assert [r["label"] for r in found] == ["张强（东街村党支部）"]
    assert len(client.get("/members/search/?q=zhao").json()["results"]) == LIMIT
    assert client.get("/members/search/?q=赵00").json()["results"][0]["label"].startswith("赵00")
    by_number = client.get(f"/members/search/?q={big_world.zhang.pk}").json()["results"]
    assert by_number == [{"value": str(big_world.zhang.pk), "label": "张强（东街村党支部）"}]
    assert [r["label"] for r in client.get("/members/search/?q=ln").json()["results"]] == ["李娜（东街村党支部）"]
    assert client.get("/members/search/?q=ln&status=full").json()["results"] == []  # she is probationary
    # 王伟 is in township B: never found, not even by name or number.
    assert client.get("/members/search/?q=王伟").json()["results"] == []
    assert client.get("/members/search/?q=ww").json()["results"] == []
    assert client.get(f"/members/search/?q={big_world.wang.pk}").json()["results"] == []
    assert client.get(f"/members/search/?within={big_world.branch_b1.pk}").status_code == 404


def test_org_search_by_initials_name_and_code_is_limited_and_scoped(big_world, client):
    client.force_login(big_world.town_organizer)
    assert len(client.get("/orgs/search/?q=kjc").json()["results"]) == LIMIT
    assert client.get("/orgs/search/?q=ta-x007").json()["results"] == [
        {"value": "TA-X007", "label": "扩建村007党支部（TA-X007）"}
    ]
    assert client.get("/orgs/search/?q=东街").json()["results"][0]["value"] == "TA-001"
    assert client.get("/orgs/search/?q=河口").json()["results"] == []
    assert client.get("/orgs/search/?q=TB").json()["results"] == []
    values = [r["value"] for r in client.get("/orgs/search/?not=branch,party_group").json()["results"]]
    assert values == ["TA"]


def test_a_forged_member_outside_the_subtree_is_refused_in_chinese(big_world, client):
    client.force_login(big_world.town_organizer)
    url = f"/orgs/{big_world.town_a.pk}/committee/"
    for forged in (str(big_world.wang.pk), "abc"):
        response = client.post(url, {"member": forged, "post": "member", "started_on": "2026-01-01"})
        assert response.status_code == 200
        assert "请从搜索结果中选择" in response.content.decode()
    assert not CommitteeMember.objects.filter(member=big_world.wang).exists()


def test_without_javascript_a_code_typed_in_is_taken(big_world, client):
    client.force_login(big_world.town_organizer)
    data = {
        "org": " ta-002 ",  # typed by hand: codes are kept in upper case
        "name": "钱多",
        "id_number": factories.id_number(),
        "gender": "male",
        "birth_date": "1980-05-17",
        "ethnicity": "汉族",
        "status": "full",
        "joined_on": "2005-07-01",
        "full_member_on": "2006-07-01",
    }
    response = client.post("/members/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Member.objects.get(name="钱多").org == big_world.branch_a2
