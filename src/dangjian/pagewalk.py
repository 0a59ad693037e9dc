"""A walk of every page a user can reach from their home by following links, with each page's size and
time: the page budget of issue 14 ("no page of the county demo over 1 MB of HTML or over 1 s on the
server"). ``make bench`` walks the county demo through HTTP as every demo role (``dangjian.bench``); the
suite walks the small demo with Django's test client (``tests/test_page_budget.py``).

The walk is breadth first from ``/``. It follows links to HTML pages of the site and takes at most
``per_shape`` pages of each URL shape (the path and query names with every number replaced by ``#``:
``/orgs/#/`` is one shape, however many organizations there are), so it stays bounded at any scale and
still reaches every kind of page. Downloads (exports, templates, attachments), the API, log-out and
language switches are not followed.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

PAGE_BYTES = 1_000_000  # the budget: no page over 1 MB of HTML
PAGE_MS = 1000.0  # nor over 1 s on the server

LINK = re.compile(r'href="([^"#]*)"')
NOT_FOLLOWED = re.compile(
    r"^/(static|media|api|i18n|admin)/|/logout/|/export/|/template/|/download|/attachments?/|\.(xlsx|csv|pdf|zip)\b"
)
NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Fetched:
    status: int
    body: bytes
    ms: float
    content_type: str


@dataclass(frozen=True)
class PageFigure:
    path: str
    bytes: int
    ms: float


def shape(path: str) -> str:
    """``/orgs/12/?org=3&page=2`` → ``/orgs/#/?org&page``: one shape for every page of one kind."""
    parts = urlsplit(path)
    names = "&".join(sorted({name for name, _v in parse_qsl(parts.query, keep_blank_values=True)}))
    return NUMBER.sub("#", parts.path) + (f"?{names}" if names else "")


def links(body: bytes, base: str = "/") -> list[str]:
    """The site's own links of a page (``?page=2`` read against ``base``, the page's path), unescaped,
    without fragments."""
    found = []
    for href in LINK.findall(body.decode("utf-8", "replace")):
        href = unescape(href)
        parts = urlsplit(urljoin(base, href))
        if not href or parts.scheme or parts.netloc or NOT_FOLLOWED.search(f"{parts.path}?{parts.query}"):
            continue
        query = urlencode(parse_qsl(parts.query, keep_blank_values=True))
        found.append(parts.path + (f"?{query}" if query else ""))
    return found


def walk(fetch: Callable[[str], Fetched], *, start: str = "/", limit: int = 400, per_shape: int = 2):
    """Every HTML page reached from ``start`` (at most ``limit``, ``per_shape`` of each shape), with its
    size and time. ``fetch(path)`` gets one page as the walking user."""
    seen: set[str] = {start}
    taken: dict[str, int] = {}
    queue = deque([start])
    figures: list[PageFigure] = []
    while queue and len(figures) < limit:
        path = queue.popleft()
        got = fetch(path)
        if got.status != 200 or not got.content_type.startswith("text/html"):
            continue
        figures.append(PageFigure(path, len(got.body), got.ms))
        for link in links(got.body, base=path):
            key = shape(link)
            if link in seen or taken.get(key, 0) >= per_shape:
                continue
            seen.add(link)
            taken[key] = taken.get(key, 0) + 1
            queue.append(link)
    return figures


def over_budget(figures: list[PageFigure], max_bytes: int = PAGE_BYTES, max_ms: float = PAGE_MS):
    """The pages over the budget, largest first."""
    return sorted((f for f in figures if f.bytes > max_bytes or f.ms > max_ms), key=lambda f: (-f.bytes, -f.ms))
