"""Authentication tests: two-factor is required here as in production (the general suite turns it off)."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "Test-pass-123"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _second_factor_required(settings):
    settings.OTP_ENFORCED = True


def code_for(device: TOTPDevice) -> str:
    """The code an authenticator app shows now for ``device``."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)


def has_chinese(text: str) -> bool:
    return bool(CJK.search(text))


def zh(msgid: str) -> str:
    """What a message reads in the site's default language; it must have a Chinese translation."""
    with translation.override("zh-hans"):
        text = translation.gettext(msgid)
    assert has_chinese(text), f"no Chinese translation for {msgid!r}"
    return text


def log_in(client, username: str, password: str = PASSWORD, ip: str = "10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)
