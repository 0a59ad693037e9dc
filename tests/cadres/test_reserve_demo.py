"""The demo's reserve cadres: 1–4 per village and community, some villages below the minimum,
a few appointed and dropped, assessments; what the services would write and accept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count

from dangjian.cadres import queries
from dangjian.cadres.models import ReserveAssessment, ReserveCadre
from dangjian.core import idnumber
from dangjian.demo.build import build
from dangjian.members.models import Member
from dangjian.organizations.models import Organization
from tests.support.clock import travel

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def demo(db, time_machine):
    travel(time_machine, TODAY)
    return build(scale="small", seed=1, today=TODAY)


def test_every_village_keeps_one_to_four_and_some_fall_below(demo):
    root = Organization.objects.get(pk=demo.root_id)
    villages = list(queries.villages_in(root.path))
    per = dict(ReserveCadre.objects.values_list("org_id").annotate(n=Count("id")).order_by())
    assert villages and all(1 <= per.get(v.pk, 0) <= 4 for v in villages)
    fig = queries.figures(root, TODAY.year, on=TODAY)
    assert fig.villages == len(villages) and 0 < fig.villages_below < fig.villages
    assert fig.in_pool == ReserveCadre.objects.filter(state="pool").count()
    assert ReserveCadre.objects.filter(state="appointed").exists()
    assert ReserveAssessment.objects.filter(year=TODAY.year - 1).exists()
    shares = [share for *_rest, share in fig.educations]
    assert abs(sum(shares) - 100) < 0.5


def test_what_the_services_would_write(demo):
    cadres = ReserveCadre.objects.select_related("org", "member")
    for cadre in cadres:
        assert cadre.org_path == cadre.org.path
        if cadre.member_id:
            assert cadre.member.org_path.startswith(cadre.org.path) and not cadre.id_number_enc
            assert cadre.age(TODAY) < 40
        else:
            info = idnumber.parse(cadre.id_number)
            assert (info.birth_date, info.gender) == (cadre.birth_date, cadre.gender)
            assert not Member.objects.filter(id_number_hash=cadre.id_number_hash).exists()
        if cadre.state == "appointed":
            assert cadre.selected_on < cadre.appointed_on <= TODAY and cadre.appointed_to
        if cadre.state == "dropped":
            assert cadre.dropped_on <= TODAY and cadre.drop_reason


def test_the_same_seed_gives_the_same_cadres(db, time_machine):
    from django.db import transaction

    travel(time_machine, TODAY)
    seen = []
    for _ in range(2):
        with transaction.atomic():
            build(scale="small", seed=1, today=TODAY)
            seen.append(
                list(ReserveCadre.objects.order_by("id").values_list("org_path", "name", "state", "selected_on"))
            )
            transaction.set_rollback(True)
    assert seen[0] == seen[1]
