"""One error shape in the request's language, hostile input never a 500, and the schema and docs."""

from __future__ import annotations

import json
import re
from unittest import mock

import pytest
from django.db import IntegrityError

from dangjian.core.api import ApiError, pydantic_field
from dangjian.organizations.models import Organization
from tests.support.api import field_errors, has_chinese, zh


def test_errors_are_in_chinese_by_default_and_english_on_request(world, api_as):
    client = api_as(world.organizer)
    payload = {"parent": world.town_a.pk, "level": "branch", "sector": "rural"}
    chinese = client.post("/organizations", payload)
    assert chinese["Content-Language"] == "zh-hans"
    assert field_errors(chinese) == {"name": "此项为必填项。"}
    english = client.post("/organizations", payload, HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "en"
    assert english.json() == {
        "detail": "The submitted data is not valid.",
        "errors": [{"field": "name", "message": "This field is required."}],
    }


def test_json_is_sent_as_utf8_not_escaped(world, api_as):
    response = api_as(world.organizer).get(f"/organizations/{world.root.pk}")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "区委".encode() in response.content


def test_a_body_that_is_not_json_is_a_400_in_the_error_shape(world, api_as):
    client = api_as(world.organizer)
    response = client.client.post(
        "/api/v1/organizations", "{not json", content_type="application/json", **client.headers
    )
    assert response.status_code == 400
    assert response.json() == {"detail": zh("The request body is not valid JSON."), "errors": []}


@pytest.mark.parametrize("body", [[1, 2], "text", 3, None])
def test_a_body_that_is_not_an_object_is_a_422(world, api_as, body):
    response = api_as(world.organizer).post("/organizations", body)
    assert response.status_code == 422
    assert response.json()["errors"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "a\x00b"}, "name"),
        ({"name": "\ud800"}, "name"),
        ({"code": "A\x00"}, "code"),
        ({"established_on": "10000-01-01"}, "established_on"),
        ({"established_on": "1899-12-31"}, "established_on"),
        ({"parent": 2**64}, "parent"),
        ({"parent": -1}, "parent"),
        ({"parent": "1e400"}, "parent"),
        ({"has_committee": "maybe"}, "has_committee"),
    ],
)
def test_hostile_values_are_422_not_500(world, api_as, payload, field):
    data = {"parent": world.town_a.pk, "name": "新支部", "level": "branch", "sector": "rural", **payload}
    count = Organization.objects.count()
    response = api_as(world.organizer).post("/organizations", data)
    assert response.status_code == 422, response.content
    assert field in field_errors(response)
    assert Organization.objects.count() == count


@pytest.mark.parametrize(
    "params",
    [{"q": "\x00"}, {"page": 10**7}, {"page": "x"}, {"page_size": 0}, {"parent": 2**64}, {"active": "perhaps"}],
)
def test_hostile_query_strings_are_422_not_500(world, api_as, params):
    response = api_as(world.organizer).get("/organizations", params)
    assert response.status_code == 422
    assert set(field_errors(response)) == set(params)


def test_odd_but_valid_queries_work(world, api_as):
    client = api_as(world.organizer)
    for q in ("%", "_", "'", "\\", "😀", "a" * 64):
        assert client.get("/organizations", {"q": q}).status_code == 200
        assert client.get("/members", {"q": q}).status_code == 200
    assert client.get(f"/members/{2**63 - 1}").status_code == 404
    assert client.get(f"/members/{2**80}").status_code == 404


def test_a_database_conflict_is_a_409(world, api_as):
    client = api_as(world.organizer)
    with mock.patch("dangjian.organizations.services.organization_create", side_effect=IntegrityError("dup")):
        response = client.post(
            "/organizations", {"parent": world.town_a.pk, "name": "新支部", "level": "branch", "sector": "rural"}
        )
    assert response.status_code == 409
    assert set(response.json()) == {"detail", "errors"}


def test_an_api_error_carries_its_field_errors():
    error = ApiError(422, "x", [{"field": "a", "message": "b"}])
    assert (error.status, error.errors) == (422, [{"field": "a", "message": "b"}])
    assert pydantic_field(("body", "payload", "name")) == "name"
    assert pydantic_field(("query", "page")) == "page"
    assert pydantic_field(("body", "payload")) is None


# --- Schema and docs -----------------------------------------------------------------------


def test_the_openapi_schema_describes_every_route(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    # Every path, method and shape: the snapshot of tests/api/test_contract.py (tests/api/openapi.json).
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    member = schema["components"]["schemas"]["MemberOut"]["properties"]
    assert not {"id_number", "id_number_enc", "id_number_hash", "phone", "phone_enc"} & set(member)
    for name in (
        "MemberCreateIn",
        "MemberUpdateIn",
        "OrganizationCreateIn",
        "OrganizationUpdateIn",
        "MoveIn",
        "ClaimIn",
        "RuleIn",
        "RuleReviseIn",
        "SchemeIn",
    ):
        assert schema["components"]["schemas"][name]["additionalProperties"] is False
    assert schema["components"]["schemas"]["MoveIn"]["required"] == ["parent"]


def test_the_docs_page_needs_no_internet(db, client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    settings = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', page, re.S).group(1))
    assert settings["url"] == "/api/v1/openapi.json"
    for asset, kind in re.findall(r'(?:src|href)="(/api/v1/docs/assets/[^"]+\.(js|css|svg))"', page):
        served = client.get(asset)
        assert served.status_code == 200, asset
        expected = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}[kind]
        assert served["Content-Type"].startswith(expected)
        served.close()
    assert client.get("/api/v1/docs/assets/..%2Fsettings.py").status_code == 404
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js.map").status_code == 404


def test_the_docs_page_is_in_the_site_language(client):
    assert '<html lang="zh-hans">' in client.get("/api/v1/docs").content.decode()
    assert has_chinese(zh("This field is required."))
