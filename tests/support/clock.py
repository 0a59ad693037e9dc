"""The one frozen "today" of the suite: Saturday 20 June 2026, 10:00 in Shanghai — ten days before
the end of the second quarter, so that periods, deadlines and caps have something to count."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 6, 20)


def travel(time_machine, day: dt.date, hour: int = 10) -> None:
    """Move the frozen clock to ``day`` at ``hour`` o'clock in Shanghai."""
    time_machine.move_to(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)
