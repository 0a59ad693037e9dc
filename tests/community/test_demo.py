"""The demo's check-ins and volunteer service: consistent with the services' rules."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from dangjian.community import queries, services
from dangjian.community.models import SERVING_SECTORS, MemberCheckIn, ServiceHours, VolunteerActivity
from dangjian.demo.build import build
from dangjian.members.models import Member
from dangjian.organizations.models import Organization
from tests.support.clock import travel

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def demo(db, time_machine):

    travel(time_machine, TODAY)
    return build(scale="small", seed=1, today=TODAY)


def test_the_demo_holds_activities_served_by_members_and_those_checked_in(demo):
    activities = VolunteerActivity.objects.count()
    rows = ServiceHours.objects.count()
    assert activities > 100 and rows > activities * 5
    assert not VolunteerActivity.objects.filter(held_on__gte=TODAY).exists()
    sizes = ServiceHours.objects.values("activity_id").annotate(n=Count("id")).values_list("n", flat=True)
    assert max(sizes) <= 30
    hours = set(ServiceHours.objects.values_list("hours", flat=True))
    assert min(hours) >= Decimal("1") and max(hours) <= Decimal("4")
    # nobody over the day's maximum
    per_day = ServiceHours.objects.values("member_id", "held_on").annotate(h=Sum("hours")).values_list("h", flat=True)
    assert max(per_day) <= 12
    # a share of the serving members checked in; one open check-in each
    serving = queries.serving_members(TODAY).count()
    open_now = MemberCheckIn.objects.open_on(TODAY).count()
    assert 0.6 * serving < open_now <= serving
    assert not MemberCheckIn.objects.exclude(org__sector="community").exists()
    assert set(MemberCheckIn.objects.values_list("member__org__sector", flat=True)) <= set(SERVING_SECTORS)


def test_every_sheet_obeys_the_services_rule(demo):
    """Each row's member was a member of the community's subtree that day or checked in to it then,
    and the copies are the member's and the activity's paths and day."""
    checked = defaultdict(list)
    for member_id, org_path, start, end in MemberCheckIn.objects.values_list(
        "member_id", "org_path", "checked_in_on", "ended_on"
    ):
        checked[member_id].append((org_path, start, end))
    paths = dict(Member.objects.values_list("id", "org_path"))
    outside = 0
    for activity_id, member_id, org_path, activity_path, held_on in ServiceHours.objects.values_list(
        "activity_id", "member_id", "org_path", "activity_path", "held_on"
    ):
        assert org_path == paths[member_id]
        if org_path.startswith(activity_path):
            continue
        outside += 1
        assert any(
            p.startswith(activity_path) and s <= held_on and (e is None or held_on < e)
            for p, s, e in checked[member_id]
        ), (activity_id, member_id)
    assert outside > 0
    # and the service itself accepts a sheet as the demo wrote it
    a = VolunteerActivity.objects.select_related("org").order_by("-held_on").first()
    sheet = [services.ServiceIn(m, h) for m, h in a.service.values_list("member_id", "hours")]
    assert services.service_record(actor=None, activity=a, service=sheet) == {}


def test_the_figures_of_the_demo_district(demo):
    root = Organization.objects.get(parent__isnull=True)
    table = queries.volunteer_table(Organization.objects.all(), root, queries.Span.year(TODAY.year))
    assert table.total.activities > 0 and table.total.hours > 0
    assert 0.6 < table.total.rate <= 1
    assert table.total.times == ServiceHours.objects.filter(held_on__year=TODAY.year).count()
