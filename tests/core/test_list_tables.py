"""Every list table uses the one phone pattern of core/app.css: it sits directly in a .table-responsive box,
so on a narrow screen it scrolls inside the box with its first (key) column in view instead of squeezing
its text to one character per line (issue 14.4). tests/browser/test_phone_layout.py shows it in a browser."""

from __future__ import annotations

import re
from pathlib import Path

import dangjian

SRC = Path(dangjian.__file__).parent
APP_CSS = SRC / "core" / "static" / "core" / "app.css"
# Short tables of a label and a figure or two, never wider than a phone.
SHORT = {
    "points/templates/points/distribution.html",
    "cadres/templates/cadres/figures.html",
    # Not a page: the work summary downloaded as a standalone .html document (no app.css, printed or mailed).
    "reports/templates/reports/summary_document.html",
}


def test_every_list_table_sits_in_a_table_responsive_box():
    outside = []
    for template in sorted(SRC.glob("*/templates/**/*.html")):
        name = str(template.relative_to(SRC))
        if name in SHORT:
            continue
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"<table\b", text):
            before = text[: match.start()].rstrip()
            if not before.endswith('<div class="table-responsive">'):
                outside.append(f"{name}:{text.count(chr(10), 0, match.start()) + 1}")
    assert not outside, f'put these tables in <div class="table-responsive">: {outside}'


def test_the_pattern_keeps_the_key_column_and_whole_words():
    css = APP_CSS.read_text(encoding="utf-8")
    first = re.search(r"\.table-responsive > \.table > tbody > tr > :first-child[^{]*\{([^}]*)\}", css)
    assert first and "position: sticky" in first.group(1) and "left: 0" in first.group(1)
    assert re.search(r"\.table-responsive > \.table > :not\(caption\) > tr > td \{ white-space: nowrap; \}", css)
