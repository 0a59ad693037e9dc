"""Schemas every API router shares: one generic page, reading a related record's field, and bodies
whose required fields are checked after the record.

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

A route on a record checks its body after finding the record, so that a record outside the user's
subtree answers 404 whatever the body says: the body's fields default to None and
:func:`required_after_record` marks them required in the documentation only, and
:func:`check_required` answers 422 when one is missing. :class:`CancelIn` is
the body of every ``…/cancel`` route.
"""

from __future__ import annotations

from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict

from dangjian.core.api import ApiError
from dangjian.core.apitypes import InputSchema, RequiredText


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


def required_after_record(*names: str):
    """``json_schema_extra`` documenting ``names`` as required; the route checks them after finding its record."""

    def extra(schema: dict) -> None:
        schema["required"] = list(names)
        for name in names:
            schema["properties"][name].pop("default", None)

    return extra


def check_required(payload, *names: str) -> None:
    """Answer 422 naming every one of ``names`` the body left out (the route has found its record)."""
    missing = [name for name in names if payload is None or getattr(payload, name) is None]
    if missing:
        raise ApiError(
            422,
            _("The submitted data is not valid."),
            [{"field": name, "message": _("This field is required.")} for name in missing],
        )


# A meeting, training session or volunteer activity (core.gatherings.Held): a client records it as
# planned or held; it is cancelled by its own route (with a :class:`CancelIn`).
HeldState = Literal["planned", "held"]
HeldStateOut = Literal["planned", "held", "cancelled"]
# A row of an attendance sheet (core.gatherings.AttendanceRow).
AttendanceStatus = Literal["present", "on_leave", "absent"]


class CancelIn(InputSchema):
    # Why the record is cancelled, and the version read (409 if someone saved in between). No
    # docstring: it would become the schema's description in the OpenAPI document.
    model_config = ConfigDict(json_schema_extra=required_after_record("reason"))

    reason: RequiredText = Field(None, max_length=200)
    version: int | None = None
