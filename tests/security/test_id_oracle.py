"""Issue 13 item 2: no ID-number oracle across subtrees.

Registering a person by ID number (member API and form, member import preview, reserve cadre
service, API and import) with a number held by a record the user may not see gets one neutral
answer, whatever holds the number and wherever; it writes one ``id_collision`` audit event (the
user, the blind index, never the number) that the department's auditor reads; and it counts
against ``privacy.id_collisions_per_day`` (default 20), after which every registration by ID
number of that user is refused for the day, colliding or not. A number held inside the user's
subtree may still be named. All of it goes through ``members.collisions.Screening``.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.cadres.services import reserve_create
from dangjian.core import audit, crypto, excel
from dangjian.core.excel import pipeline
from dangjian.core.models import AuditEvent
from dangjian.core.services import parameter_set
from dangjian.members import collisions
from dangjian.members.models import Member
from tests import factories
from tests.cadres.reserve_world import SELECTED, make_villages
from tests.support.api import field_errors, zh
from tests.support.audit import assert_no_audit_event, assert_one_audit_event

pytestmark = pytest.mark.django_db

MEMBER_HEADER = ("姓名", "身份证号", "所属组织编码", "人员类别", "入党日期", "转正日期")
CADRE_HEADER = ("组织编码", "姓名", "身份证号", "学历", "确定时间", "选拔方式", "培养方向")


def neutral() -> str:
    with _zh():
        return collisions.outside_message()


def limit_reached(n: int = 20) -> str:
    with _zh():
        return collisions.limit_message(n)


def _zh():
    from django.utils import translation

    return translation.override("zh-hans")


def new_member(org_pk: int, number: str) -> dict:
    return {
        "org": org_pk,
        "name": "赵敏",
        "id_number": number,
        "status": "full",
        "joined_on": "2015-07-01",
        "full_member_on": "2016-07-01",
    }


def member_row(number: str, name: str = "赵敏", org_code: str = "TA-001") -> tuple:
    return (name, number, org_code, "正式党员", "2015-07-01", "2016-07-01")


def messages(outcome) -> list[str]:
    return [str(e) for e in outcome.errors]


def collisions_of(user) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor=user, action=collisions.COLLISION).order_by("id"))


# --- One attempt: neutral, audited, resolvable by the department ----------------------------------------


def test_an_outside_number_gets_the_neutral_answer_and_one_audit_event_without_the_number(world, api_as):
    outside = Member.objects.get(pk=world.wang.pk)  # 河口村党支部: not the secretary's subtree
    client = api_as(world.secretary)
    with assert_one_audit_event(collisions.COLLISION) as audited:
        response = client.post("/members", new_member(world.branch_a1.pk, outside.id_number))
    assert response.status_code == 422, response.content
    assert field_errors(response) == {"id_number": neutral()}
    assert "河口" not in response.content.decode() and "registered" not in response.content.decode()
    assert "请联系上级组织部门办理组织关系转接" in neutral()
    event = audited.event
    assert event.actor == world.secretary and event.outcome == AuditEvent.Outcome.FAILURE
    assert event.changes["id_hash"] == crypto.blind_index(outside.id_number)
    assert event.changes["holder"] == outside.pk  # the department finds the record to transfer
    stored = json.dumps(event.changes, ensure_ascii=False) + event.object_repr
    assert outside.id_number not in stored and outside.name not in stored
    # The department's auditor reads it (the secretary's branch is in the root's subtree).
    assert audit.events_visible_to(world.auditor).filter(pk=event.pk).exists()
    assert Member.objects.filter(id_number_hash=event.changes["id_hash"]).count() == 1  # nothing written


def test_a_number_inside_the_subtree_may_be_named_and_is_not_counted(world, api_as):
    with assert_no_audit_event(collisions.COLLISION):
        response = api_as(world.secretary).post("/members", new_member(world.branch_a1.pk, world.zhang.id_number))
    assert response.status_code == 422
    assert field_errors(response)["id_number"] == zh("A member with this ID number is already registered.")


def test_the_member_form_and_the_reserve_cadre_give_the_same_neutral_answer(world, client_for):
    outside = Member.objects.get(pk=world.wang.pk)
    page = client_for(world.secretary)
    with assert_one_audit_event(collisions.COLLISION):
        response = page.post(
            reverse("member-create"),
            {
                **new_member(world.branch_a1.pk, outside.id_number),
                "org": world.branch_a1.code,
                "ethnicity": "汉族",
                "gender": "",
                "birth_date": "",
            },
        )
    assert response.status_code == 200 and neutral() in response.content.decode()

    make_villages(world)
    data = {
        "name": "赵磊",
        "id_number": outside.id_number,  # a member elsewhere: no "this person is a party member"
        "education": "college",
        "selected_on": SELECTED,
        "source": "graduate",
        "planned_post": "committee",
    }
    with assert_one_audit_event(collisions.COLLISION) as audited:
        with pytest.raises(Exception) as caught:
            reserve_create(actor=world.secretary, org=world.branch_a1, data=data)
    assert caught.value.message_dict == {"id_number": [neutral()]}
    assert audited.event.object_type == "members.member"
    # A non-member cadre elsewhere gets the very same answer.
    elsewhere = reserve_create(actor=None, org=world.branch_b1, data={**data, "id_number": factories.id_number()})
    with assert_one_audit_event(collisions.COLLISION):
        with pytest.raises(Exception) as caught:
            reserve_create(actor=world.secretary, org=world.branch_a1, data={**data, "id_number": elsewhere.id_number})
    assert caught.value.message_dict == {"id_number": [neutral()]}
    # Inside the subtree the member is named as before.
    with assert_no_audit_event(collisions.COLLISION):
        with pytest.raises(Exception) as caught:
            reserve_create(
                actor=world.secretary, org=world.branch_a1, data={**data, "id_number": world.zhang.id_number}
            )
    assert caught.value.message_dict == {"id_number": [zh("This person is a party member: choose the member instead.")]}


def test_changing_a_members_number_to_an_outside_one_is_screened_too(world, api_as):
    outside = Member.objects.get(pk=world.wang.pk)
    client = api_as(world.secretary)
    with assert_one_audit_event(collisions.COLLISION):
        response = client.patch(f"/members/{world.li.pk}", {"id_number": outside.id_number})
    assert response.status_code == 422 and field_errors(response) == {"id_number": neutral()}


# --- The daily limit ----------------------------------------------------------------------------------


def test_the_21st_attempt_is_refused_and_then_every_registration_by_number(world, api_as):
    outside = Member.objects.get(pk=world.wang.pk).id_number
    client = api_as(world.secretary)
    for _ in range(20):
        response = client.post("/members", new_member(world.branch_a1.pk, outside))
        assert field_errors(response) == {"id_number": neutral()}
    assert len(collisions_of(world.secretary)) == 20
    with assert_one_audit_event(collisions.LIMIT_REFUSED):
        response = client.post("/members", new_member(world.branch_a1.pk, outside))
    assert field_errors(response) == {"id_number": limit_reached()}
    # A number registered nowhere gets the same refusal: past the limit nothing tells the two apart.
    fresh = factories.id_number(dt.date(1991, 1, 1))
    with assert_one_audit_event(collisions.LIMIT_REFUSED):
        response = client.post("/members", new_member(world.branch_a1.pk, fresh))
    assert field_errors(response) == {"id_number": limit_reached()}
    assert not Member.objects.filter(id_number_hash=crypto.blind_index(fresh)).exists()
    assert len(collisions_of(world.secretary)) == 20
    # Another user is not affected, and the count starts again the next day.
    other = api_as(world.town_organizer).post("/members", new_member(world.branch_a1.pk, fresh))
    assert other.status_code == 201


def test_the_limit_is_a_parameter_and_counts_per_day(world, api_as, time_machine):
    time_machine.move_to(timezone.make_aware(dt.datetime(2026, 3, 2, 9)), tick=False)
    parameter_set(actor=None, key=collisions.LIMIT_KEY, value=1, effective_from=dt.date(2026, 1, 1))
    outside = Member.objects.get(pk=world.wang.pk).id_number
    client = api_as(world.secretary)
    assert field_errors(client.post("/members", new_member(world.branch_a1.pk, outside))) == {"id_number": neutral()}
    refused = client.post("/members", new_member(world.branch_a1.pk, outside))
    assert field_errors(refused) == {"id_number": limit_reached(1)}
    time_machine.move_to(timezone.make_aware(dt.datetime(2026, 3, 3, 9)), tick=False)
    assert field_errors(client.post("/members", new_member(world.branch_a1.pk, outside))) == {"id_number": neutral()}


# --- Imports ------------------------------------------------------------------------------------------


def test_an_import_preview_is_neutral_counts_each_outside_row_and_names_inside_ones(world):
    template = excel.get("members")
    wang = Member.objects.get(pk=world.wang.pk)
    other = factories.member(world.branch_b1, "刘洋")
    fresh = factories.id_number(dt.date(1993, 4, 4))
    rows = [
        MEMBER_HEADER,
        member_row(wang.id_number),
        member_row(other.id_number, "刘洋"),
        member_row(fresh, "新人"),
    ]
    outcome = pipeline.run_values(template, rows, user=world.secretary)
    assert messages(outcome) == [f"第 2 行〈身份证号〉：{neutral()}", f"第 3 行〈身份证号〉：{neutral()}"]
    assert "河口" not in " ".join(messages(outcome))
    events = collisions_of(world.secretary)
    assert [e.changes["id_hash"] for e in events] == [wang.id_number_hash, other.id_number_hash]
    # The cadre register answers the same for a member elsewhere.
    make_villages(world)
    cadre_rows = [CADRE_HEADER, ("TA-001", "赵磊", wang.id_number, "大专", "2025-03-01", "大学生", "委员")]
    outcome = pipeline.run_values(excel.get("reserve_cadres"), cadre_rows, user=world.secretary)
    assert messages(outcome) == [f"第 2 行〈身份证号〉：{neutral()}"]
    assert len(collisions_of(world.secretary)) == 3


def test_an_import_with_more_outside_numbers_than_left_is_refused_as_a_whole_naming_no_row(world):
    parameter_set(actor=None, key=collisions.LIMIT_KEY, value=2, effective_from=dt.date(2020, 1, 1))
    outside = [factories.member(world.branch_b1, f"外{i}") for i in range(3)]
    rows = [
        MEMBER_HEADER,
        member_row(factories.id_number(), "新人"),
        *(member_row(m.id_number, m.name) for m in outside),
    ]
    with assert_one_audit_event(collisions.LIMIT_REFUSED) as audited:
        outcome = pipeline.run_values(excel.get("members"), rows, user=world.secretary)
    with _zh():
        assert messages(outcome) == [f"第 2 行：{collisions.file_message(2)}"]  # the first row, not a colliding one
    assert audited.event.changes["attempted"] == 3 and not collisions_of(world.secretary)
    # The refusal ends the day's tries: the next file, even a clean one, is refused too.
    clean = [MEMBER_HEADER, member_row(factories.id_number(), "新人")]
    outcome = pipeline.run_values(excel.get("members"), clean, user=world.secretary)
    assert messages(outcome) == [f"第 2 行：{limit_reached(2)}"]
