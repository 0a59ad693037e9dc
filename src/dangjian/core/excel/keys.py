"""Finding the stored records a chunk of import rows names by a key of several fields, in one query."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q


def find_by_keys(queryset, fields: tuple[str, ...], keys: Iterable[tuple]) -> dict[tuple, Any]:
    """The records of ``queryset`` whose ``fields`` hold one of ``keys`` (tuples of values in the order
    of ``fields``), by key; where two records share a key, the first in the queryset's order."""
    query = Q()
    for key in keys:
        query |= Q(**dict(zip(fields, key, strict=True)))
    found: dict[tuple, Any] = {}
    if not query:
        return found
    for record in queryset.filter(query):
        found.setdefault(tuple(getattr(record, name) for name in fields), record)
    return found
