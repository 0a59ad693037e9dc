"""Pages as each persona sees them: rendering, forms with field-level messages, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.members.models import Member
from tests import factories


@pytest.mark.parametrize("name", ["home", "org-tree", "member-list", "org-warnings"])
def test_secretary_pages_render_in_chinese(world, client_for, name):
    response = client_for(world.secretary).get(reverse(name))
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_own_subtree_objects_are_reachable(world, client_for):
    client = client_for(world.secretary)
    for url in (
        reverse("org-detail", args=[world.branch_a1.pk]),
        reverse("member-detail", args=[world.zhang.pk]),
        reverse("member-edit", args=[world.zhang.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_the_id_number_is_masked_on_the_member_page(world, client_for):
    body = client_for(world.organizer).get(reverse("member-detail", args=[world.zhang.pk])).content.decode()
    assert world.zhang.id_number_masked in body
    assert world.zhang.id_number not in body


def test_edit_form_never_sends_the_full_id_number(world, client_for):
    body = client_for(world.secretary).get(reverse("member-edit", args=[world.zhang.pk])).content.decode()
    assert world.zhang.id_number not in body


def test_an_organizer_reveals_the_id_number_and_the_reveal_is_logged(world, client_for):
    response = client_for(world.organizer).post(reverse("member-reveal-id", args=[world.zhang.pk]))
    assert world.zhang.id_number in response.content.decode()
    assert AuditEvent.objects.filter(action="view_sensitive", actor=world.organizer).count() == 1


def test_a_secretary_may_not_reveal_someone_elses_id_number(world, client_for):
    response = client_for(world.secretary).post(reverse("member-reveal-id", args=[world.zhang.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="view_sensitive").exists()


def test_a_member_sees_their_own_record_and_nothing_else(world, client_for):
    client = client_for(world.member_user)
    response = client.get(reverse("member-me"))
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert client.get(reverse("member-detail", args=[world.li.pk])).status_code == 404
    assert client.get(reverse("member-edit", args=[world.zhang.pk])).status_code == 404


def test_editing_a_member_with_a_bad_value_names_the_field_and_writes_nothing(world, client_for):
    client = client_for(world.secretary)
    url = reverse("member-edit", args=[world.zhang.pk])
    response = client.post(
        url,
        {
            "name": "张强",
            "status": "full",
            "joined_on": "2005-07-01",
            "full_member_on": "2004-07-01",
            "ethnicity": "汉族",
            "version": 1,
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "转正" in body or "full" in body
    assert "invalid-feedback" in body
    assert Member.objects.get(pk=world.zhang.pk).full_member_on == dt.date(2006, 7, 1)
    assert not AuditEvent.objects.filter(action="update").exists()


def test_editing_a_member_saves_and_audits(world, client_for):
    client = client_for(world.secretary)
    url = reverse("member-edit", args=[world.zhang.pk])
    response = client.post(
        url,
        {
            "name": "张强",
            "status": "full",
            "joined_on": "2005-07-01",
            "gender": "male",
            "birth_date": "1980-05-17",
            "full_member_on": "2006-07-01",
            "ethnicity": "汉族",
            "education": "bachelor",
            "occupation": "村医",
            "version": 1,
        },
    )
    assert response.status_code == 302
    assert Member.objects.get(pk=world.zhang.pk).occupation == "村医"
    page = client.get(reverse("member-detail", args=[world.zhang.pk])).content.decode()
    assert "村医" in page and 'id="change-log"' in page


def test_a_stale_form_is_refused_with_a_clear_message(world, client_for):
    client = client_for(world.secretary)
    url = reverse("member-edit", args=[world.zhang.pk])
    form = {
        "name": "张强",
        "status": "full",
        "joined_on": "2005-07-01",
        "full_member_on": "2006-07-01",
        "ethnicity": "汉族",
        "gender": "male",
        "birth_date": "1980-05-17",
        "education": "bachelor",
        "version": 1,
    }
    assert client.post(url, {**form, "occupation": "甲"}).status_code == 302
    response = client.post(url, {**form, "occupation": "乙"})
    assert response.status_code == 200
    assert "reload" in response.content.decode().lower() or "重新" in response.content.decode()
    assert Member.objects.get(pk=world.zhang.pk).occupation == "甲"


def test_creating_a_member_in_a_branch(world, client_for):
    client = client_for(world.secretary)
    number = factories.id_number(dt.date(1995, 1, 2), "female")
    response = client.post(
        reverse("member-create"),
        {
            "org": world.branch_a1.code,
            "name": "陈红",
            "id_number": number,
            "status": "probationary",
            "joined_on": "2025-06-01",
            "ethnicity": "汉族",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    member = Member.objects.get(name="陈红")
    assert (member.birth_date, member.gender, member.org) == (dt.date(1995, 1, 2), "female", world.branch_a1)


def test_a_secretary_cannot_create_a_member_in_a_sibling_branch(world, client_for):
    client = client_for(world.secretary)
    response = client.post(
        reverse("member-create"),
        {
            "org": world.branch_b1.code,
            "name": "陈红",
            "id_number": factories.id_number(),
            "status": "probationary",
            "joined_on": "2025-06-01",
            "ethnicity": "汉族",
        },
    )
    assert response.status_code == 200
    assert not Member.objects.filter(name="陈红").exists()


def test_organizer_moves_and_edits_the_tree_through_the_ui(world, client_for):
    client = client_for(world.organizer)
    response = client.post(
        reverse("org-move", args=[world.branch_a2.pk]), {"new_parent": world.town_b.code, "on": "2026-11-01"}
    )
    assert response.status_code == 302
    world.branch_a2.refresh_from_db()
    assert world.branch_a2.parent == world.town_b
    assert client_for(world.secretary).get(reverse("org-detail", args=[world.branch_a2.pk])).status_code == 404


def test_a_secretary_cannot_edit_the_tree(world, client_for):
    client = client_for(world.secretary)
    assert client.get(reverse("org-edit", args=[world.branch_a1.pk])).status_code == 404


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_member_list_queries_do_not_grow_with_page_or_subtree_size(world, client_for):
    client = client_for(world.organizer)
    small = queries_for(client, reverse("member-list") + f"?org={world.town_b.pk}")
    for i in range(60):
        factories.member(world.branch_b1 if i % 2 else world.branch_a2, f"新党员{i}")
    big = queries_for(client, reverse("member-list") + f"?org={world.root.pk}")
    assert big == small


def test_organization_page_queries_do_not_grow_with_the_subtree(world, client_for):
    client = client_for(world.organizer)
    small = queries_for(client, reverse("org-detail", args=[world.town_b.pk]))
    for i in range(5):
        branch = factories.org(world.town_b, f"新支部{i}")
        for j in range(3):
            factories.member(branch, f"党员{i}{j}")
    assert queries_for(client, reverse("org-detail", args=[world.town_b.pk])) == small
    # The root has no ancestors to fetch, so it may be one query cheaper — never dearer.
    assert queries_for(client, reverse("org-detail", args=[world.root.pk])) <= small
