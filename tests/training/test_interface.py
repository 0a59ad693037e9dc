"""The interface points builds on: the signal, session_attendance and held_sessions_between."""

import datetime as dt
from decimal import Decimal

import pytest

from dangjian.training.models import ProgrammeKind
from dangjian.training.queries import held_sessions_between, session_attendance
from dangjian.training.services import (
    AttendanceIn,
    session_cancel,
    session_delete,
    session_record_attendance,
    session_update,
)
from dangjian.training.signals import session_changed
from tests.factories import SESSION_DAY as DAY
from tests.factories import programme, session

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent():
    ids = []

    def receiver(sender, session_id, **kwargs):
        ids.append((session_id, session_attendance(session_id)))

    session_changed.connect(receiver, dispatch_uid="test-training")
    yield ids
    session_changed.disconnect(dispatch_uid="test-training")


def test_programme_kind_choices():
    assert set(ProgrammeKind.values) == {"lecture_series", "course", "study_trip"}


def test_every_session_service_sends_the_signal_after_its_write(world, sent):
    prog = programme(world.root)
    sess = session(prog, present=[world.zhang], absent=[world.wang])
    assert sent[-1][0] == sess.pk
    facts = sent[-1][1]
    assert facts.held and facts.org_id == world.root.pk and facts.kinds == ("lecture_series",)
    assert facts.attendance == {world.zhang.pk: "present", world.wang.pk: "absent"}
    assert facts.hours == Decimal("2.0") and facts.held_on == DAY

    session_record_attendance(actor=None, session=sess, attendance=[AttendanceIn(world.wang.pk, "present")])
    assert sent[-1][1].attendance == {world.wang.pk: "present"}
    session_update(actor=None, session=sess, data={"hours": Decimal("3.5")})
    assert sent[-1][1].hours == Decimal("3.5")
    session_cancel(actor=None, session=sess, reason="录入错误")
    assert sent[-1][1].state == "cancelled" and not sent[-1][1].held
    session_delete(actor=None, session=sess)
    assert sent[-1] == (sess.pk, None)
    assert len(sent) == 5


def test_session_attendance_two_queries(lecture, django_assert_num_queries):
    _prog, sess = lecture
    with django_assert_num_queries(2):
        facts = session_attendance(sess.pk)
    assert len(facts.attendance) == 3
    assert session_attendance(10**9) is None


def test_held_sessions_between_filters_state_dates_and_members(world, lecture):
    prog, sess = lecture
    planned = session(prog, dt.date(2099, 1, 1), state="planned")
    other = session(prog, dt.date(2026, 5, 1), present=[world.zhang])
    cancelled = session(prog, dt.date(2026, 5, 2), present=[world.zhang])
    session_cancel(actor=None, session=cancelled, reason="录入错误")
    facts = held_sessions_between(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert {f.id for f in facts} == {sess.pk, other.pk}
    assert planned.pk not in {f.id for f in facts}
    only_wang = held_sessions_between(
        dt.date(2026, 1, 1), dt.date(2026, 12, 31), range(world.wang.pk, world.wang.pk + 1)
    )
    assert [(f.id, f.attendance) for f in only_wang] == [(sess.pk, {world.wang.pk: "present"})]
    assert held_sessions_between(dt.date(2026, 4, 1), dt.date(2026, 12, 31)) == [f for f in facts if f.id == other.pk]


def test_session_reference_links_only_where_the_user_may_open_it(world, lecture):
    from dangjian.training.queries import session_reference

    _prog, sess = lecture
    linked = session_reference(sess.pk, world.organizer)
    assert linked.label == "2026-03-10 学习贯彻全会精神 · 区委大讲堂" and linked.url == f"/training/sessions/{sess.pk}/"
    named = session_reference(sess.pk, world.secretary)  # a branch's secretary: the district's lecture, no link
    assert named.label == linked.label and named.url == ""
    assert session_reference(10**9, world.organizer) is None
