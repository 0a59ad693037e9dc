"""The subtree compliance table summed by the database (issue 15) equals the cell engine's tallies
recomputed from the meetings, after creates, edits, cancels, founded, dissolved and moved organizations,
an appraisal, for this year, a past year and a quarter; in the same few queries at any size."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from dangjian.organizations.models import Organization
from dangjian.organizations.services import organization_dissolve, organization_move
from dangjian.orglife import queries, services
from dangjian.orglife.models import Meeting
from tests import factories

D = dt.date


def as_tuple(t) -> tuple:
    return (t.due, t.done, t.due_soon, t.open, t.current_done)


def recomputed(root, year, on, quarter=None):
    """Per (child key, sector, kind) and per (child key, sector), from the cell engine's tallies."""
    orgs = queries.org_infos(queries.subtree_orgs(Organization.objects.all(), root, year))
    tallies, _lead = queries.compute_tallies(orgs, year, on, paths=[root.path], quarter=quarter)
    width = len(root.path) + 4
    by_id = {o.id: o for o in orgs}
    sums: dict = defaultdict(queries.Tally)
    owing: dict = defaultdict(set)
    for (org_id, kind), tally in tallies.items():
        org = by_id[org_id]
        sums[(org.path[:width], org.sector, kind)].merge(tally)
        owing[(org.path[:width], org.sector)].add(org_id)
    return {k: as_tuple(t) for k, t in sums.items()}, {k: len(v) for k, v in owing.items()}


def summed(root, year, on, quarter=None):
    orgs = queries.subtree_orgs(Organization.objects.all(), root, year)
    found = queries.subtree_tallies(orgs, root, year, on, quarter=quarter)
    return {k: as_tuple(t) for k, t in found.by_kind.items()}, found.organizations


def assert_same(world):
    for root in (world.root, world.town_a, world.town_b, world.branch_a1):
        root = Organization.objects.get(pk=root.pk)
        for year, quarter in ((2026, None), (2025, None), (2026, 1), (2026, 2), (2026, 4)):
            on = queries.as_of(year, quarter=quarter)
            got = summed(root, year, on, quarter)
            assert got == recomputed(root, year, on, quarter), (root.name, year, quarter)


@pytest.fixture
def records(world, branch, today):
    w = world
    for month in (1, 2, 3, 5):
        factories.meeting(branch, ["theme_day"], D(2026, month, 9))
    factories.meeting(branch, ["theme_day", "general_meeting"], D(2026, 4, 9))
    # a general meeting without a quorum: held, not counted
    factories.meeting(branch, ["general_meeting"], D(2026, 2, 10), absent=w.extra[:2], present=[w.zhang])
    factories.meeting(branch, ["committee_meeting"], D(2026, 5, 20), present=[w.zhang, *w.extra[:1]])
    factories.meeting(w.branch_b1, ["theme_day", "party_lecture"], D(2026, 1, 9))
    factories.meeting(w.branch_b1, ["theme_day"], D(2025, 12, 30))
    factories.meeting(w.branch_a2, ["theme_day"], D(2026, 6, 25), state="planned")
    factories.org(w.town_a, "新建村党支部", established_on=D(2026, 3, 15), code="TA-009")
    appraisal = services.appraisal_open(actor=None, org=branch, year=2025)
    services.appraisal_update(
        actor=None, appraisal=appraisal, entries={e.member_id: {"rating": "qualified"} for e in appraisal.entries.all()}
    )
    services.appraisal_decide(actor=None, appraisal=appraisal)
    return w


def test_the_sums_equal_the_cell_engine(records):
    assert_same(records)
    table = queries.compliance_table(Organization.objects.all(), records.town_a, 2026)
    theme = {r.label: r for r in table.groups}["东街村党支部"].by_kind["theme_day"]
    assert (theme.due, theme.done) == (5, 5)


def test_the_sums_follow_edits_cancels_and_organizations_that_move_or_dissolve(records):
    w = records
    meeting = factories.meeting(w.branch_b1, ["theme_day"], D(2026, 3, 9))
    services.meeting_update(actor=None, meeting=meeting, data={"held_on": D(2026, 2, 9)})
    first = Meeting.objects.filter(org=w.branch_a1).order_by("held_on").first()
    services.meeting_cancel(actor=None, meeting=first, reason="记录有误")
    organization_dissolve(actor=None, org=w.branch_a2, on=D(2026, 5, 10))
    organization_move(actor=w.organizer, org=w.branch_b1, new_parent=w.town_a, on=D(2026, 6, 1))
    assert_same(w)


def test_the_table_costs_five_queries_for_any_number_of_branches(records, django_assert_max_num_queries):
    w = records
    for i in range(6):
        org = factories.org(w.town_b, f"新村{i}党支部", established_on=D(2000, 1, 1), code=f"TB-1{i}")
        factories.member(org, "赵磊", birth=D(1980, 1, 1))
        factories.meeting(org, ["theme_day", "general_meeting"], D(2026, 4, 9))
    with django_assert_max_num_queries(5):
        table = queries.compliance_table(Organization.objects.all(), w.root, 2026)
    assert table.total.organizations == Organization.objects.count()
    assert_same(w)
