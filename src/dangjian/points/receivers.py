"""Receivers of other modules' signals: they call the services, nothing else."""

from __future__ import annotations


def on_meeting_changed(sender, *, meeting_id: int, **kwargs) -> None:
    """A meeting was recorded, changed or cancelled: add, adjust or reverse exactly its entries."""
    from dangjian.points.services import sync_meeting_entries

    sync_meeting_entries(meeting_id=meeting_id)
