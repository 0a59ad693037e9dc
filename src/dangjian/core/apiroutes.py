"""What the routes of the API modules do alike, so that a route says only what is its own.

A record route finds its record in the user's subtree (404 outside it, and for a read-only role on
a write), then calls its service with the acting user::

    @router.patch("/programmes/{id}", ...)
    def programme_update(request, id: PathId, payload: Annotated[ProgrammeUpdateIn | None, Body()] = None):
        programme = apiroutes.writable(request, Programme, id)
        apiroutes.update(request, services.programme_update, payload, blank=("note",), programme=programme)
        return apiroutes.visible(request, Programme, id, "org")

The keyword arguments a helper does not know (``programme=programme``) go to the service unchanged.
"""

from __future__ import annotations

from typing import Any

from ninja import Status

from dangjian.core.api import changes
from dangjian.core.scoping import get_visible_or_404


def visible(request, model, pk: int, *related: str):
    """``model``'s record ``pk`` as the user sees it (404 outside their subtree), with ``related`` joined."""
    queryset = model.objects.visible_to(request.auth)
    return get_visible_or_404(queryset.select_related(*related) if related else queryset, pk=pk)


def writable(request, model, pk: int, *related: str, live: bool = False):
    """``model``'s record ``pk`` if the user may change it (404 otherwise); ``live``: not cancelled either."""
    queryset = model.objects.writable_by(request.auth)
    if live:
        queryset = queryset.exclude(state=model.State.CANCELLED)
    return get_visible_or_404(queryset.select_related(*related) if related else queryset, pk=pk)


def update(request, service, payload, *, blank=(), choices=(), **record: Any) -> None:
    """A partial update (PATCH) through ``service``, when the body changes anything (see ``changes``)."""
    data, version = changes(payload, blank=blank, choices=choices)
    if data:
        service(actor=request.auth, data=data, expected_version=version, **record)


def cancel(request, service, payload, **record: Any) -> None:
    """Cancel through ``service`` with the body's reason and the version the client read (a ``CancelIn``)."""
    service(actor=request.auth, reason=payload.reason, expected_version=payload.version, **record)


def delete(request, service, **record: Any) -> Status:
    """Delete through ``service``; the answer is 204 without a body."""
    service(actor=request.auth, **record)
    return Status(204, None)
