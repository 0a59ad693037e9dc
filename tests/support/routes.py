"""Every URL pattern and API route of the project, as the resolver spells them."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver

# ``<int:pk>`` in a URL pattern, ``{id}`` in an API route, ``{pk}`` in a declaration
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>|\{(\w+)\}")


def all_routes():
    """``[(route, name)]`` for every URL pattern, with prefixes joined."""
    found = []

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                found.append((route.lstrip("^").rstrip("$"), p.name))

    walk(get_resolver().url_patterns, "")
    return found


def fill(route: str, value: int) -> str | None:
    """``route`` with every parameter set to ``value``, or None when it takes none."""
    if not PARAM.search(route):
        return None
    return "/" + PARAM.sub(str(value), route)


def shape(path: str) -> str:
    """A route or a declared path with its parameters blanked: ``/training/programmes/{}/``."""
    return "/" + PARAM.sub("{}", path).lstrip("/")


def routes_with_an_object(*prefixes: str) -> set[str]:
    """The shapes of every route under ``prefixes`` that takes an object."""
    return {shape(route) for route, _name in all_routes() if route.startswith(prefixes) and PARAM.search(route)}
