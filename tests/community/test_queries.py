"""Figures against a hand-counted fixture, lists, and query counts that do not grow with the rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dangjian.community import queries, services
from dangjian.community.models import MemberCheckIn, ServiceHours, VolunteerActivity
from dangjian.organizations.models import Organization
from tests import factories
from tests.factories import activity

D = dt.date
YEAR = queries.Span.year(2026)


@pytest.fixture
def counted(checked_in):
    """Activities of 东街社区 in 2026 and who served (counted by hand in the tests)."""
    w = checked_in
    w.qian = factories.member(w.agency, "钱进", birth=D(1975, 1, 1))  # a serving member, not checked in
    w.a1 = activity(w, sheet=[(w.sun, "2"), (w.zhao, "1.5")])
    w.a2 = activity(w, held_on=D(2026, 5, 9), title="环境整治", kind="environment", sheet=[(w.sun, "4")])
    activity(w, held_on=D(2026, 7, 1), state="planned")
    gone = activity(w, held_on=D(2026, 4, 1), sheet=[(w.sun, "3")])
    services.activity_cancel(actor=None, activity=gone, reason="下雨")
    activity(w, held_on=D(2025, 12, 1), sheet=[(w.sun, "5")])  # another year
    return w


def test_the_root_table_by_township_against_a_hand_count(counted):
    w = counted
    table = queries.volunteer_table(Organization.objects.all(), w.root, YEAR)
    rows = {r.name: r for r in table.rows}
    a, b = rows["城关镇党委"], rows["河口镇党委"]
    # held in township A (the community): 2 activities, 3 person-times, 7.5 hours, 2 volunteers
    assert (a.activities, a.times, a.hours, a.volunteers) == (2, 3, Decimal("7.5"), 2)
    # township A's own members served twice, 6 hours (孙丽); township B's once, 1.5 hours (赵敏, in A)
    assert (a.member_volunteers, a.member_times, a.member_hours) == (1, 2, Decimal("6.0"))
    assert (b.activities, b.times, b.member_volunteers, b.member_times, b.member_hours) == (0, 0, 1, 1, Decimal("1.5"))
    # serving members: the agency's 赵敏 (checked in) and 钱进 (not): 1 of 2
    assert (b.serving, b.checked_in, b.rate_percent) == (2, 1, "50.0%")
    assert (a.serving, a.rate_percent) == (0, "—")
    t = table.total
    assert (t.activities, t.times, t.hours, t.volunteers) == (2, 3, Decimal("7.5"), 2)
    assert (t.member_volunteers, t.member_times, t.member_hours) == (2, 3, Decimal("7.5"))
    assert (t.serving, t.checked_in) == (2, 1)


def test_a_checkin_ended_before_the_day_no_longer_counts(counted):
    w = counted
    services.checkin_end(actor=None, checkin=w.checkin, ended_on=D(2026, 6, 10))
    table = queries.volunteer_table(Organization.objects.all(), w.root, YEAR)
    assert table.total.checked_in == 0
    # judged on the last day of a past period: checked in on 31 May
    may = queries.volunteer_table(Organization.objects.all(), w.root, queries.Span(D(2026, 5, 1), D(2026, 5, 31)))
    assert (may.total.checked_in, may.total.activities, may.total.hours) == (1, 1, Decimal("4.0"))


def test_the_community_table_has_its_own_row(counted):
    w = counted
    table = queries.volunteer_table(Organization.objects.all(), w.community, YEAR)
    assert [r.org_id for r in table.rows] == [w.community.pk]  # no children: its own row only
    assert table.rows[0].activities == 2 and table.total.times == 3


def test_the_table_costs_the_same_queries_with_more_rows(counted, django_assert_num_queries):
    w = counted
    with django_assert_num_queries(6):
        queries.volunteer_table(Organization.objects.all(), w.root, YEAR)
    for i in range(5):
        extra = factories.member(w.community, f"新{i}", birth=D(1970 + i, 1, 1))
        activity(w, held_on=D(2026, 3, 1 + i), title=f"活动{i}", sheet=[(extra, "1"), (w.sun, "1")])
        factories.org(w.town_b, f"机关{i}", sector="agency")
    with django_assert_num_queries(6):
        queries.volunteer_table(Organization.objects.all(), w.root, YEAR)


def test_lists_filter_by_side_and_period(counted):
    w = counted
    hours = ServiceHours.objects.all()
    by_agency = list(queries.service_list(hours, org=w.agency, side="member", span=YEAR))
    assert [(r.member_id, r.hours) for r in by_agency] == [(w.zhao.pk, Decimal("1.5"))]
    at_community = queries.service_list(hours, org=w.community, side="activity", span=YEAR)
    assert at_community.count() == 3
    acts = list(queries.activity_list(VolunteerActivity.objects.all(), org=w.community, span=YEAR, state="held"))
    assert [(a.title, a.people, a.hours_total) for a in acts] == [
        ("敬老院志愿服务", 2, Decimal("3.5")),
        ("环境整治", 1, Decimal("4.0")),
    ]
    checkins = MemberCheckIn.objects.all()
    assert list(queries.checkin_list(checkins, org=w.town_b, side="member")) == [w.checkin]
    assert list(queries.checkin_list(checkins, org=w.town_b, side="community")) == []
    assert list(queries.checkin_list(checkins, org=w.town_a, state="open")) == [w.checkin]


def test_a_members_record(counted, django_assert_num_queries):
    w = counted
    with django_assert_num_queries(2):
        record = queries.member_record(ServiceHours.objects.all(), MemberCheckIn.objects.all(), w.sun, YEAR)
    assert (record.times, record.hours) == (2, Decimal("6.0"))
    assert [r.activity.title for r in record.rows] == ["敬老院志愿服务", "环境整治"]
