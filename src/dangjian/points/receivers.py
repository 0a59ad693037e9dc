"""Receivers of other modules' signals: they call the services, nothing else."""

from __future__ import annotations

from dangjian.points.models import PointEntry
from dangjian.points.services import sync_entries


def on_meeting_changed(sender, *, meeting_id: int, **kwargs) -> None:
    """A meeting was recorded, changed or cancelled: add, adjust or reverse exactly its entries."""
    sync_entries(source=PointEntry.Source.MEETING, source_id=meeting_id)


def on_session_changed(sender, *, session_id: int, **kwargs) -> None:
    """A training session or its attendance sheet was recorded, changed, cancelled or deleted."""
    sync_entries(source=PointEntry.Source.TRAINING, source_id=session_id)


def on_service_changed(sender, *, activity_id: int, **kwargs) -> None:
    """A volunteer activity or its hours were recorded, changed, cancelled or deleted."""
    sync_entries(source=PointEntry.Source.SERVICE, source_id=activity_id)
