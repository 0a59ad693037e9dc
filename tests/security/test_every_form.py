"""Hostile values at EVERY form and EVERY import template, found generically.

Forms: every URL pattern is opened (GET) as the department organizer with the objects of the
`world` filled in; each page's POST forms are read from the HTML (field names, hidden inputs
and the form's action) and submitted with hostile values. Import templates: every registered
register gets rows of random cells. Nothing may answer 500 or raise.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.core.excel import declarations, pipeline
from tests.test_subtree_walk import PARAM, SKIP_PREFIXES, all_routes

HOSTILE = [
    "",
    " ",
    "\x00",
    "'; DROP TABLE members_member; --",
    "<script>alert(1)</script>",
    "9" * 300,
    "-1",
    "1e309",
    "2019-02-30",
    "9999-12-31",
    "0001-01-01",
    "00:99",
    "true",
    "410102198005170011",
    "１２３",
]
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.I)
ACTION = re.compile(r"\baction=\"([^\"]*)\"", re.I)
METHOD = re.compile(r"\bmethod=\"post\"", re.I)


def forms_on(html: str, url: str) -> list[tuple[str, list[str]]]:
    found = []
    for attrs, body in FORM.findall(html):
        if not METHOD.search(attrs):
            continue
        action = ACTION.search(attrs)
        target = unescape(action.group(1)) if action and action.group(1) else url
        names = sorted({n for n in FIELD.findall(body) if n not in {"csrfmiddlewaretoken", "language", "next"}})
        if names and "logout" not in target and "i18n" not in target:
            found.append((target, names))
    return found


def object_urls(world) -> list[str]:
    """Every route, with each parameter filled by an object the organizer may see."""
    ids = {
        "orgs/": world.branch_a1.pk,
        "members/": world.zhang.pk,
    }
    urls = []
    for route, _name in all_routes():
        if route.startswith((*SKIP_PREFIXES, "api/", "i18n/", "static/")) or "logout" in route:
            continue
        if PARAM.search(route):
            value = next((v for prefix, v in ids.items() if route.startswith(prefix)), None)
            if value is None:
                continue
            urls.append("/" + PARAM.sub(str(value), route))
        else:
            urls.append("/" + route)
    return urls


def test_every_form_survives_hostile_values(world, client_for):
    client = client_for(world.organizer)
    forms_tried = posts = 0
    for url in object_urls(world):
        response = client.get(url)
        assert response.status_code < 500, f"GET {url} → {response.status_code}"
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for target, names in forms_on(response.content.decode(), url):
            forms_tried += 1
            for i, hostile in enumerate(HOSTILE):
                data = {name: HOSTILE[(i + k) % len(HOSTILE)] for k, name in enumerate(names)}
                data[names[0]] = hostile
                answer = client.post(target, data)
                posts += 1
                assert answer.status_code < 500, f"POST {target} {data!r} → {answer.status_code}"
    assert forms_tried >= 5, forms_tried
    print(f"forms tried: {forms_tried}, posts: {posts}")


cell = st.one_of(
    st.none(),
    st.sampled_from([*HOSTILE, "是", "否", "TA-001", "正式党员", "党员大会", "2026-05-01", "示例"]),
    st.text(max_size=20),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.datetimes(),
)


@pytest.mark.parametrize("name", sorted(t.name for t in declarations.all_templates()))
def test_every_import_template_turns_random_cells_into_row_errors(world, name):
    template = declarations.get(name)
    headers = [c.header for c in template.columns]

    @settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(
        rows=st.lists(st.lists(cell, min_size=len(headers), max_size=len(headers)), min_size=1, max_size=4),
        commit=st.booleans(),
    )
    def run(rows, commit):
        outcome = pipeline.run_values(template, [headers, *rows], user=world.town_organizer, commit=commit)
        for error in outcome.errors:
            assert error.message
        assert outcome.created + outcome.updated + outcome.unchanged + outcome.error_rows == outcome.rows

    run()
