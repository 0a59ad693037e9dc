"""The authentication policy's figures: each a setting, with the default it has in ``settings.py``.

Read at the moment of use, so that a test (or a change of environment) takes effect at once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Passwords (等保 8.1.4.1a: 复杂度 and 定期更换).
    "PASSWORD_MIN_LENGTH": 8,
    "PASSWORD_MIN_CLASSES": 3,  # of: upper-case, lower-case, digits, symbols
    "PASSWORD_HISTORY": 5,  # the last N passwords cannot be chosen again
    "PASSWORD_MAX_AGE_DAYS": 90,  # then every page leads to the password change; 0 = never
    # Sessions (idle timeout is SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST).
    "SESSION_LIFETIME_SECONDS": 8 * 3600,  # absolute, from the login; 0 = no limit
    "ADMIN_SESSION_IDLE_SECONDS": 15 * 60,  # shorter idle timeout for the three administrators; 0 = same
    # Two-factor authentication (等保 8.1.4.1d).
    "OTP_ENFORCED": True,
    "OTP_REQUIRED_ROLES": ("sysadmin", "secadmin", "auditor"),  # wherever they are held
    "OTP_REQUIRED_ROOT_ROLES": ("organizer",),  # when held at a root organization (depth 1)
    # How long an activation code (a new account, a password reset) works once sent or released.
    "ACTIVATION_HOURS": 48,
    # Failed logins across addresses that alert the security administrator (no lockout).
    "LOGIN_ALERT_FAILURES": 20,
    "LOGIN_ALERT_MINUTES": 60,
}


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
