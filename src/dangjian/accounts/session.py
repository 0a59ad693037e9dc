"""What this app keeps in the session: when the user logged in and when their password was set."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

LOGIN_AT = "accounts_login_at"
PASSWORD_SET_AT = "accounts_password_set_at"  # noqa: S105 - a session key's name
HAS_DEVICE = "accounts_has_device"  # whether the user had a two-factor device when they logged in


def now_ts() -> float:
    return timezone.now().timestamp()


def stamp(session, key: str, when: dt.datetime | None = None) -> None:
    session[key] = (when or timezone.now()).timestamp()


def read(session, key: str) -> dt.datetime | None:
    value = session.get(key)
    return dt.datetime.fromtimestamp(value, tz=dt.UTC) if isinstance(value, int | float) else None
