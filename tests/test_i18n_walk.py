"""Chinese everywhere a person reads (issue 14, point 3).

Every demo persona starts at their home page and follows the same-site links they are shown (GET
only, a bounded number of pages, a few of each kind); on each page the text a person reads — the
text between tags and the title, placeholder and aria-label attributes, not scripts, styles or other
attributes — may not contain English: a run of ASCII letters that is not on the short allow-list
below fails, and so does a raw key (``branch.joint_below_full_members``), a slug (``theme_day``,
``theme-day``) or a Python value (``['theme_day']``, ``None``, ``True``).
"""

from __future__ import annotations

import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.urls import Resolver404, resolve

from dangjian.core.models import User
from dangjian.demo.accounts import DEMO_USERS
from dangjian.demo.build import build

# Words that may stay in ASCII, each for a reason.
ALLOWED_WORDS = {
    # file formats and the names of things that are called so in Chinese too
    "Excel",
    "xlsx",
    "PDF",
    "CSV",
    "API",
    "ID",
    "TOTP",  # the second-factor standard the authenticator app names
    "REST",
    "JSON",
    "OpenAPI",
    "Token",
    "token",
    "Bearer",
    # units and number formats
    "JPEG",
    "PNG",
    "Dangjian",  # the product's name, as the authenticator app lists it
    "zq",  # the member search's example of pinyin initials (张强)
}
# Codes a page must show because a person types them: the points rules' import takes the automatic
# source of a rule as a code (``meeting:theme_day``), and its page lists them.
ALLOWED_ON_PAGE = {
    "/io/point_rules/": {"meeting", "meeting_absent", "any", "training", "service_hours", "base", "post_duty"}
    | {"theme_day"},
}
# Whole patterns that are codes, not words: organization codes, dates, versions, e-mail and web addresses.
CODE = re.compile(
    r"[A-Za-z]*\d[\w.\-/:]*"  # a code with digits (A001, v1.2, 2026-06-20)
    r"|[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"  # an e-mail address
    r"|(?:https?|otpauth)://\S+"  # a web address, the second factor's set-up address
    r"|\b[A-Z]{2,}\b"  # capitals: an organization's code (QW), the second factor's secret in groups
)
WORD = re.compile(r"[A-Za-z][A-Za-z_.\-]*[A-Za-z]|[A-Za-z]")
DOTTED_KEY = re.compile(r"\b[a-z]+\.[a-z_]+\b")
SLUG = re.compile(r"\b[a-z]+(?:[_-][a-z]+)+\b")
PY_REPR = re.compile(r"\[\s*'|'\s*\]|\bNone\b|\bTrue\b|\bFalse\b")

MAX_PAGES = 150  # per persona
PER_ROUTE = 2  # pages of one URL name per persona (a list, a detail, …)
SKIP = re.compile(r"^/(static|media|api|i18n|logout|account/logout)|/export|/download|/template|\.xlsx|/report")


class VisibleText(HTMLParser):
    """The text a person reads on a page and the same-site links on it."""

    INVISIBLE = {"script", "style", "template", "noscript"}
    READ_ATTRS = ("title", "placeholder", "aria-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.INVISIBLE:
            self._hidden += 1
        values = dict(attrs)
        self.parts.extend(values[a] for a in self.READ_ATTRS if values.get(a))
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in self.INVISIBLE and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def foreign_words(text: str, allowed: set[str]) -> list[str]:
    """The ASCII words, raw keys, slugs and Python values in ``text`` that no allow-list lets through."""
    found = [m.group(0) for m in PY_REPR.finditer(text)]
    found += [m.group(0) for m in DOTTED_KEY.finditer(text)]
    found += [m.group(0) for m in SLUG.finditer(text) if m.group(0) not in allowed]
    rest = CODE.sub(" ", text)
    found += [w for w in WORD.findall(rest) if w not in allowed and w.strip(".-_") not in allowed]
    return found


def walk(client, start: str = "/") -> dict[str, str]:
    """Visible text of the pages reached from ``start``: {url: text}."""
    seen: set[str] = {start}
    per_route: Counter[str] = Counter()
    queue = deque([start])
    pages: dict[str, str] = {}
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code < 500, f"{url} → {response.status_code}"
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = VisibleText()
        parser.feed(response.content.decode())
        pages[url] = "\n".join(parser.parts)
        for href in parser.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc not in ("", "testserver") or parts.scheme not in ("", "http"):
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path in seen or SKIP.search(parts.path):
                continue
            try:
                name = resolve(parts.path).view_name
            except Resolver404:
                continue
            seen.add(path)
            if per_route[name] >= PER_ROUTE:
                continue
            per_route[name] += 1
            queue.append(path)
    return pages


def test_every_page_every_persona_reaches_speaks_chinese(db, client):
    build(scale="small", seed=1)
    allowed = ALLOWED_WORDS | set(User.objects.values_list("username", flat=True))
    problems, walked = [], Counter()
    for demo_user in DEMO_USERS:
        client.force_login(User.objects.get(username=demo_user.username))
        pages = walk(client)
        walked[demo_user.username] = len(pages)
        for url, text in pages.items():
            if words := sorted(set(foreign_words(text, allowed | ALLOWED_ON_PAGE.get(url, set())))):
                problems.append(f"{demo_user.username} {url}: {' '.join(words)[:300]}")
        client.logout()
    assert min(walked.values()) >= 5, f"pages walked: {walked}"
    assert not problems, f"English or raw keys on {len(problems)} pages ({walked}):\n" + "\n".join(problems)
