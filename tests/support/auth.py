"""Logging in: the personas' password, the second factor's codes, and the Chinese a refusal must read."""

from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.support.api import has_chinese
from tests.support.api import zh as gettext_zh

PASSWORD = "Test-pass-123"


def code_for(device: TOTPDevice) -> str:
    """The code an authenticator app shows now for ``device``."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)


def zh(msgid: str) -> str:
    """What a message reads in the site's default language; unlike ``tests.support.api.zh`` it must
    have a Chinese translation (a login page in English would be a bug)."""
    text = gettext_zh(msgid)
    assert has_chinese(text), f"no Chinese translation for {msgid!r}"
    return text


def log_in(client, username: str, password: str = PASSWORD, ip: str = "10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)
