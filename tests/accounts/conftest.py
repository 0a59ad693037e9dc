"""Authentication tests: two-factor is required here as in production (the general suite turns it off).
The helpers (``PASSWORD``, ``log_in``, ``code_for``…) are in tests/support/auth.py."""

import pytest


@pytest.fixture(autouse=True)
def _second_factor_required(settings):
    settings.OTP_ENFORCED = True
