"""The scoped-resource case: a resource declares its routes, how to make its object, its form data or
API payload and its audit action, and inherits the tests every scoped resource must pass.

    class TestProgramme(ScopedResource):
        model = Programme
        routes = ("/training/programmes/{pk}/", "POST /training/programmes/{pk}/delete/",
                  "/api/v1/training/programmes/{pk}", "PATCH /api/v1/training/programmes/{pk}")
        list_routes = ("/training/programmes/", "/api/v1/training/programmes")

        def make(self, w, org):
            return programme(org, f"学习班{next(SEQ)}")

See tests/support/README.md for every attribute and the tests a declaration gets.
"""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.models import AuditEvent
from tests.support.api import api_client_for
from tests.support.audit import assert_one_audit_event
from tests.support.routes import shape

METHODS = ("get", "post", "put", "patch", "delete")
# A refused write: 404 outside the subtree, 403 for a role that may not write there, 405 for a page
# that takes no such method, 422 for a create naming an organization the user may not write in (which
# the API answers as "does not exist", so that neither answer tells whether it exists).
REFUSED = (403, 404, 405, 422)
_ROUTE = re.compile(r"^(?:(GET|POST|PUT|PATCH|DELETE) )?(/\S*)$")


def parse(route: str) -> tuple[str, str]:
    """``"PATCH /api/v1/x/{pk}"`` → ``("patch", "/api/v1/x/{pk}")``; a bare path is a GET."""
    found = _ROUTE.match(route)
    assert found, f"a route is '[METHOD ]/path', not {route!r}"
    return (found.group(1) or "GET").lower(), found.group(2)


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def said(response) -> str:
    """A refused write's status and the start of its answer, for a failure message."""
    return f"{response.status_code}: {response.content.decode(errors='replace')[:300]}"


def listed_ids(response) -> set[int]:
    """The ids of an API list's items (a page ``{"items": [...]}`` or a bare list)."""
    data = response.json()
    items = data.get("items", data.get("results", [])) if isinstance(data, dict) else data
    return {item.get("id") for item in items if isinstance(item, dict)}


class ScopedResource:
    """Base class of a scoped resource's tests. Subclass it as ``Test<Resource>`` and declare:

    - ``make(self, w, org)`` — build one object in ``org`` (``w`` is the world of personas);
    - ``routes`` — the routes that take the object, ``"[METHOD ]/path/{pk}/"`` (GET when no method);
    - ``list_routes`` — list pages and API lists where the object shows (GET);
    - optionally the writes: ``create`` (a route), ``create_data(w, org)``, ``update`` (a route with
      ``{pk}``), ``update_data(w, obj)``, and their audit actions ``create_action`` / ``update_action``.

    The personas are attributes of the world: ``owner`` works in ``owner_org``; each ``(persona, org)`` of
    ``outsiders`` must not reach an object made in ``org``; ``read_only`` personas may write nothing.
    """

    model = None  # the object's model: refused writes must leave its row count unchanged
    routes: tuple[str, ...] = ()
    list_routes: tuple[str, ...] = ()
    owner = "secretary"
    owner_org = "branch_a1"
    outsiders: tuple[tuple[str, str], ...] = (("sibling_secretary", "branch_a1"), ("town_organizer", "branch_b1"))
    read_only: tuple[str, ...] = ("auditor",)
    create: str | None = None
    create_in_org = True  # False when the create names no organization (a new account holds no role yet)
    update: str | None = None
    create_action = "create"
    update_action = "update"
    audit_type: str | None = None  # the events' object_type, when the action alone is ambiguous

    # --- what a declaration provides --------------------------------------------------------------------
    def make(self, w, org):
        raise NotImplementedError("declare make(self, w, org): one object of the resource in org")

    def create_data(self, w, org) -> dict:
        raise NotImplementedError("declare create_data(self, w, org) with create")

    def update_data(self, w, obj) -> dict:
        raise NotImplementedError("declare update_data(self, w, obj) with update")

    def more(self, w, org):
        """One more row for the query-count test (``make`` by default; override when ``make`` cannot
        be repeated in the same organization)."""
        return self.make(w, org)

    def ids(self, obj) -> dict:
        """What fills a route's braces: ``{pk}`` by default."""
        return {"pk": obj.pk}

    def shown(self, obj) -> str:
        """How a list page shows the object."""
        return str(obj)

    @pytest.fixture
    def w(self, world):
        """The world the declaration works in; override to add what the resource needs (a frozen day…)."""
        return world

    # --- machinery --------------------------------------------------------------------------------------
    def url(self, path: str, obj=None, org=None) -> str:
        """``path`` with ``{pk}`` (and whatever ``ids`` adds) of ``obj`` and ``{org}``, the organization's id."""
        values = self.ids(obj) if obj is not None else {}
        if org is not None:
            values["org"] = org.pk
        return path.format(**values)

    def call(self, client, method: str, url: str, data=None):
        """A page gets form data; an API route gets JSON (``{}`` when there is none)."""
        if is_api(url):
            if method == "get":
                return client.get(url, data or {})
            return getattr(client, method)(url, json.dumps(data or {}), content_type="application/json")
        if method in ("get", "post"):
            return getattr(client, method)(url, data or {})
        return getattr(client, method)(url)

    def rows(self) -> int | None:
        return self.model.objects.count() if self.model is not None else None

    def writes(self, w, obj, org) -> list[tuple[str, str, dict | None]]:
        """Every write the declaration knows, ``(method, url, data)``: its writing routes, a POST to each
        page it reads (an edit page takes its form there), its create and its update."""
        found = [(m, self.url(p, obj), None) for m, p in map(parse, self.routes) if m != "get"]
        found += [("post", self.url(p, obj), None) for m, p in map(parse, self.routes) if m == "get" and not is_api(p)]
        if self.create:
            method, path = parse(self.create)
            found.append((method, self.url(path, org=org), self.create_data(w, org)))
        if self.update:
            method, path = parse(self.update)
            found.append((method, self.url(path, obj), self.update_data(w, obj)))
        return found

    # --- the tests every declaration inherits ---------------------------------------------------------
    def test_anonymous_is_sent_to_log_in_or_gets_401(self, w, client):
        org = getattr(w, self.owner_org)
        obj = self.make(w, org)
        for method, path in map(parse, (*self.routes, *self.list_routes)):
            url = self.url(path, obj, org)
            response = self.call(client, method, url)
            if is_api(url):
                assert response.status_code == 401, f"anonymous {method.upper()} {url} → {response.status_code}"
            else:
                assert response.status_code in (302, 405), f"anonymous {method.upper()} {url} → {response.status_code}"
                if response.status_code == 302:
                    assert "/login/" in response["Location"], url

    def test_the_owner_reads_it_and_lists_show_it(self, w, client):
        org = getattr(w, self.owner_org)
        obj = self.make(w, org)
        client.force_login(getattr(w, self.owner))
        for method, path in map(parse, self.routes):
            if method == "get":
                url = self.url(path, obj)
                response = client.get(url)
                assert response.status_code == 200, f"{self.owner} GET {url} → {response.status_code}"
        for _method, path in map(parse, self.list_routes):
            path = self.url(path, org=org)
            response = client.get(path)
            assert response.status_code == 200, path
            if is_api(path):
                assert obj.pk in listed_ids(response), path
            else:
                assert self.shown(obj) in response.content.decode(), path

    def test_outsiders_get_404_on_every_route_and_lists_omit_it(self, w, client, outsider):
        persona, org = outsider
        target = getattr(w, org)
        obj = self.make(w, target)
        client.force_login(getattr(w, persona))
        creates = []
        if self.create and self.create_in_org:
            method, path = parse(self.create)
            creates.append((method, self.url(path, org=target), self.create_data(w, target)))
        before, events = self.rows(), AuditEvent.objects.count()
        for declared, path in map(parse, self.routes):
            url = self.url(path, obj)
            for method in METHODS:
                response = self.call(client, method, url)
                expected = (404,) if method == declared else (404, 405)
                assert response.status_code in expected, f"{persona} {method.upper()} {url} → {response.status_code}"
        for _method, path in map(parse, self.list_routes):
            path = self.url(path, org=target)
            response = client.get(path)
            assert response.status_code in (200, 403, 404), f"{persona} GET {path} → {response.status_code}"
            if response.status_code != 200:
                continue  # a persona without the module's lists: nothing shown either
            if is_api(path):
                assert obj.pk not in listed_ids(response), f"{persona} finds #{obj.pk} in {path}"
            else:
                assert self.shown(obj) not in response.content.decode(), f"{persona} sees {self.shown(obj)} on {path}"
        for method, url, data in creates:
            response = self.call(client, method, url, data)
            # a page refuses by showing its form again (200): that it wrote nothing is checked below
            refused = REFUSED if is_api(url) else (200, *REFUSED)
            assert response.status_code in refused, f"{persona} creates in {org}: {response.status_code}"
        assert (self.rows(), AuditEvent.objects.count()) == (before, events), "an outsider changed something"

    def test_read_only_personas_cannot_write(self, w, client, reader):
        org = getattr(w, self.owner_org)
        obj = self.make(w, org)
        client.force_login(getattr(w, reader))
        writes = self.writes(w, obj, org)  # building the data may write (a parent record): before counting
        before, events = self.rows(), AuditEvent.objects.count()
        for method, url, data in writes:
            response = self.call(client, method, url, data)
            assert response.status_code in REFUSED, f"{reader} {method.upper()} {url} → {response.status_code}"
        assert (self.rows(), AuditEvent.objects.count()) == (before, events), f"{reader} changed something"

    def test_a_create_writes_one_audit_event(self, w, client):
        if not self.create:
            pytest.skip("the resource declares no create")
        org = getattr(w, self.owner_org)
        method, url = parse(self.create)
        url = self.url(url, org=org)
        data = self.create_data(w, org)
        api = api_client_for(getattr(w, self.owner)) if is_api(url) else None
        if api is None:
            client.force_login(getattr(w, self.owner))
        else:
            api.get("/auth/me")  # a token's first use is recorded; not part of the write
        before = self.rows()
        with assert_one_audit_event(self.create_action, object_type=self.audit_type):
            response = getattr(api, method)(url, data) if api else self.call(client, method, url, data)
            assert response.status_code in (200, 201, 302), f"{method.upper()} {url} → {said(response)}"
        if before is not None:
            assert self.rows() == before + 1

    def test_an_update_writes_one_audit_event(self, w, client):
        if not self.update:
            pytest.skip("the resource declares no update")
        obj = self.make(w, getattr(w, self.owner_org))
        method, path = parse(self.update)
        url = self.url(path, obj)
        api = api_client_for(getattr(w, self.owner)) if is_api(url) else None
        if api is None:
            client.force_login(getattr(w, self.owner))
        else:
            api.get("/auth/me")
        data = self.update_data(w, obj)
        with assert_one_audit_event(self.update_action, object_type=self.audit_type):
            response = getattr(api, method)(url, data) if api else self.call(client, method, url, data)
            assert response.status_code in (200, 201, 302), f"{method.upper()} {url} → {said(response)}"

    def test_lists_cost_the_same_queries_with_twice_the_rows(self, w, client, list_route):
        org = getattr(w, self.owner_org)
        user = getattr(w, self.owner)
        list_route = self.url(list_route, org=org)
        if is_api(list_route):
            api = api_client_for(user)
            get = api.get
        else:
            client.force_login(user)
            get = client.get

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert get(list_route).status_code == 200, list_route
            return len(queries)

        for _ in range(2):
            self.more(w, org)
        count()  # the first request warms caches and records a token's use
        rows = count()
        for _ in range(2):
            self.more(w, org)
        assert count() == rows, f"{list_route}: the query count grows with the rows"

    # --- parametrization from the declaration -------------------------------------------------------------
    def pytest_generate_tests(self, metafunc):
        if "outsider" in metafunc.fixturenames:
            metafunc.parametrize("outsider", self.outsiders, ids=[f"{p}-on-{o}" for p, o in self.outsiders])
        if "reader" in metafunc.fixturenames:
            metafunc.parametrize("reader", self.read_only)
        if "list_route" in metafunc.fixturenames:
            metafunc.parametrize("list_route", [path for _m, path in map(parse, self.list_routes)])


def declared_shapes(*cases: type[ScopedResource]) -> set[str]:
    """The shapes of every route the cases declare (``{pk}`` blanked)."""
    found = set()
    for case in cases:
        for route in (*case.routes, *([case.update] if case.update else [])):
            found.add(shape(parse(route)[1]))
    return found
