"""Writes: every service refuses bad input with a message naming the field, writes nothing then,
and records exactly one audit event for what it did."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dangjian.community import services
from dangjian.community.models import MemberCheckIn, ServiceHours, VolunteerActivity
from dangjian.community.services import ServiceIn
from dangjian.core.models import AuditEvent
from dangjian.core.services import ConcurrentEditError, parameter_set
from tests import factories
from tests.factories import activity
from tests.support.audit import assert_no_audit_event, assert_one_audit_event

D = dt.date


def refused(call, field) -> str:
    with pytest.raises(ValidationError) as info:
        call()
    return " ".join(info.value.message_dict[field])


def checkin(w, member=None, org=None, **data):
    fields = {"checked_in_on": D(2026, 3, 1), "offers": "patrol"}
    fields.update(data)
    return lambda: services.checkin_create(
        actor=w.community_secretary, member=member or w.zhao, org=org or w.community, data=fields
    )


# --- Check-ins ------------------------------------------------------------------------------------------
def test_a_checkin_is_recorded_with_one_audit_event(place):
    with assert_one_audit_event("create", object_type="community.membercheckin") as audited:
        c = checkin(place)()
    assert c.org_path == place.community.path and c.is_open
    event = audited.event
    assert event.changes["member"] == [None, place.zhao.pk]


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"checked_in_on": D(2026, 6, 21)}, "checked_in_on", "未来"),
        ({"checked_in_on": D(2004, 1, 1)}, "checked_in_on", "入党"),
        ({"checked_in_on": None}, "checked_in_on", "报到日期"),
        ({"offers": "dance"}, "offers", "服务意向"),
    ],
)
def test_bad_checkin_fields_are_refused_and_named(place, data, field, words):
    with assert_no_audit_event():
        message = refused(checkin(place, **data), field)
    assert words in message
    assert not MemberCheckIn.objects.exists()


def test_a_member_checks_in_to_a_community_only(place):
    message = refused(checkin(place, org=place.branch_a1), "org")
    assert "东街村党支部" in message and "社区" in message
    assert not MemberCheckIn.objects.exists()


def test_a_member_of_the_community_does_not_check_in_to_it(place):
    message = refused(checkin(place, member=place.sun), "member")
    assert "孙丽" in message and "东街社区党支部" in message
    assert not MemberCheckIn.objects.exists()


def test_one_open_checkin_per_member(place):
    checkin(place)()
    other = factories.org(place.town_a, "西街社区党支部", sector="community")
    message = refused(checkin(place, org=other, checked_in_on=D(2026, 5, 1)), "member")
    assert "东街社区党支部" in message and "2026-03-01" in message
    assert MemberCheckIn.objects.count() == 1


def test_a_checkin_ends_after_it_started_and_not_in_the_future(checked_in):
    w = checked_in
    c = w.checkin
    assert "2026-03-01" in refused(
        lambda: services.checkin_end(actor=w.community_secretary, checkin=c, ended_on=D(2026, 3, 1)), "ended_on"
    )
    assert refused(
        lambda: services.checkin_end(actor=w.community_secretary, checkin=c, ended_on=D(2026, 7, 1)), "ended_on"
    )
    with assert_one_audit_event():
        services.checkin_end(actor=w.community_secretary, checkin=c, ended_on=D(2026, 6, 1))
    c.refresh_from_db()
    assert c.ended_on == D(2026, 6, 1) and not c.is_open and c.version == 2
    # ended: a new check-in elsewhere may start on or after that day, not before
    assert "2026-06-01" in refused(checkin(w, checked_in_on=D(2026, 5, 20)), "checked_in_on")
    checkin(w, checked_in_on=D(2026, 6, 1))()
    assert MemberCheckIn.objects.filter(member=w.zhao).count() == 2


def test_a_checkin_cannot_end_before_the_member_served_there_as_one_checked_in(checked_in):
    w = checked_in
    activity(w, sheet=[(w.zhao, "2")])
    message = refused(
        lambda: services.checkin_end(actor=w.community_secretary, checkin=w.checkin, ended_on=D(2026, 6, 1)),
        "ended_on",
    )
    assert "2026-06-06" in message
    services.checkin_end(actor=w.community_secretary, checkin=w.checkin, ended_on=D(2026, 6, 7))


def test_checkin_update_changes_the_offer_with_its_version(checked_in):
    w = checked_in
    diff = services.checkin_update(actor=w.community_secretary, checkin=w.checkin, data={"offers": "policy"})
    assert diff == {"offers": ["care", "policy"]}
    with pytest.raises(ConcurrentEditError):
        services.checkin_update(actor=w.community_secretary, checkin=w.checkin, data={"note": "x"}, expected_version=1)
    assert services.checkin_update(actor=w.community_secretary, checkin=w.checkin, data={"offers": "policy"}) == {}


# --- Activities and service sheets ------------------------------------------------------------------------
def test_an_activity_with_its_sheet_is_one_audit_event_and_copies_paths_and_day(checked_in):
    w = checked_in
    with assert_one_audit_event("create") as audited:
        a = activity(w, sheet=[(w.sun, "2"), (w.zhao, Decimal("1.5"))])
    assert audited.event.changes["service"] == [None, {"people": 2, "hours": "3.5"}]
    rows = {r.member_id: r for r in ServiceHours.objects.filter(activity=a)}
    assert rows[w.zhao.pk].org_path == w.agency.path and rows[w.zhao.pk].activity_path == w.community.path
    assert rows[w.sun.pk].org_path == w.community.path and rows[w.sun.pk].held_on == D(2026, 6, 6)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"held_on": D(2026, 6, 21)}, "held_on", "未来"),
        ({"title": " "}, "title", "名称"),
        ({"kind": "party"}, "kind", "类型"),
        ({"state": "cancelled"}, "state", "取消"),
        ({"place": "地" * 101}, "place", "100"),
    ],
)
def test_bad_activity_fields_are_refused_and_named(place, data, field, words):
    with assert_no_audit_event():
        message = refused(lambda: activity(place, **data), field)
    assert words in message
    assert not VolunteerActivity.objects.exists()


@pytest.mark.parametrize(
    ("hours", "words"),
    [("0", "大于 0"), ("-1", "大于 0"), ("1.25", "一位小数"), ("两小时", "数字"), ("13", "12")],
)
def test_bad_hours_are_refused_on_the_sheet(place, hours, words):
    message = refused(lambda: activity(place, sheet=[(place.sun, hours)]), "service")
    assert words in message
    assert not VolunteerActivity.objects.exists() and not ServiceHours.objects.exists()


def test_the_daily_maximum_counts_every_activity_of_that_day_and_is_a_rule(place):
    activity(place, sheet=[(place.sun, "8")])
    message = refused(lambda: activity(place, title="巡逻", sheet=[(place.sun, "5")]), "service")
    assert "孙丽" in message and "12" in message
    parameter_set(actor=None, key="community.max_hours_per_day", value=14, effective_from=D(2026, 1, 1))
    activity(place, title="巡逻", sheet=[(place.sun, "5")])
    assert ServiceHours.objects.filter(member=place.sun).count() == 2


def test_only_members_of_the_subtree_or_checked_in_that_day_may_be_on_the_sheet(checked_in):
    w = checked_in
    message = refused(lambda: activity(w, sheet=[(w.wang, "2")]), "service")
    assert f"#{w.wang.pk}" in message and w.wang.name not in message  # no name of someone out of sight
    # 赵敏 checked in on 1 March: not on a sheet of February
    assert f"#{w.zhao.pk}" in refused(lambda: activity(w, held_on=D(2026, 2, 20), sheet=[(w.zhao, "2")]), "service")
    # the township holding an activity may list the community's members and those checked in below it
    a = activity(w, org=w.town_a, sheet=[(w.sun, "1"), (w.zhao, "1"), (w.zhang, "1")])
    assert ServiceHours.objects.filter(activity=a).count() == 3


def test_hours_are_recorded_only_for_held_activities(place):
    message = refused(
        lambda: activity(place, held_on=D(2026, 7, 1), state="planned", sheet=[(place.sun, "2")]), "service"
    )
    assert "举办" in message
    planned = activity(place, held_on=D(2026, 7, 1), state="planned")
    message = refused(
        lambda: services.service_record(actor=None, activity=planned, service=[ServiceIn(place.sun.pk, 2)]), "service"
    )
    assert not ServiceHours.objects.exists()


def test_service_record_replaces_the_sheet_with_one_audit_event_naming_the_changes(checked_in):
    w = checked_in
    a = activity(w, sheet=[(w.sun, "2"), (w.zhao, "1")])
    zhou = factories.member(w.community, "周杰", birth=D(1981, 1, 1))
    with assert_one_audit_event():
        diff = services.service_record(
            actor=w.community_secretary, activity=a, service=[ServiceIn(w.sun.pk, "2"), ServiceIn(zhou.pk, "3")]
        )
    assert diff["service_changes"] == [[w.zhao.pk, "1.0", None], [zhou.pk, None, "3.0"]]
    assert diff["service"] == [{"people": 2, "hours": "3.0"}, {"people": 2, "hours": "5.0"}]
    assert dict(ServiceHours.objects.filter(activity=a).values_list("member_id", "hours")) == {
        w.sun.pk: Decimal("2.0"),
        zhou.pk: Decimal("3.0"),
    }
    # the same sheet again changes nothing and writes no event
    again = [ServiceIn(w.sun.pk, "2.0"), ServiceIn(zhou.pk, 3)]
    with assert_no_audit_event():
        assert services.service_record(actor=w.community_secretary, activity=a, service=again) == {}


def test_moving_an_activity_checks_its_sheet_again_and_moves_the_copies(checked_in):
    w = checked_in
    a = activity(w, sheet=[(w.sun, "2"), (w.zhao, "1")])
    message = refused(
        lambda: services.activity_update(actor=None, activity=a, data={"held_on": D(2026, 2, 1)}), "service"
    )
    assert f"#{w.zhao.pk}" in message
    services.activity_update(actor=None, activity=a, data={"held_on": D(2026, 4, 1)})
    assert set(ServiceHours.objects.filter(activity=a).values_list("held_on", flat=True)) == {D(2026, 4, 1)}


def test_a_held_activity_with_hours_cannot_become_planned(place):
    a = activity(place, sheet=[(place.sun, "2")])
    assert refused(lambda: services.activity_update(actor=None, activity=a, data={"state": "planned"}), "state")


def test_cancel_and_delete_are_audited_and_refuse_twice(place):
    a = activity(place, sheet=[(place.sun, "2")])
    assert refused(lambda: services.activity_cancel(actor=None, activity=a, reason=" "), "cancel_reason")
    with assert_one_audit_event() as audited:
        services.activity_cancel(actor=None, activity=a, reason="下雨取消")
    cancelled = audited.event.changes
    assert cancelled["service"] == [{"people": 1, "hours": "2.0"}, {"people": 0, "hours": "0.0"}]
    assert not ServiceHours.objects.exists()  # a cancelled activity keeps no hours; the event keeps the sheet
    assert refused(lambda: services.activity_cancel(actor=None, activity=a, reason="again"), "state")
    assert refused(lambda: services.activity_update(actor=None, activity=a, data={"title": "新"}), "state")
    with pytest.raises(ConcurrentEditError):
        services.activity_delete(actor=None, activity=a, expected_version=1)
    services.activity_delete(actor=None, activity=a)
    assert not VolunteerActivity.objects.exists() and not ServiceHours.objects.exists()
    event = AuditEvent.objects.first()
    assert event.action == "delete" and event.changes["title"] == ["敬老院志愿服务", None]
