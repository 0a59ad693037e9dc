"""Chinese everywhere a person reads (issue 14, point 3): how a page's text is read and judged. The walk
that applies it to every page every demo persona reaches is in ``tests/test_page_walk.py``.

On each page the text a person reads — the
text between tags and the title, placeholder and aria-label attributes, not scripts, styles or other
attributes — may not contain English: a run of ASCII letters that is not on the short allow-list
below fails, and so does a raw key (``branch.joint_below_full_members``), a slug (``theme_day``,
``theme-day``) or a Python value (``['theme_day']``, ``None``, ``True``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from dangjian.reports.figures import REGISTRY

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
    # the work summary's template names its figures in its placeholders ({training.person_times|余})
    "/reports/summary/template/": {part for name in REGISTRY for part in (name, *name.split("."))},
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


class VisibleText(HTMLParser):
    """The text a person reads on a page."""

    INVISIBLE = {"script", "style", "template", "noscript"}
    READ_ATTRS = ("title", "placeholder", "aria-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.INVISIBLE:
            self._hidden += 1
        values = dict(attrs)
        self.parts.extend(values[a] for a in self.READ_ATTRS if values.get(a))
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
    found += [m.group(0) for m in DOTTED_KEY.finditer(text) if m.group(0) not in allowed]
    found += [m.group(0) for m in SLUG.finditer(text) if m.group(0) not in allowed]
    rest = CODE.sub(" ", text)
    found += [w for w in WORD.findall(rest) if w not in allowed and w.strip(".-_") not in allowed]
    return found


def english_on(body: bytes, allowed: set[str]) -> list[str]:
    """The English, raw keys and Python values a person would read on the page ``body``."""
    parser = VisibleText()
    parser.feed(body.decode())
    return sorted(set(foreign_words("\n".join(parser.parts), allowed)))


def test_the_reading_catches_english_keys_slugs_and_python_values():
    body = (
        "<html><head><title>规则</title><script>var x = 'English';</script></head><body>"
        "<p>branch.joint_below_full_members</p><p>theme-day</p><p>['theme_day']</p><p>None</p>"
        "<input type='submit' value='Save'><span title='Select an option'>请选择</span>"
        "<p>A001 2026-12-07 Excel sec_a1</p></body></html>"
    ).encode()
    found = english_on(body, ALLOWED_WORDS | {"sec_a1"})
    assert "branch.joint_below_full_members" in found and "theme-day" in found and "None" in found
    assert "Save" in found and "Select" in found and "English" not in found
    assert not {"A001", "Excel", "sec_a1"} & set(found)
