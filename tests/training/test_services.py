"""Services: each invariant refused with the field named and nothing written; one audit event on success."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from dangjian.training.models import Programme, Session, SessionAttendance
from dangjian.training.services import (
    AttendanceIn,
    programme_create,
    programme_delete,
    programme_update,
    session_cancel,
    session_create,
    session_update,
)
from tests import factories
from tests.factories import SESSION_DAY as DAY
from tests.factories import programme, session
from tests.support.audit import assert_no_audit_event, assert_one_audit_event

pytestmark = pytest.mark.django_db


def refused(field, call, *args, **kwargs):
    """Run ``call``; it must raise a ValidationError naming ``field``, and write nothing at all."""
    counts = (Programme.objects.count(), Session.objects.count())
    sheet = list(SessionAttendance.objects.values_list("session_id", "member_id", "status", "reason").order_by("id"))
    with assert_no_audit_event(), pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    assert field in info.value.message_dict, info.value.message_dict
    assert counts == (Programme.objects.count(), Session.objects.count())
    after = list(SessionAttendance.objects.values_list("session_id", "member_id", "status", "reason").order_by("id"))
    assert sheet == after
    return info.value.message_dict[field]


def one_event(call, *args, **kwargs):
    with assert_one_audit_event():
        return call(*args, **kwargs)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": " "}, "name"),
        ({"kind": "picnic"}, "kind"),
        ({"starts_on": None}, "starts_on"),
        ({"ends_on": dt.date(2025, 1, 1)}, "ends_on"),
    ],
)
def test_programme_invariants(world, data, field):
    base = {"name": "培训班", "kind": "course", "starts_on": dt.date(2026, 1, 1)}
    refused(field, programme_create, actor=None, org=world.town_a, data={**base, **data})


def test_programme_cannot_shrink_around_its_sessions(world, lecture):
    prog, _sess = lecture
    refused("starts_on", programme_update, actor=None, programme=prog, data={"starts_on": dt.date(2026, 4, 1)})
    refused("ends_on", programme_update, actor=None, programme=prog, data={"ends_on": dt.date(2026, 2, 1)})
    diff = one_event(programme_update, actor=None, programme=prog, data={"name": "区委理论大讲堂"})
    assert diff == {"name": ["区委大讲堂", "区委理论大讲堂"]}


def test_programme_delete_refused_while_a_session_was_held(world, lecture):
    prog, sess = lecture
    refused("programme", programme_delete, actor=None, programme=prog)
    session_cancel(actor=None, session=sess, reason="录入错误")
    one_event(programme_delete, actor=None, programme=prog)
    assert not Session.objects.exists() and not SessionAttendance.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"hours": Decimal("0")}, "hours", "Hours are more than 0"),
        ({"hours": Decimal("24.5")}, "hours", "Hours are more than 0"),
        ({"hours": Decimal("1.25")}, "hours", "one decimal place"),
        ({"hours": None}, "hours", "Give the hours"),
        ({"held_on": dt.date(2099, 1, 1)}, "held_on", "future"),
        ({"held_on": dt.date(2025, 12, 31)}, "held_on", "The programme starts on"),
        ({"title": ""}, "title", "topic"),
        ({"state": "cancelled"}, "state", "planned or as held"),
    ],
)
def test_session_invariants(world, data, field, message):
    prog = programme(world.root)
    base = {"held_on": DAY, "title": "课题", "hours": Decimal("2")}
    with translation.override("en"), pytest.raises(ValidationError) as info:
        session_create(actor=None, programme=prog, data={**base, **data})
    assert field in info.value.message_dict
    assert any(message in m for m in info.value.message_dict[field]), info.value.message_dict
    assert not Session.objects.exists()


def test_field_messages_are_chinese(world):
    prog = programme(world.root)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        session_create(actor=None, programme=prog, data={"held_on": DAY, "title": "课题", "hours": Decimal("30")})
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message_dict["hours"][0])


@pytest.mark.parametrize(
    ("sheet", "why"),
    [
        (lambda w: [AttendanceIn(w.zhang.pk, "late")], "status"),
        (lambda w: [AttendanceIn(w.zhang.pk, "present"), AttendanceIn(w.zhang.pk, "absent")], "twice"),
        (lambda w: [AttendanceIn(w.wang.pk, "present")], "outside the organizer's subtree"),
        (lambda w: [AttendanceIn(w.zhang.pk, "on_leave", " ")], "leave without a reason"),
        (lambda w: [AttendanceIn(10**9, "present")], "no such member"),
    ],
)
def test_sheet_invariants(world, sheet, why):
    prog = programme(world.town_a, "城关镇培训班", kind="course")
    sess = session(prog, present=[world.zhang])
    refused(
        "attendance",
        session_create,
        actor=None,
        programme=prog,
        data={"held_on": DAY, "title": "第二讲", "hours": Decimal("2")},
        attendance=sheet(world),
    )
    refused("attendance", session_update, actor=None, session=sess, data={}, attendance=sheet(world))


def test_a_member_who_joined_after_the_day_is_not_on_the_records(world):
    newcomer = factories.member(world.branch_a1, "赵新", joined_on=dt.date(2026, 5, 1), status="probationary")
    prog = programme(world.town_a, "城关镇培训班", kind="course")
    refused(
        "attendance",
        session_create,
        actor=None,
        programme=prog,
        data={"held_on": DAY, "title": "课题", "hours": Decimal("2")},
        attendance=[AttendanceIn(newcomer.pk, "present")],
    )


def test_planned_sessions_carry_no_sheet_and_may_be_in_the_future(world):
    prog = programme(world.root)
    data = {"held_on": dt.date(2099, 1, 1), "title": "课题", "hours": Decimal("2"), "state": "planned"}
    refused(
        "attendance",
        session_create,
        actor=None,
        programme=prog,
        data=data,
        attendance=[AttendanceIn(world.zhang.pk, "present")],
    )
    planned = one_event(session_create, actor=None, programme=prog, data=data)
    refused("held_on", session_update, actor=None, session=planned, data={"state": "held"})


def test_session_update_writes_one_event_and_copies_to_the_rows(world, lecture):
    _prog, sess = lecture
    diff = one_event(
        session_update, actor=None, session=sess, data={"hours": Decimal("3.5"), "held_on": DAY.replace(day=11)}
    )
    assert set(diff) == {"hours", "held_on"}
    rows = set(SessionAttendance.objects.values_list("hours", "held_on", "session_path", "counted"))
    assert rows == {(Decimal("3.5"), DAY.replace(day=11), world.root.path, True)}
    assert session_update(actor=None, session=sess, data={"hours": Decimal("3.5")}) == {}
    one_event(session_cancel, actor=None, session=sess, reason="重复录入")
    assert not SessionAttendance.objects.filter(counted=True).exists()
    refused("state", session_update, actor=None, session=sess, data={"title": "x"})
    refused("state", session_cancel, actor=None, session=sess, reason="再次")


def test_member_paths_are_the_members_not_the_sessions(world, lecture):
    _prog, sess = lecture
    paths = dict(SessionAttendance.objects.filter(session=sess).values_list("member_id", "org_path"))
    assert paths == {
        world.zhang.pk: world.branch_a1.path,
        world.li.pk: world.branch_a1.path,
        world.wang.pk: world.branch_b1.path,
    }


def test_create_writes_one_event(world):
    prog = one_event(programme, world.root)
    one_event(session, prog, present=[world.zhang, world.wang])
