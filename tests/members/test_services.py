import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from dangjian.core import crypto
from dangjian.core.models import AuditEvent
from dangjian.members.models import Member, StandingChange
from dangjian.members.services import member_create, member_update, reveal_id_number
from tests import factories
from tests.support.audit import assert_no_audit_event, assert_one_audit_event


def base_data(**overrides):
    data = {
        "name": "赵敏",
        "id_number": factories.id_number(dt.date(1990, 2, 3), "female"),
        "status": "probationary",
        "joined_on": dt.date(2025, 1, 1),
        "education": "master",
    }
    data.update(overrides)
    return data


def test_create_fills_birth_date_and_gender_from_the_id_number(world):
    member = member_create(actor=world.secretary, org=world.branch_a1, data=base_data())
    assert member.birth_date == dt.date(1990, 2, 3)
    assert member.gender == "female"
    assert member.org_path == world.branch_a1.path
    assert StandingChange.objects.filter(member=member, kind="joined").exists()


def test_the_id_number_is_encrypted_at_rest_and_found_by_its_blind_index(world):
    number = factories.id_number(dt.date(1990, 2, 3), "female")
    member = member_create(
        actor=world.secretary, org=world.branch_a1, data=base_data(id_number=number, phone="13812345678")
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_enc, phone_enc FROM members_member WHERE id = %s", [member.pk])
        raw_id, raw_phone = cursor.fetchone()
    assert number not in raw_id and "13812345678" not in raw_phone
    assert raw_id.startswith("sm4gcm:")
    assert Member.objects.get(id_number_hash=crypto.blind_index(number)) == member
    assert Member.objects.get(pk=member.pk).id_number == number
    assert member.id_number_masked == number[:2] + "*" * 14 + number[-2:]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "410102199002030000"}, "id_number"),
        ({"birth_date": dt.date(1990, 2, 4)}, "birth_date"),
        ({"gender": "male"}, "gender"),
        ({"status": "full"}, "full_member_on"),
        ({"full_member_on": dt.date(2025, 6, 1)}, "full_member_on"),
        ({"joined_on": dt.date(2000, 1, 1)}, "joined_on"),
        ({"joined_on": dt.date(2999, 1, 1)}, "joined_on"),
        ({"phone": "12345"}, "phone"),
        ({"mobile": True}, "mobile_destination"),
    ],
)
def test_bad_values_name_the_field_in_chinese_and_write_nothing(world, overrides, field):
    before = Member.objects.count()
    with assert_no_audit_event(), translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        member_create(actor=world.secretary, org=world.branch_a1, data=base_data(**overrides))
    assert field in exc.value.message_dict
    assert Member.objects.count() == before


def test_the_same_id_number_cannot_be_registered_twice(world):
    with pytest.raises(ValidationError) as exc:
        member_create(
            actor=world.organizer,
            org=world.branch_b1,
            data=base_data(id_number=world.zhang.id_number, gender="male", birth_date=None),
        )
    assert "id_number" in exc.value.message_dict


def test_update_audits_the_changed_fields_and_hides_secrets(world):
    member = Member.objects.get(pk=world.zhang.pk)
    with assert_one_audit_event("update") as audited:
        diff = member_update(actor=world.secretary, member=member, data={"occupation": "农民", "phone": "13900001111"})
    assert set(diff) == {"occupation", "phone_enc"}
    event = audited.event
    assert event.object_id == str(member.pk)
    assert event.changes["occupation"] == ["", "农民"]
    assert "13900001111" not in str(event.changes)
    assert event.actor == world.secretary
    assert Member.objects.get(pk=member.pk).phone == "13900001111"


def test_an_unchanged_save_writes_no_event(world):
    member = Member.objects.get(pk=world.zhang.pk)
    with assert_no_audit_event():
        assert member_update(actor=world.secretary, member=member, data={"name": "张强"}) == {}


def test_the_second_of_two_concurrent_edits_is_refused(world):
    first = Member.objects.get(pk=world.zhang.pk)
    second = Member.objects.get(pk=world.zhang.pk)
    member_update(actor=world.secretary, member=first, data={"occupation": "教师"}, expected_version=1)
    with pytest.raises(ValidationError) as exc:
        member_update(actor=world.organizer, member=second, data={"occupation": "医生"}, expected_version=1)
    assert exc.value.code == "stale"
    assert Member.objects.get(pk=world.zhang.pk).occupation == "教师"


def test_becoming_full_adds_to_the_standing_history(world):
    member = Member.objects.get(pk=world.li.pk)
    member_update(
        actor=world.secretary,
        member=member,
        data={"status": "full", "full_member_on": dt.date(2026, 12, 1) - dt.timedelta(days=30)},
    )
    assert StandingChange.objects.filter(member=member, kind="became_full").count() == 1


def test_revealing_an_id_number_is_logged(world):
    assert reveal_id_number(actor=world.organizer, member=world.zhang) == world.zhang.id_number
    event = AuditEvent.objects.get(action="view_sensitive")
    assert (event.actor, event.object_id) == (world.organizer, str(world.zhang.pk))


def test_a_changed_birth_date_or_gender_is_checked_against_the_stored_id_number(world):
    member = Member.objects.get(pk=world.zhang.pk)
    with pytest.raises(ValidationError) as exc:
        member_update(
            actor=world.secretary, member=member, data={"birth_date": dt.date(1985, 1, 1), "gender": "female"}
        )
    assert {"birth_date", "gender"} <= set(exc.value.message_dict)


@pytest.mark.parametrize("day", [dt.date(9999, 12, 31), dt.date(1, 1, 1)])
def test_absurd_dates_are_refused_without_crashing(world, day):
    with pytest.raises(ValidationError) as exc:
        member_create(actor=world.secretary, org=world.branch_a1, data=base_data(joined_on=day))
    assert "joined_on" in exc.value.message_dict
