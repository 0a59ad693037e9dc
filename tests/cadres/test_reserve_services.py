"""Reserve cadre services: every invariant refused with the field named and nothing written; one
audit event per success; the ID number encrypted and masked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.cadres import services
from dangjian.cadres.models import ReserveAssessment, ReserveCadre
from dangjian.core import crypto
from dangjian.core.models import AuditEvent
from tests import factories
from tests.cadres.reserve_world import SELECTED, make_villages, of_member, outsider

pytestmark = pytest.mark.django_db


@pytest.fixture
def villages(world):
    make_villages(world)
    return world


def _events(cadre):
    return AuditEvent.objects.filter(object_type="members.reservecadre", object_id=str(cadre.pk))


def test_non_member_is_stored_encrypted_with_birth_and_gender_from_the_id(villages):
    number = factories.id_number(dt.date(1998, 6, 1), "female", region="410103")
    cadre = outsider(villages.branch_a1, id_number=number, birth_date=None, gender="")
    row = ReserveCadre.objects.get(pk=cadre.pk)
    assert row.birth_date == dt.date(1998, 6, 1) and row.gender == "female"
    assert number not in row.id_number_enc and row.id_number == number
    assert row.id_number_hash == crypto.blind_index(number)
    assert row.id_number_masked != number and row.id_number_masked.endswith(number[-2:])
    assert "13800001111" not in row.phone_enc and row.phone_masked == "138****1111"
    assert row.org_path == villages.branch_a1.path
    (event,) = _events(cadre)
    assert event.action == "create" and number not in str(event.changes)


def test_member_cadre_reads_the_member(villages):
    cadre = of_member(villages.branch_a1, villages.li)
    assert cadre.person_name == "李娜" and cadre.person_gender == "female"
    assert cadre.person_birth_date == dt.date(1992, 3, 8)
    assert cadre.name == "" and cadre.id_number_enc == "" and cadre.id_number_hash is None


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": ""}, "name"),
        ({"id_number": "110101199001011234"}, "id_number"),
        ({"education": "nonsense"}, "education"),
        ({"phone": "12345"}, "phone"),
        ({"selected_on": dt.date(2999, 1, 1)}, "selected_on"),
        ({"source": "lottery"}, "source"),
        ({"planned_post": "mayor"}, "planned_post"),
        ({"mentor": "长" * 65}, "mentor"),
    ],
)
def test_invalid_fields_are_refused_naming_the_field(villages, change, field):
    with pytest.raises(ValidationError) as exc:
        outsider(villages.branch_a1, **change)
    assert field in exc.value.message_dict
    assert (
        not ReserveCadre.objects.exists()
        and not AuditEvent.objects.filter(action="create", object_type="members.reservecadre").exists()
    )


def test_only_a_village_or_community_keeps_reserve_cadres(villages):
    with pytest.raises(ValidationError) as exc:
        outsider(villages.town_a)
    assert "org" in exc.value.message_dict


def test_a_member_in_another_village_pool_is_refused(villages):
    of_member(villages.branch_a1, villages.zhang)
    with pytest.raises(ValidationError) as exc:
        of_member(villages.branch_a1, villages.zhang)
    assert "东街村党支部" in exc.value.message_dict["member"][0]
    assert ReserveCadre.objects.count() == 1


def test_a_member_of_another_village_is_refused(villages):
    with pytest.raises(ValidationError) as exc:
        of_member(villages.branch_a2, villages.zhang)
    assert "member" in exc.value.message_dict


def test_a_party_member_cannot_be_entered_as_a_non_member(villages):
    with pytest.raises(ValidationError) as exc:
        services.reserve_create(
            actor=None,
            org=villages.branch_a1,
            data={
                "name": "张强",
                "id_number": villages.zhang.id_number,
                "education": "senior",
                "selected_on": SELECTED,
                "source": "local",
                "planned_post": "committee",
            },
        )
    assert "id_number" in exc.value.message_dict


def test_the_same_person_twice_is_refused(villages):
    first = outsider(villages.branch_a1)
    with pytest.raises(ValidationError) as exc:
        outsider(villages.branch_b1, id_number=first.id_number)
    assert "id_number" in exc.value.message_dict


def test_update_audits_masked_secrets_and_checks_the_version(villages):
    cadre = outsider(villages.branch_a1)
    diff = services.reserve_update(
        actor=None, cadre=cadre, data={"mentor": "王书记", "phone": "13900002222"}, expected_version=1
    )
    assert diff["mentor"] == ["", "王书记"] and diff["phone"] == ["138****1111", "139****2222"]
    cadre = ReserveCadre.objects.get(pk=cadre.pk)
    assert cadre.mentor == "王书记" and cadre.version == 2 and cadre.phone == "13900002222"
    event = _events(cadre).get(action="update")
    assert "13900002222" not in str(event.changes)
    with pytest.raises(ValidationError):
        services.reserve_update(actor=None, cadre=cadre, data={"mentor": "李"}, expected_version=1)


def test_appoint_leaves_the_pool_and_frees_the_member(villages):
    cadre = of_member(villages.branch_a1, villages.zhang)
    with pytest.raises(ValidationError) as exc:
        services.reserve_appoint(actor=None, cadre=cadre, on=dt.date(2024, 1, 1), post="村委会委员")
    assert "appointed_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.reserve_appoint(actor=None, cadre=cadre, on=dt.date(2025, 6, 1), post="")
    assert "appointed_to" in exc.value.message_dict
    services.reserve_appoint(actor=None, cadre=cadre, on=dt.date(2025, 6, 1), post="村委会委员")
    cadre.refresh_from_db()
    assert cadre.state == "appointed" and cadre.appointed_to == "村委会委员"
    assert _events(cadre).filter(action="reserve_appoint").count() == 1
    with pytest.raises(ValidationError) as exc:
        services.reserve_drop(actor=None, cadre=cadre, on=dt.date(2025, 7, 1), reason="外出")
    assert "state" in exc.value.message_dict
    of_member(villages.branch_a1, villages.zhang)  # may be selected again


def test_drop_needs_a_reason(villages):
    cadre = outsider(villages.branch_a1)
    with pytest.raises(ValidationError) as exc:
        services.reserve_drop(actor=None, cadre=cadre, on=dt.date(2025, 6, 1), reason=" ")
    assert "drop_reason" in exc.value.message_dict
    services.reserve_drop(actor=None, cadre=cadre, on=dt.date(2025, 6, 1), reason="外出务工")
    cadre.refresh_from_db()
    assert cadre.state == "dropped" and cadre.dropped_on == dt.date(2025, 6, 1)


def test_one_assessment_per_year_corrected_in_place(villages):
    cadre = outsider(villages.branch_a1)
    services.reserve_assess(actor=None, cadre=cadre, year=2025, rating="competent")
    services.reserve_assess(actor=None, cadre=cadre, year=2025, rating="excellent", note="表现突出")
    (row,) = ReserveAssessment.objects.filter(cadre=cadre)
    assert row.rating == "excellent" and row.note == "表现突出"
    assert _events(cadre).filter(action="reserve_assess").count() == 2
    with pytest.raises(ValidationError) as exc:
        services.reserve_assess(actor=None, cadre=cadre, year=2020, rating="excellent")
    assert "year" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.reserve_assess(actor=None, cadre=cadre, year=2025, rating="great")
    assert "rating" in exc.value.message_dict


def test_reveal_is_logged(villages):
    cadre = outsider(villages.branch_a1)
    assert services.reveal_id_number(actor=villages.organizer, cadre=cadre) == cadre.id_number
    assert _events(cadre).filter(action="view_sensitive").count() == 1
