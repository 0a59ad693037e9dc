"""What the apps above organizations contribute to it, registered from their AppConfig.ready().

organizations sits below members in the layers (``.importlinter``) and does not import them for its
reads. Yet the branch work rules count an organization's members, a branch with members cannot be
dissolved, and an organization's page shows who is in it. So organizations declares here what it
needs, and the app that has it supplies it:

- :func:`provide_member_counts` — how many current members sit directly in organizations;
- :func:`register_panel` — a card on an organization's page, from the contributing app's template.

Without a provider an organization has no members: the tree on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string

Counts = dict[str, int]  # {"total": n, "full": n}
NO_MEMBERS: Counts = {"total": 0, "full": 0}


@dataclass(frozen=True)
class MemberCounts:
    """Counts of the current members directly in organizations (not their subtrees)."""

    # {org id: counts} of every organization under the given paths.
    under: Callable[[list[str]], dict[int, Counts]] = field(default=lambda paths: {})
    # The counts of one organization.
    of: Callable[[Any], Counts] = field(default=lambda org: dict(NO_MEMBERS))
    # {path: n} of the members in each subtree (members.queries.member_counts: the one member count).
    within: Callable[[list[str]], dict[str, int]] = field(default=lambda paths: dict.fromkeys(paths, 0))


_member_counts = MemberCounts()


def provide_member_counts(counts: MemberCounts) -> None:
    global _member_counts
    _member_counts = counts


def member_counts() -> MemberCounts:
    return _member_counts


@dataclass(frozen=True)
class Panel:
    """A card on an organization's page.

    ``context(org, children)`` returns the template's context (the page adds ``org``); it may give
    ``per_child`` (``{child path: figure}``) to fill a column of the children's table headed
    ``child_heading``, each figure linking to ``child_url`` with ``?org=<child id>``. ``column`` is
    ``"side"`` (beside the subtree's figures) or ``"main"``.
    """

    name: str
    template: str
    context: Callable[[Any, Sequence[Any]], dict[str, Any]]
    column: str = "main"
    order: int = 100
    child_heading: str = ""
    child_url: str = ""


_panels: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _panels[panel.name] = panel


def panels() -> list[Panel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.name))


@dataclass
class RenderedPanels:
    side: list[str]
    main: list[str]
    child_columns: list[tuple[str, str]]  # (heading, URL name)


def render_panels(request, org, children: Sequence[Any]) -> RenderedPanels:
    """Every registered panel rendered for ``org``; each child gets ``child_figures``, ``[(figure, URL
    name)]`` in the order of ``child_columns``."""
    done = RenderedPanels(side=[], main=[], child_columns=[])
    for child in children:
        child.child_figures = []
    for panel in panels():
        context = panel.context(org, children)
        html = render_to_string(panel.template, {**context, "org": org}, request)
        (done.side if panel.column == "side" else done.main).append(html)
        if panel.child_heading:
            done.child_columns.append((panel.child_heading, panel.child_url))
            per_child = context.get("per_child", {})
            for child in children:
                child.child_figures.append((per_child.get(child.path, 0), panel.child_url))
    return done
