"""Batched member creation: the same checks as one at a time, all or nothing, one audit event per member."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.core import audit
from dangjian.core.models import AuditChainHead, AuditEvent
from dangjian.core.services import BatchValidationError
from dangjian.members.models import Member, StandingChange
from dangjian.members.services import member_create, member_create_many
from tests import factories
from tests.support.audit import assert_no_audit_event


def data(n: int, **overrides):
    values = {
        "name": f"批量{n}",
        "id_number": factories.id_number(dt.date(1980, 1, 1) + dt.timedelta(days=n), "male"),
        "status": "full",
        "joined_on": dt.date(2010, 7, 1),
        "full_member_on": dt.date(2011, 7, 1),
        "phone": "13900000000",
    }
    values.update(overrides)
    return values


def test_a_batch_creates_members_with_history_and_one_chained_audit_event_each(world):
    before = AuditEvent.objects.count()
    created = member_create_many(actor=world.secretary, entries=[(world.branch_a1, data(n)) for n in range(30)])
    assert len(created) == 30 and all(m.pk for m in created)
    stored = Member.objects.filter(pk__in=[m.pk for m in created])
    assert stored.count() == 30
    first = stored.get(name="批量0")
    assert first.org_path == world.branch_a1.path
    assert first.name_pinyin.startswith("piliang")  # filled as save() would
    assert first.phone == "13900000000" and first.birth_date == dt.date(1980, 1, 1)
    kinds = StandingChange.objects.filter(member__in=stored).values_list("kind", flat=True)
    assert sorted(set(kinds)) == ["became_full", "joined"] and len(kinds) == 60
    events = AuditEvent.objects.filter(action="create", object_type="members.member").order_by("id")
    assert AuditEvent.objects.count() == before + 30
    assert [e.object_id for e in events.reverse()[:30]][::-1] == [str(m.pk) for m in created]
    head = AuditChainHead.objects.get()
    assert head.last_event_id == events.last().pk and head.hash == events.last().hash
    assert audit.verify_chain().ok


def test_single_and_batched_appends_interleave_on_one_chain(world):
    member_create(actor=world.secretary, org=world.branch_a1, data=data(100))
    member_create_many(actor=world.secretary, entries=[(world.branch_a1, data(n)) for n in range(101, 105)])
    member_create(actor=world.secretary, org=world.branch_a1, data=data(105))
    report = audit.verify_chain()
    assert report.ok, str(report)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"id_number": "410102199002030000"}, "id_number"),  # a wrong check digit
        ({"joined_on": dt.date(2999, 1, 1)}, "joined_on"),
        ({"status": "probationary"}, "full_member_on"),
        ({"phone": "123"}, "phone"),
    ],
)
def test_one_bad_entry_is_named_by_its_index_and_nothing_is_written(world, bad, field):
    entries = [(world.branch_a1, data(n)) for n in range(5)]
    entries[3] = (world.branch_a1, data(3, **bad))
    before = (Member.objects.count(), StandingChange.objects.count())
    with assert_no_audit_event(), pytest.raises(BatchValidationError) as caught:
        member_create_many(actor=world.secretary, entries=entries)
    assert list(caught.value.errors) == [3]
    assert field in caught.value.errors[3].message_dict
    assert (Member.objects.count(), StandingChange.objects.count()) == before


def test_an_id_number_registered_already_or_twice_in_the_batch_is_refused(world):
    twice = data(7)
    entries = [
        (world.branch_a1, data(6, id_number=world.zhang.id_number)),
        (world.branch_a1, twice),
        (world.branch_a1, dict(twice, name="重复")),
    ]
    with pytest.raises(BatchValidationError) as caught:
        member_create_many(actor=world.secretary, entries=entries)
    assert set(caught.value.errors) == {0, 2}
    assert "id_number" in caught.value.errors[0].message_dict
    assert "2" in caught.value.errors[2].message_dict["id_number"][0]  # names the first entry with the number
    assert not Member.objects.filter(name__startswith="批量").exists()


def test_members_cannot_be_created_in_a_party_group_or_a_dissolved_organization(world):
    group = factories.org(world.branch_a1, "一组", level="party_group")
    with pytest.raises(BatchValidationError) as caught:
        member_create_many(actor=world.secretary, entries=[(group, data(8))])
    assert "org" in caught.value.errors[0].message_dict
