"""Materialized-path helpers shared by every subtree-scoped query.

A path is a string of fixed-width decimal steps (``0001`` is the root, ``00010003`` its
third child). Only digits are used, so ordering is the same under every collation, and a
subtree is one index range ``path >= p AND path < successor(p)`` on SQLite and PostgreSQL
alike (``LIKE 'p%'`` would need ``text_pattern_ops`` on PostgreSQL and never uses an index
on SQLite).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

STEP = 4
MAX_CHILDREN = 10**STEP - 1


def step(n: int) -> str:
    if not 1 <= n <= MAX_CHILDREN:
        raise ValueError(f"child number {n} out of range")
    return f"{n:0{STEP}d}"


def successor(path: str) -> str:
    """The smallest path string greater than every path in ``path``'s subtree."""
    return str(int(path) + 1).zfill(len(path))


def subtree_q(field: str, path: str) -> Q:
    return Q(**{f"{field}__gte": path, f"{field}__lt": successor(path)})


def narrow(qs, org=None, **given):
    """``qs`` (of records with an ``org_path``) narrowed to the subtree of ``org`` when there is one, and
    to each ``field=value`` of ``given`` whose value is given (an empty value filters nothing)."""
    if org is not None:
        qs = qs.filter(subtree_q("org_path", org.path))
    given = {name: value for name, value in given.items() if value}
    return qs.filter(**given) if given else qs


def collapse(paths: Iterable[str]) -> list[str]:
    """Drop paths that lie inside another path of the set (their subtree is already covered)."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def subtrees_q(field: str, paths: Iterable[str]) -> Q | None:
    query: Q | None = None
    for path in collapse(paths):
        part = subtree_q(field, path)
        query = part if query is None else query | part
    return query


def ancestors(path: str) -> list[str]:
    """Paths of every ancestor, root first, excluding ``path`` itself."""
    return [path[:i] for i in range(STEP, len(path), STEP)]


def depth(path: str) -> int:
    return len(path) // STEP
