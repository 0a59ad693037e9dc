"""``/api/v1/rectification``: the same services and scoping as the pages, errors in the shared shape."""

import pytest

from dangjian.rectification.models import Rectification, ScreeningMark
from tests.factories import criteria
from tests.support.api import field_errors
from tests.support.audit import assert_no_audit_event

pytestmark = pytest.mark.django_db


def test_a_script_runs_the_whole_loop(world, api_as):
    dept, town, branch = api_as(world.organizer), api_as(world.town_organizer), api_as(world.secretary)
    codes = {c["code"]: c["id"] for c in dept.get("/rectification/criteria").json()}
    assert len(codes) == 10
    response = dept.post("/rectification/screenings", {"org": world.root.pk, "year": 2025})
    assert response.status_code == 201, response.content
    screening = response.json()["id"]
    response = dept.post(
        f"/rectification/screenings/{screening}/marks",
        {"org": world.branch_a1.pk, "classification": "weak", "criteria": [codes["C01"], codes["C03"]]},
    )
    assert response.status_code == 201, response.content
    mark = response.json()
    assert (mark["classification"], mark["criteria"]) == ("weak", ["C01", "C03"])
    changed = dept.patch(f"/rectification/marks/{mark['id']}", {"classification": "weak", "criteria": [codes["C03"]]})
    assert changed.status_code == 200 and changed.json()["criteria"] == ["C03"], changed.content
    assert branch.patch(f"/rectification/marks/{mark['id']}", {"classification": "lagging"}).status_code == 404
    detail = dept.get(f"/rectification/screenings/{screening}").json()
    assert (detail["branches"], detail["marked"], detail["min_share_percent"]) == (3, 1, 5)
    assert [r["mark"]["id"] for r in detail["rows"] if r["mark"]] == [mark["id"]]
    response = town.post(f"/rectification/marks/{mark['id']}/case", {"opened_on": "2025-12-01", "lead_official": "王"})
    assert response.status_code == 201, response.content
    case = response.json()["id"]
    assert town.post(f"/rectification/cases/{case}/start").json()["state"] == "in_progress"
    problem = {
        "description": "书记外出",
        "countermeasure": "选派第一书记",
        "responsible": "李",
        "deadline": "2026-03-01",
    }
    problems = town.post(f"/rectification/cases/{case}/problems", problem).json()["problems"]
    assert town.post(f"/rectification/cases/{case}/team", {"name": "刘", "captain": True}).json()["team"][0]["captain"]
    extra = town.post(f"/rectification/cases/{case}/team", {"name": "陈", "role": "区农业农村局"}).json()["team"][1]
    assert branch.delete(f"/rectification/team/{extra['id']}").status_code == 404
    assert [m["name"] for m in town.delete(f"/rectification/team/{extra['id']}").json()["team"]] == ["刘"]
    done = branch._call("put", f"/rectification/problems/{problems[0]['id']}/done", {"done_on": "2026-01-10"})
    assert done.status_code == 200 and done.json()["problems"][0]["done_on"] == "2026-01-10"
    assert (
        branch.post(f"/rectification/cases/{case}/progress", {"written_on": "2026-01-10", "text": "已到岗"}).status_code
        == 200
    )
    assert branch.post(f"/rectification/cases/{case}/accept", {"day": "2026-01-11"}).status_code == 404
    assert town.post(f"/rectification/cases/{case}/accept", {"day": "2026-01-11"}).json()["state"] == "accepted"
    assert town.post(f"/rectification/cases/{case}/close", {"day": "2026-01-12"}).status_code == 404
    assert dept.post(f"/rectification/cases/{case}/close", {"day": "2026-01-12"}).json()["state"] == "closed"
    figures = dept.get("/rectification/figures", {"org": world.root.pk, "year": 2025}).json()
    assert figures["total"]["weak"] == 1 and figures["total"]["cases"] == {"closed": 1}
    assert figures["total"]["screened"] == 3 and figures["total"]["done"] == 1
    assert dept.get("/rectification/cases", {"state": "closed"}).json()["count"] == 1
    assert dept.get("/rectification/problems", {"status": "done"}).json()["count"] == 1


def test_errors_name_the_field_and_write_nothing(world, api_as, screening):
    api = api_as(world.organizer)
    api.get("/auth/me")  # a token's first use is recorded; not part of what is refused
    with assert_no_audit_event():
        response = api.post(
            f"/rectification/screenings/{screening.pk}/marks", {"org": world.branch_a2.pk, "classification": "weak"}
        )
        assert response.status_code == 422 and "criteria" in field_errors(response)
        response = api.post(
            f"/rectification/screenings/{screening.pk}/marks",
            {"org": world.root.pk, "classification": "weak", "criteria": criteria()},
        )
        assert response.status_code == 422 and "org" in field_errors(response)
    assert not ScreeningMark.objects.exists()


def test_the_branch_cannot_classify_itself_and_siblings_get_404(world, api_as, case):
    branch = api_as(world.secretary)
    assert branch.get(f"/rectification/cases/{case.pk}").status_code == 200
    assert branch.get(f"/rectification/screenings/{case.mark.screening_id}").status_code == 404
    assert branch.delete(f"/rectification/marks/{case.mark_id}").status_code == 404
    assert branch.patch(f"/rectification/cases/{case.pk}", {"plan": "自己定"}).status_code == 404
    sibling = api_as(world.sibling_secretary)
    assert sibling.get(f"/rectification/cases/{case.pk}").status_code == 404
    assert sibling.get("/rectification/cases").json()["count"] == 0
    assert sibling.get("/rectification/figures", {"org": world.branch_a1.pk}).status_code == 404
    assert Rectification.objects.get(pk=case.pk).plan == ""


def test_the_case_list_takes_a_constant_number_of_queries(world, api_as, case, django_assert_max_num_queries):
    api = api_as(world.organizer)
    with django_assert_max_num_queries(12):
        assert api.get("/rectification/cases").json()["count"] == 1
