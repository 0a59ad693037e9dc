"""Output schemas every API router shares: one generic page, and reading a related record's field.

A list route answers one page of its items::

    @router.get("/programmes", response={200: Page[TrainingProgrammeOut], ...})
    def programme_list(request, filters: Query[TrainingProgrammeFilters]):
        return paginate(qs, filters)  # dangjian.core.api

and ``Page[TrainingProgrammeOut]`` documents ``{"count", "page", "page_size", "items"}`` exactly as the
``paginate`` helper returns it. (ninja's own ``@paginate`` decorator answers another shape, ``items``
and ``count`` only, so it is not used: the JSON the clients read stays as it is.)

A field of a related record is declared with its dotted path instead of a ``resolve_…`` method::

    class TrainingProgrammeOut(Schema):
        org_name: str = related("org.name")

ninja reads the path from the object attribute by attribute (``obj.org.name``); the JSON and the
OpenAPI document keep the field's own name (``org_name``), since responses are written and
documented by field name, not by alias. Use it on schemas built from model instances only: a dict
would have to hold the key ``"org.name"``. :func:`choice_label` reads a choice field's label
(``get_kind_display``) the same way.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class Page[T](Schema):
    """One page of a list: the total count, the page asked for, its size and its items."""

    count: int
    page: int
    page_size: int
    items: list[T]


def related(path: str, **kwargs: Any) -> Any:
    """A field read from a related record by its dotted path (``"org.name"``, ``"member.org_id"``)."""
    return Field(..., alias=path, **kwargs)


def choice_label(name: str, **kwargs: Any) -> Any:
    """The label of a choice field (``kind_label: str = choice_label("kind")``), in the request's language."""
    return Field(..., alias=f"get_{name}_display", **kwargs)
