"""Outbound channels for reminders. The in-app inbox always gets the reminder; a channel also
sends it out (SMS, WeChat work, e-mail…) to the secretaries.

``ORGLIFE_REMINDER_CHANNEL`` names the class (a dotted path); the default writes each reminder to
the ``dangjian.orglife.reminders`` log, which goes to the console. A channel implements
``send(reminder, users)`` and must not raise for one failed delivery: it logs it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("dangjian.orglife.reminders")


class Channel:
    """The interface: deliver one reminder to the users it is addressed to."""

    def send(self, reminder, users) -> None:
        raise NotImplementedError


class LogChannel(Channel):
    """Writes each reminder to the log (the console by default): the development and trial channel."""

    def send(self, reminder, users) -> None:
        names = ", ".join(u.get_username() for u in users) or "-"
        logger.info("reminder to %s: %s", names, reminder.message)


class MemoryChannel(Channel):
    """Keeps what it was asked to send (tests)."""

    def __init__(self):
        self.sent: list[tuple[object, list]] = []

    def send(self, reminder, users) -> None:
        self.sent.append((reminder, list(users)))


def get_channel() -> Channel:
    path = getattr(settings, "ORGLIFE_REMINDER_CHANNEL", "dangjian.orglife.channels.LogChannel")
    return import_string(path)()
