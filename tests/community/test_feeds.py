"""What the community tells the points module: ServiceFacts, the signal, streaming by member range."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dangjian.community import queries, services
from dangjian.community.signals import service_changed
from tests.factories import activity


@pytest.fixture
def sent():
    calls = []

    def receiver(sender, activity_id, **kwargs):
        calls.append((activity_id, queries.activity_service(activity_id)))

    service_changed.connect(receiver)
    yield calls
    service_changed.disconnect(receiver)


def test_every_write_of_an_activity_sends_the_signal_with_the_facts_after_it(checked_in, sent):
    w = checked_in
    a = activity(w, sheet=[(w.sun, "2"), (w.zhao, "1.5")])
    assert sent[-1][0] == a.pk
    facts = sent[-1][1]
    assert facts.held and facts.org_id == w.community.pk and facts.held_on == dt.date(2026, 6, 6)
    assert facts.kinds == ("care",)
    assert facts.hours == {w.sun.pk: Decimal("2.0"), w.zhao.pk: Decimal("1.5")}
    services.service_record(actor=w.community_secretary, activity=a, service=[services.ServiceIn(w.sun.pk, 3)])
    assert sent[-1][1].hours == {w.sun.pk: Decimal("3.0")}
    services.activity_update(actor=w.community_secretary, activity=a, data={"kind": "culture"})
    assert sent[-1][1].kinds == ("culture",)
    services.activity_cancel(actor=w.community_secretary, activity=a, reason="录入错误")
    assert sent[-1][1].state == "cancelled" and not sent[-1][1].held
    services.activity_delete(actor=w.community_secretary, activity=a)
    assert sent[-1] == (a.pk, None)
    assert len(sent) == 5


def test_a_refused_write_sends_nothing(checked_in, sent):
    w = checked_in
    with pytest.raises(services.ValidationError):
        activity(w, sheet=[(w.wang, "2")])  # 王伟 is neither a member here nor checked in
    assert sent == []


def test_activity_service_is_two_queries(checked_in, django_assert_num_queries):
    w = checked_in
    a = activity(w, sheet=[(w.sun, "2"), (w.zhao, "1")])
    with django_assert_num_queries(2):
        queries.activity_service(a.pk)
    assert queries.activity_service(999999) is None


def test_service_between_gives_held_activities_and_filters_by_member_range(checked_in):
    w = checked_in
    a = activity(w, sheet=[(w.sun, "2"), (w.zhao, "1")])
    b = activity(w, held_on=dt.date(2026, 5, 9), sheet=[(w.sun, "4")])
    planned = activity(w, held_on=dt.date(2026, 7, 1), state="planned")
    cancelled = activity(w, held_on=dt.date(2026, 5, 2), sheet=[(w.zhao, "2")])
    services.activity_cancel(actor=w.community_secretary, activity=cancelled, reason="下雨")
    early = activity(w, held_on=dt.date(2026, 1, 3), sheet=[(w.sun, "1")])

    every = {f.id: f for f in queries.service_between(dt.date(2026, 2, 1), dt.date(2026, 6, 30))}
    assert set(every) == {a.pk, b.pk}
    assert every[a.pk].hours == {w.sun.pk: Decimal("2.0"), w.zhao.pk: Decimal("1.0")}
    assert planned.pk not in every and early.pk not in every

    only_zhao = queries.service_between(dt.date(2026, 1, 1), dt.date(2026, 12, 31), range(w.zhao.pk, w.zhao.pk + 1))
    assert [(f.id, f.hours) for f in only_zhao] == [(a.pk, {w.zhao.pk: Decimal("1.0")})]
