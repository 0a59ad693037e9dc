"""The API against its own OpenAPI schema: the schema against its checked-in snapshot
(tests/api/openapi.json, see tests/api/openapi_snapshot.py), and every operation against the schema
(schemathesis, in-process WSGI, no network).

Refresh the snapshot after a deliberate change of the API: ``UPDATE_SNAPSHOT=1 pytest tests/api/test_contract.py``.

Every operation is fuzzed with valid and with invalid input as the department organizer over
the ``world`` fixture, with a fixed seed and a bounded number of examples. Whatever comes in,
no answer may be a 500, and every answer must have a documented status, content type and shape.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dangjian.core.api import api_token_issue
from dangjian.members.models import Member
from dangjian.organizations.models import Organization
from dangjian.wsgi import application
from tests.api import openapi_snapshot

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 25


@pytest.fixture
def in_process_wsgi():
    """Requests served in the test's own transaction: keep Django from closing the connection after each."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


UPDATE = os.environ.get("UPDATE_SNAPSHOT", "") not in ("", "0")


@pytest.fixture
def live(client):
    """The live document, as the snapshot keeps it (written over the snapshot under ``UPDATE_SNAPSHOT=1``)."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    current = openapi_snapshot.contract(document)
    if UPDATE:
        openapi_snapshot.save(current)
    return current


def test_the_operations_are_those_of_the_snapshot(live):
    """Methods, paths, operationIds, parameters, security and the shape of every body and answer
    (schema names left out: they may change)."""
    old, new = openapi_snapshot.nameless(openapi_snapshot.load()), openapi_snapshot.nameless(live)
    removed, added = sorted(set(old) - set(new)), sorted(set(new) - set(old))
    changed = sorted(k for k in set(old) & set(new) if old[k] != new[k])
    assert (removed, added, changed) == ([], [], []), (
        f"the API changed — removed {removed}, added {added}, changed {changed}; "
        "if deliberate: UPDATE_SNAPSHOT=1 pytest tests/api/test_contract.py"
    )


def test_the_schema_names_are_those_of_the_snapshot(live):
    renamed, removed, added = openapi_snapshot.renames(openapi_snapshot.load(), live)
    assert (renamed, removed, added) == ([], [], []), (
        f"schema names changed — renamed {renamed}, removed {removed}, added {added}; "
        "if deliberate: UPDATE_SNAPSHOT=1 pytest tests/api/test_contract.py"
    )


def test_a_renamed_schema_shows_only_as_a_renamed_schema(live):
    renamed = json.loads(json.dumps(live).replace('"#/components/schemas/ErrorOut"', '"#/components/schemas/Problem"'))
    renamed["schemas"]["Problem"] = renamed["schemas"].pop("ErrorOut")
    assert openapi_snapshot.nameless(renamed) == openapi_snapshot.nameless(live)
    assert openapi_snapshot.renames(live, renamed) == (["ErrorOut → Problem"], [], [])


def _with_real_ids(case, org_id: int):
    """Point ids in a generated body at a real organization, so that writes get past the lookup."""
    if isinstance(case.body, dict):
        for key in ("parent", "org"):
            if key in case.body:
                case.body[key] = org_id
    return case


def strategy_for(operation, mode, world):
    """Generated cases, plus cases on the ``world``'s own records (random ids almost never exist)."""
    generated = operation.as_strategy(generation_mode=mode)
    if "{id}" not in operation.path:
        strategies = [generated]
    else:
        model = Member if operation.path.startswith("/api/v1/members") else Organization
        pks = sorted(model.objects.values_list("pk", flat=True))
        strategies = [generated] + [
            operation.as_strategy(generation_mode=mode, path_parameters={"id": pk}) for pk in pks
        ]
    combined = st.one_of(strategies)
    if mode is not schemathesis.GenerationMode.POSITIVE:
        return combined
    org_ids = sorted(Organization.objects.values_list("pk", flat=True))
    return st.tuples(combined, st.sampled_from(org_ids)).map(lambda pair: _with_real_ids(*pair))


def conformance_test(operation, strategy, headers):
    """A Hypothesis test of one operation: each case is sent, and its answer checked."""

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    return run


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_every_operation_conforms_to_the_schema(world, in_process_wsgi, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", in_process_wsgi)
    failures = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        # A fresh token per operation: fuzzing ``DELETE /auth/token`` revokes the one in use.
        _token, secret = api_token_issue(user=world.organizer)
        # The Host header is the server's, not the API's: a generated one (``host: a``) would only meet
        # ALLOWED_HOSTS, which answers Django's plain 400 before any route runs.
        headers = {"Authorization": f"Bearer {secret}", "Host": "localhost"}
        run = conformance_test(operation, strategy_for(operation, mode, world), headers)
        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failures, then report them all
            failures.append(f"{operation.label}: {exc}")
    assert operations == len(openapi_snapshot.load()["operations"])  # every operation of the snapshot was fuzzed
    assert not failures, "\n\n".join(failures)
