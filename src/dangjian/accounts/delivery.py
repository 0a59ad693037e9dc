"""Channels that deliver an activation code to the person it is for (``ACTIVATION_CHANNEL``).

A channel knows the person's registered address on it (``address_for``; None: not registered)
and sends a message there (``send``). ``ConsoleChannel`` logs the message: for development
only (the production check refuses it). ``EmailChannel`` mails it to the account's e-mail
address with Django's mail settings. An SMS gateway is a subclass of ``Channel`` with its own
``address_for`` (the phone on record) and ``send``. With no channel configured, or no address
for the person, the code is released only by the security administrator (in person).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("dangjian.accounts.delivery")


class Channel:
    name = "channel"

    def address_for(self, user) -> str | None:
        raise NotImplementedError

    def send(self, user, address: str, subject: str, message: str) -> None:
        raise NotImplementedError


class ConsoleChannel(Channel):
    """Development: the message goes to the log (the console of ``runserver``)."""

    name = "console"

    def address_for(self, user) -> str | None:
        return user.email or user.get_username()

    def send(self, user, address: str, subject: str, message: str) -> None:
        logger.warning("[console channel] to %s: %s\n%s", address, subject, message)


class EmailChannel(Channel):
    name = "email"

    def address_for(self, user) -> str | None:
        return user.email or None

    def send(self, user, address: str, subject: str, message: str) -> None:
        send_mail(subject, message, None, [address])


def channel() -> Channel | None:
    """The configured channel, or None (every code released by the security administrator)."""
    path = getattr(settings, "ACTIVATION_CHANNEL", "")
    return import_string(path)() if path else None
