"""The committee of an organization: dated seats, their invariants, their audit, and the query of a day."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.models import AuditEvent
from dangjian.organizations.models import CommitteeMember, Organization
from dangjian.organizations.queries import committee_on, committee_seats, has_committee
from dangjian.organizations.services import committee_member_add, committee_member_end
from tests import factories

DAY = dt.date(2024, 3, 1)


def _events():
    return AuditEvent.objects.filter(object_type="organizations.committeemember").count()


def test_adding_a_seat_writes_it_and_exactly_one_audit_event(world):
    seat = committee_member_add(
        actor=world.secretary, org=world.branch_a1, member=world.zhang, post="member", started_on=DAY
    )
    assert seat.org_path == world.branch_a1.path
    event = AuditEvent.objects.get(object_type="organizations.committeemember", object_id=str(seat.pk))
    assert event.action == "create"
    assert event.actor == world.secretary
    assert event.changes["post"] == [None, "member"]
    assert _events() == 1


def test_a_secretary_seat_becomes_the_organizations_secretary_and_ending_it_clears_it(world):
    seat = committee_member_add(actor=None, org=world.branch_a1, member=world.zhang, post="secretary", started_on=DAY)
    assert Organization.objects.get(pk=world.branch_a1.pk).secretary_id == world.zhang.pk
    committee_member_end(actor=None, seat=seat, ended_on=dt.date(2025, 1, 1))
    assert Organization.objects.get(pk=world.branch_a1.pk).secretary_id is None
    assert _events() == 2


def _refused(field, **kwargs):
    before = (CommitteeMember.objects.count(), _events())
    with pytest.raises(ValidationError) as exc:
        committee_member_add(actor=None, **kwargs)
    assert field in exc.value.message_dict, exc.value.message_dict
    assert (CommitteeMember.objects.count(), _events()) == before


def test_a_member_of_another_organization_is_refused(world):
    _refused("member", org=world.branch_a1, member=world.wang, post="member", started_on=DAY)


def test_a_member_who_had_not_joined_by_the_start_date_is_refused(world):
    late = factories.member(world.branch_a1, "赵六", joined_on=dt.date(2024, 6, 1), full_member_on=dt.date(2025, 6, 1))
    _refused("member", org=world.branch_a1, member=late, post="member", started_on=DAY)


def test_a_probationary_member_cannot_sit_on_a_committee(world):
    _refused("member", org=world.branch_a1, member=world.li, post="member", started_on=dt.date(2026, 1, 5))


def test_a_committee_above_a_branch_takes_members_of_its_subtree(world):
    seat = committee_member_add(actor=None, org=world.town_a, member=world.zhang, post="secretary", started_on=DAY)
    assert seat.org == world.town_a
    _refused("member", org=world.town_a, member=world.wang, post="member", started_on=DAY)


def test_one_open_seat_per_member_and_no_overlap_with_an_ended_one(world):
    seat = committee_member_add(actor=None, org=world.branch_a1, member=world.zhang, post="member", started_on=DAY)
    _refused("member", org=world.branch_a1, member=world.zhang, post="propaganda", started_on=DAY)
    committee_member_end(actor=None, seat=seat, ended_on=dt.date(2024, 6, 1))
    _refused("member", org=world.branch_a1, member=world.zhang, post="propaganda", started_on=dt.date(2024, 5, 1))
    again = committee_member_add(
        actor=None, org=world.branch_a1, member=world.zhang, post="propaganda", started_on=dt.date(2024, 6, 1)
    )
    assert again.pk != seat.pk
    assert CommitteeMember.objects.filter(org=world.branch_a1).count() == 2  # history kept


def test_at_most_one_open_secretary(world):
    other = factories.member(world.branch_a1, "刘洋")
    committee_member_add(actor=None, org=world.branch_a1, member=world.zhang, post="secretary", started_on=DAY)
    _refused("post", org=world.branch_a1, member=other, post="secretary", started_on=DAY)


def test_dates_must_be_ordered_and_not_in_the_future(world):
    _refused("started_on", org=world.branch_a1, member=world.zhang, post="member", started_on=dt.date(2999, 1, 1))
    seat = committee_member_add(actor=None, org=world.branch_a1, member=world.zhang, post="member", started_on=DAY)
    before = _events()
    for day in (DAY, DAY - dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as exc:
            committee_member_end(actor=None, seat=seat, ended_on=day)
        assert "ended_on" in exc.value.message_dict
    assert CommitteeMember.objects.get(pk=seat.pk).ended_on is None
    assert _events() == before
    committee_member_end(actor=None, seat=seat, ended_on=DAY + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        committee_member_end(actor=None, seat=seat, ended_on=DAY + dt.timedelta(days=2))
    assert "ended_on" in exc.value.message_dict


def test_a_party_group_has_no_committee(world):
    group = factories.org(world.branch_a1, "第一党小组", level="party_group")
    _refused("org", org=group, member=world.zhang, post="member", started_on=DAY)


def test_the_committee_of_a_day_counts_seats_started_by_then_and_not_yet_ended(world):
    a, b, c = world.zhang, factories.member(world.branch_a1, "刘洋"), factories.member(world.branch_a1, "陈静")
    committee_member_add(actor=None, org=world.branch_a1, member=a, post="secretary", started_on=DAY)
    seat_b = committee_member_add(actor=None, org=world.branch_a1, member=b, post="member", started_on=DAY)
    committee_member_add(actor=None, org=world.branch_a1, member=c, post="member", started_on=dt.date(2024, 9, 1))
    committee_member_end(actor=None, seat=seat_b, ended_on=dt.date(2024, 6, 1))
    assert committee_on(world.branch_a1, DAY - dt.timedelta(days=1)) == set()
    assert committee_on(world.branch_a1, dt.date(2024, 5, 31)) == {a.pk, b.pk}
    assert committee_on(world.branch_a1, dt.date(2024, 6, 1)) == {a.pk}
    assert committee_on(world.branch_a1, dt.date(2024, 9, 1)) == {a.pk, c.pk}
    seats = list(committee_seats(world.branch_a1))
    assert [s.member_id for s in seats] == [a.pk, c.pk, b.pk]  # current (secretary first), then history
    assert has_committee(world.branch_a1)
    assert not has_committee(world.branch_a2)
