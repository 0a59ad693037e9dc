import datetime as dt

import pytest

from dangjian.rectification import services
from dangjian.rectification.models import Problem, Rectification, ScreeningMark
from tests.factories import CASE_OPENED as OPENED
from tests.factories import criteria
from tests.support.audit import assert_one_audit_event

pytestmark = pytest.mark.django_db


def test_the_pages_render_for_the_department(world, client_for, case):
    client = client_for(world.organizer)
    for url in (
        "/rectification/",
        f"/rectification/?org={world.town_a.pk}&year=2025",
        "/rectification/screenings/",
        f"/rectification/screenings/{case.mark.screening_id}/",
        "/rectification/cases/?year=2025&state=in_progress",
        "/rectification/problems/?status=open",
        f"/rectification/cases/{case.pk}/",
        f"/rectification/cases/{case.pk}/edit/",
        f"/rectification/cases/{case.pk}/accept/",
        f"/rectification/cases/{case.pk}/problems/new/",
        f"/rectification/cases/{case.pk}/team/new/",
        f"/rectification/cases/{case.pk}/progress/new/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    body = client.get(f"/rectification/cases/{case.pk}/").content.decode()
    assert "书记长期外出" in body and "王副书记" in body


def test_the_screening_page_shows_the_quota_and_marks(world, client_for, mark):
    body = client_for(world.organizer).get(f"/rectification/screenings/{mark.screening_id}/").content.decode()
    assert "东街村党支部" in body and "河口村党支部" in body
    assert "3 个党支部中已认定 1 个" in body


def test_marking_through_the_page(world, client_for, screening):
    client = client_for(world.organizer)
    url = f"/rectification/screenings/{screening.pk}/mark/?org={world.branch_a2.pk}"
    response = client.post(url, {"classification": "lagging", "criteria": []})
    assert response.status_code == 200 and not ScreeningMark.objects.exists()
    response = client.post(url, {"classification": "lagging", "criteria": criteria("C06"), "note": "集体经济空壳"})
    assert response.status_code == 302
    mark = ScreeningMark.objects.get()
    assert (mark.org, mark.classification) == (world.branch_a2, "lagging")


def test_a_branch_secretary_sees_its_case_but_cannot_classify_or_accept(world, client_for, case):
    client = client_for(world.secretary)
    assert client.get(f"/rectification/cases/{case.pk}/").status_code == 200
    assert client.get(f"/rectification/screenings/{case.mark.screening_id}/").status_code == 404
    for step in ("edit", "start", "accept", "close", "reopen", "problems/new", "team/new"):
        assert client.get(f"/rectification/cases/{case.pk}/{step}/").status_code == 404, step
    problem = case.problems.first()
    response = client.post(f"/rectification/problems/{problem.pk}/done/", {"done_on": "2026-01-10"})
    assert response.status_code == 302
    assert Problem.objects.get(pk=problem.pk).done_on == dt.date(2026, 1, 10)
    response = client.post(
        f"/rectification/cases/{case.pk}/progress/new/", {"written_on": "2026-01-10", "text": "已整改"}
    )
    assert response.status_code == 302


def test_the_steps_through_the_pages(world, client_for, case):
    for problem in case.problems.all():
        services.countermeasure_done(actor=None, problem=problem, done_on=dt.date(2026, 2, 1))
    town = client_for(world.town_organizer)
    response = town.post(f"/rectification/cases/{case.pk}/accept/", {"day": "2026-01-01"})
    assert response.status_code == 200 and "2026-02-01" in response.content.decode()  # before the last done
    assert town.post(f"/rectification/cases/{case.pk}/accept/", {"day": "2026-02-02"}).status_code == 302
    assert town.get(f"/rectification/cases/{case.pk}/close/").status_code == 404  # not the department
    dept = client_for(world.organizer)
    assert dept.post(f"/rectification/cases/{case.pk}/close/", {"day": "2026-02-03"}).status_code == 302
    assert Rectification.objects.get(pk=case.pk).state == "closed"


def test_opening_a_case_from_the_screening(world, client_for, mark):
    client = client_for(world.town_organizer)
    with assert_one_audit_event("create", object_type="rectification.rectification", alone=False):
        response = client.post(
            f"/rectification/marks/{mark.pk}/open/", {"opened_on": OPENED.isoformat(), "lead_official": "王副书记"}
        )
    assert response.status_code == 302
    assert Rectification.objects.get().lead_official == "王副书记"


def test_list_queries_do_not_grow_with_rows(world, client_for, case, django_assert_max_num_queries, screening):
    client = client_for(world.organizer)
    urls = [
        "/rectification/cases/",
        "/rectification/problems/",
        "/rectification/?year=2025",
        f"/rectification/screenings/{screening.pk}/",
        f"/rectification/cases/{case.pk}/",
    ]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(40) as ctx:
            client.get(url)
        counts[url] = len(ctx.captured_queries)
    mark2 = services.mark_create(
        actor=None, screening=screening, org=world.branch_b1, classification="lagging", criteria=criteria("C02")
    )
    case2 = services.case_open(actor=None, mark=mark2, opened_on=OPENED)
    services.problem_add(
        actor=None,
        case=case2,
        data={"description": "a", "countermeasure": "b", "responsible": "c", "deadline": dt.date(2026, 12, 1)},
    )
    services.team_member_add(actor=None, case=case, name="刘", captain=True)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            client.get(url)


def test_changing_a_mark_through_the_page(world, client_for, mark):
    client = client_for(world.organizer)
    url = f"/rectification/marks/{mark.pk}/edit/"
    assert client.get(url).status_code == 200
    assert client_for(world.secretary).get(url).status_code == 404
    client = client_for(world.organizer)
    response = client.post(url, {"classification": "lagging", "criteria": criteria("C07"), "note": ""})
    assert response.status_code == 302
    mark.refresh_from_db()
    assert mark.classification == "lagging" and [c.code for c in mark.criteria.all()] == ["C07"]
