"""The palette meets WCAG 2.1 AA: text 4.5:1, borders of controls 3:1 (issue 14.4).

Reads the app's own stylesheets (not the vendored ones): the custom properties of core/app.css and every
rule that sets a colour. A future pale colour — a warning in #ffc107 on white is 1.6:1 — fails here
before anyone has to squint at it. The browser tests (tests/browser/test_a11y.py) run axe-core over the
rendered pages as well.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import dangjian

SRC = Path(dangjian.__file__).parent
APP_CSS = SRC / "core" / "static" / "core" / "app.css"
TEXT, LARGE_OR_UI = 4.5, 3.0


def stylesheets() -> list[Path]:
    return sorted(p for p in SRC.glob("*/static/**/*.css") if "vendor" not in p.parts)


def rules(css: str) -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) of every rule, at-rules' blocks flattened; comments dropped."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"@[^{;]+\{((?:[^{}]*\{[^{}]*\})*)[^{}]*\}", r"\1", css)  # @media { rules } → rules
    found = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = {}
        for part in body.split(";"):
            if ":" in part:
                name, value = part.split(":", 1)
                declarations[name.strip()] = value.replace("!important", "").strip()
        found.append((selector.strip(), declarations))
    return found


def custom_properties() -> dict[str, str]:
    return {
        name: value
        for selector, declarations in rules(APP_CSS.read_text(encoding="utf-8"))
        if selector == ":root"
        for name, value in declarations.items()
        if name.startswith("--dj-")
    }


def resolve(value: str, variables: dict[str, str]) -> str | None:
    """A hex colour, following var(--dj-…); None for what is not a plain colour (inherit, var(--bs-…))."""
    match = re.fullmatch(r"var\((--dj-[\w-]+)\)", value)
    if match:
        return resolve(variables[match.group(1)], variables)
    named = {"white": "#ffffff", "black": "#000000"}
    value = named.get(value.lower(), value)
    return value if re.fullmatch(r"#(?:[0-9a-fA-F]{3}){1,2}", value) else None


def luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2.1's contrast ratio, (L1 + 0.05) / (L2 + 0.05)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_formula_matches_wcag():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-too-pale grey
    assert contrast("#ffc107", "#ffffff") < 1.7  # the old warning yellow of issue 14


def test_every_text_colour_is_readable_on_every_surface():
    variables = custom_properties()
    texts = {n: resolve(v, variables) for n, v in variables.items() if n.startswith(("--dj-text-", "--dj-link"))}
    surfaces = {n: resolve(v, variables) for n, v in variables.items() if n.startswith("--dj-surface")}
    assert len(texts) >= 6 and len(surfaces) >= 4, "the palette is declared in core/app.css :root"
    assert None not in texts.values() and None not in surfaces.values(), "palette entries are plain hex colours"
    failing = [
        f"{t} {texts[t]} on {s} {surfaces[s]}: {contrast(texts[t], surfaces[s]):.2f}:1"
        for t in texts
        for s in surfaces
        if contrast(texts[t], surfaces[s]) < TEXT
    ]
    assert not failing, failing


def test_borders_of_controls_and_the_navigation_bar():
    variables = custom_properties()
    white = variables["--dj-surface"]
    borders = {n: resolve(v, variables) for n, v in variables.items() if n.startswith("--dj-border-")}
    assert borders
    assert all(contrast(c, white) >= LARGE_OR_UI for c in borders.values()), borders
    nav_text, nav_bg = (resolve(variables[name], variables) for name in ("--dj-nav-text", "--dj-nav-bg"))
    assert contrast(nav_text, nav_bg) >= TEXT


@pytest.mark.parametrize("sheet", stylesheets(), ids=lambda p: str(p.relative_to(SRC)))
def test_every_colour_a_stylesheet_sets_is_readable(sheet):
    """A rule's text colour against the background it sets, or against white when it sets none."""
    variables = custom_properties()
    failing = []
    for selector, declarations in rules(sheet.read_text(encoding="utf-8")):
        colour = resolve(declarations.get("color", ""), variables)
        if colour is None:
            continue
        background = declarations.get("background-color") or declarations.get("background") or "#ffffff"
        background = resolve(background, variables) or "#ffffff"
        if contrast(colour, background) < TEXT:
            failing.append(f"{selector}: {colour} on {background} is {contrast(colour, background):.2f}:1")
    assert not failing, failing


def test_bootstraps_pale_text_colours_are_replaced():
    """The classes the templates use for warnings and rates point at the palette, not at Bootstrap's."""
    declared = {selector: d for selector, d in rules(APP_CSS.read_text(encoding="utf-8"))}
    for name in ("warning", "info", "success", "danger"):
        assert declared[f".text-{name}"]["color"] == f"var(--dj-text-{name})"


def test_bootstraps_link_triples_match_the_palette():
    """Bootstrap paints links from --bs-link-color-rgb: it must be the palette's link colour, not its own."""
    declared = {selector: d for selector, d in rules(APP_CSS.read_text(encoding="utf-8"))}[":root"]
    variables = custom_properties()
    for triple, colour in (("--bs-link-color-rgb", "--dj-link"), ("--bs-link-hover-color-rgb", "--dj-link-hover")):
        digits = variables[colour].lstrip("#")
        assert [int(x) for x in declared[triple].split(",")] == [int(digits[i : i + 2], 16) for i in (0, 2, 4)]
