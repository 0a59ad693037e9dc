"""BENCHMARKS.md is written in sections, each between two markers and each by the tool that measured
it (``make bench`` one per scale, ``make loadtest`` one per run): a tool rewrites its own section and
keeps every other, so the county and city figures and the load tests stand side by side."""

from __future__ import annotations

from pathlib import Path

MARK = "<!-- {name}:{edge} -->"
HEAD = "# Benchmarks\n"


def write_section(path: Path, name: str, lines: list[str]) -> str:
    """Put ``lines`` in the section ``name`` of the file at ``path`` (replaced, or added at the end)."""
    start, end = MARK.format(name=name, edge="start"), MARK.format(name=name, edge="end")
    section = "\n".join([start, *lines, end])
    text = path.read_text() if path.exists() else HEAD
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)
    return section
