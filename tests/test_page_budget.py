"""The page budget (issue 14, "Done when"): every page a role reaches from its home stays small whatever
the size of the district. The small demo is walked as every demo role (``dangjian.pagewalk``); each page
must stay under a bound that does not grow with the data, which holds only where lists are paginated or
collapsed. ``make bench`` walks the county demo the same way and reports sizes and times (BENCHMARKS.md)."""

from __future__ import annotations

import re
import time

import pytest

from dangjian.core.models import User
from dangjian.demo.build import DEMO_USERS, build
from dangjian.organizations.models import Organization
from dangjian.pagewalk import Fetched, walk

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# A page of a list (50 rows), a meeting's sheet (a branch's roster), a form with its pickers: well under
# this at any scale. The county's 1 MB budget leaves room for the longest names and rosters.
PAGE_BYTES = 200_000
TABLE_ROWS = 150  # a page holds a page of a list, never a whole subtree's rows


@pytest.fixture
def demo(db):
    return build(scale="small", seed=7)


def fetcher(client, rows: dict[str, int]):
    """``fetch`` for the walk through the test client; ``rows`` gets each page's number of table rows."""

    def fetch(path: str) -> Fetched:
        started = time.perf_counter()
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        rows[path] = len(re.findall(rb"<tr[ >]", body))
        return Fetched(response.status_code, body, (time.perf_counter() - started) * 1000, response["Content-Type"])

    return fetch


@pytest.mark.parametrize("username", [u.username for u in DEMO_USERS])
def test_every_page_a_role_reaches_stays_within_the_budget(demo, client, username):
    client.force_login(User.objects.get(username=username))
    rows: dict[str, int] = {}
    figures = walk(fetcher(client, rows), limit=120, per_shape=1)
    assert len(figures) >= 3, figures  # the home, and the pages of the menu
    for figure in figures:
        assert figure.bytes < PAGE_BYTES, figure
        assert rows[figure.path] <= TABLE_ROWS, figure


def test_the_warnings_are_paginated(demo, client, settings):
    settings.PAGE_SIZE = 3
    client.force_login(User.objects.get(username="dept"))
    page = client.get("/orgs/warnings/").content.decode()
    assert page.count('<tr><td><a href="/orgs/') == 3 and "page=2" in page
    assert Organization.objects.exists()
