"""The OpenAPI document and the docs page are for signed-in users only in production (issue 13, item 8).

The schema maps every route and field of the personal data; in production
(``API_DOCS_LOGIN_REQUIRED``, on by default there, and a deploy check refuses it off) it needs the
web session or a bearer token. Development keeps it public for the tools that read the schema.
"""

from __future__ import annotations

import pytest

from dangjian.core import checks

SCHEMA = "/api/v1/openapi.json"
DOCS = "/api/v1/docs"


@pytest.fixture
def locked(settings):
    settings.API_DOCS_LOGIN_REQUIRED = True


def test_without_a_login_the_schema_answers_401_and_shows_nothing(db, client, locked):
    response = client.get(SCHEMA)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert "paths" not in body and "openapi" not in body
    assert body["detail"]


def test_without_a_login_the_docs_page_leads_to_the_login_page(db, client, locked):
    response = client.get(DOCS)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/") and "next=" in response["Location"]


def test_a_false_token_gets_nothing(db, client, locked):
    response = client.get(SCHEMA, HTTP_AUTHORIZATION="Bearer dj_not-a-real-token")
    assert response.status_code == 401


def test_a_signed_in_session_reads_the_schema_and_the_docs(world, client_for, locked):
    client = client_for(world.secretary)
    assert client.get(SCHEMA).json()["openapi"].startswith("3.")
    assert client.get(DOCS).status_code == 200


def test_a_bearer_token_reads_the_schema(world, api_as, locked):
    response = api_as(world.member_user).get(SCHEMA)
    assert response.status_code == 200 and response.json()["paths"]


def test_the_docs_assets_stay_public(db, client, locked):
    """Swagger UI's own script and style hold nothing of the API."""
    assert client.get("/api/v1/docs/assets/swagger-ui.css").status_code == 200


def test_production_refuses_a_public_schema(settings):
    settings.PRODUCTION = True
    settings.API_DOCS_LOGIN_REQUIRED = False
    assert "dangjian.E025" in {e.id for e in checks.production_settings(None)}
    settings.API_DOCS_LOGIN_REQUIRED = True
    assert "dangjian.E025" not in {e.id for e in checks.production_settings(None)}
