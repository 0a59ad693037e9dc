"""The demo's rectification: last year's screening, about 6% of the villages and communities marked,
cases in every state, deterministic from the seed."""

import datetime as dt

import pytest

from dangjian.demo.build import build
from dangjian.organizations.models import Organization
from dangjian.rectification import queries
from dangjian.rectification.models import Problem, Rectification, Screening, ScreeningMark
from tests.support.clock import travel

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def demo(db, time_machine):

    travel(time_machine, TODAY)
    return build(scale="small", seed=1, today=TODAY)


def test_the_demo_screens_last_year_and_opens_a_case_per_mark(demo):
    screening = Screening.objects.get()
    assert (screening.year, screening.org_id) == (2025, demo.root_id)
    marks = ScreeningMark.objects.count()
    assert marks >= 1 and Rectification.objects.count() == marks
    for case in Rectification.objects.prefetch_related("problems"):
        assert 2 <= len(case.problems.all()) <= 5
        if case.state in ("accepted", "closed"):
            assert all(p.done_on for p in case.problems.all()) and case.accepted_on <= TODAY
        if case.state == "closed":
            assert case.accepted_on <= case.closed_on <= TODAY
    assert not Problem.objects.filter(done_on__gt=TODAY).exists()


def test_the_figures_add_up_to_the_records(demo):
    root = Organization.objects.get(pk=demo.root_id)
    every = Organization.objects.all()
    table = queries.figures(
        every,
        Screening.objects.all(),
        ScreeningMark.objects.all(),
        Rectification.objects.all(),
        Problem.objects.all(),
        root,
        2025,
        on=TODAY,
    )
    total = table.total
    assert total.marked == ScreeningMark.objects.count()
    assert sum(total.cases.values()) == Rectification.objects.count()
    assert total.problems == Problem.objects.count()
    assert total.done == Problem.objects.filter(done_on__isnull=False).count()
    assert total.overdue == Problem.objects.filter(done_on__isnull=True, deadline__lt=TODAY).count()
    assert total.marked >= 4 and total.screened == total.branches > total.marked
    assert len(total.cases) >= 2  # cases in several states


def test_the_demo_is_deterministic(db, time_machine):
    from django.db import transaction

    travel(time_machine, TODAY)
    seen = []
    for _ in range(2):
        with transaction.atomic():
            build(scale="small", seed=1, today=TODAY)
            seen.append(sorted(Problem.objects.values_list("org_path", "description", "deadline", "done_on")))
            transaction.set_rollback(True)
    assert seen[0] == seen[1]
