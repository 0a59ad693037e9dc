"""Password validators (``AUTH_PASSWORD_VALIDATORS``): length and character classes, no username,
no common password or word dressed up (``Admin@123``, ``Passw0rd!``, ``Huawei@123``), not the
user's name in pinyin, no reuse of the last passwords. Figures come from settings (see
:mod:`dangjian.accounts.conf`)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dangjian.accounts.conf import setting
from dangjian.accounts.models import PasswordHistory
from dangjian.accounts.services import password_history_record
from dangjian.core import pinyin


def character_classes(password: str) -> int:
    """How many of the four kinds a password uses: upper-case, lower-case, digits, other characters."""
    upper = any(c.isupper() for c in password)
    lower = any(c.islower() for c in password)
    digit = any(c.isdigit() for c in password)
    other = any(not (c.isupper() or c.islower() or c.isdigit()) for c in password)
    return upper + lower + digit + other


class PasswordComplexityValidator:
    """At least ``PASSWORD_MIN_LENGTH`` characters from at least ``PASSWORD_MIN_CLASSES`` of the four kinds."""

    def __init__(self, min_length: int | None = None, min_classes: int | None = None):
        self._min_length = min_length
        self._min_classes = min_classes

    @property
    def min_length(self) -> int:
        return self._min_length if self._min_length is not None else setting("PASSWORD_MIN_LENGTH")

    @property
    def min_classes(self) -> int:
        return self._min_classes if self._min_classes is not None else setting("PASSWORD_MIN_CLASSES")

    def validate(self, password: str, user=None) -> None:
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    ngettext(
                        "This password is too short. It must contain at least %(min_length)d character.",
                        "This password is too short. It must contain at least %(min_length)d characters.",
                        self.min_length,
                    ),
                    code="password_too_short",
                    params={"min_length": self.min_length},
                )
            )
        if character_classes(password) < self.min_classes:
            errors.append(
                ValidationError(
                    _(
                        "The password must mix at least %(min_classes)d of these: upper-case letters, "
                        "lower-case letters, digits, symbols."
                    ),
                    code="password_too_simple",
                    params={"min_classes": self.min_classes},
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _(
            "Your password must contain at least %(min_length)d characters and mix at least %(min_classes)d of: "
            "upper-case letters, lower-case letters, digits, symbols."
        ) % {"min_length": self.min_length, "min_classes": self.min_classes}


class UsernameInPasswordValidator:
    """The password may not contain the username, in any mix of cases."""

    def validate(self, password: str, user=None) -> None:
        username = user.get_username() if user is not None else ""
        if username and username.casefold() in password.casefold():
            raise ValidationError(_("The password must not contain the username."), code="password_has_username")

    def get_help_text(self) -> str:
        return _("Your password must not contain your username.")


class PasswordHistoryValidator:
    """The password may not be any of the user's last ``PASSWORD_HISTORY`` passwords (the current one included).

    Its ``password_changed`` hook, which Django calls whenever a user with a new password is saved,
    keeps the history.
    """

    def __init__(self, count: int | None = None):
        self._count = count

    @property
    def count(self) -> int:
        return self._count if self._count is not None else setting("PASSWORD_HISTORY")

    def validate(self, password: str, user=None) -> None:
        if user is None or user.pk is None or self.count <= 0:
            return
        history = PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[: self.count]
        hashes = [user.password, *history]
        if any(check_password(password, encoded) for encoded in hashes if encoded):
            raise ValidationError(
                ngettext(
                    "The password must differ from your last password.",
                    "The password must differ from your last %(count)d passwords.",
                    self.count,
                ),
                code="password_reused",
                params={"count": self.count},
            )

    def password_changed(self, password: str, user=None) -> None:
        if user is not None and user.pk is not None:
            password_history_record(user=user, keep=self.count)

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must differ from your last password.",
            "Your password must differ from your last %(count)d passwords.",
            self.count,
        ) % {"count": self.count}


# --- Common passwords and the words they are built on ---------------------------------------------
WORD_LISTS = Path(__file__).parent / "passwords"  # sources and licences: passwords/NOTICE
_LEADING = re.compile(r"^[^a-z]+")
_TRAILING = re.compile(r"[^a-z]+$")
_SEPARATORS = re.compile(r"[-_. ]+")
_NOT_LETTERS = re.compile(r"[^a-z]+")
_LEET = str.maketrans({"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
MIN_NAME_LENGTH = 4  # shorter keys (initials, "li") would refuse too much


@functools.cache
def common_words() -> frozenset[str]:
    words: set[str] = set()
    for path in sorted(WORD_LISTS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                words.add(line.strip().lower())
    return frozenset(words)


def password_cores(password: str) -> set[str]:
    """What a password is built on: lower-case, digits and symbols around it removed, leet-speak
    undone (0→o, 1→l or i, 3→e, @→a, $→s …), separators (or all non-letters) dropped. ``Passw0rd!`` → ``password``,
    ``Huawei@123`` → ``huawei``, ``Zhang-Qiang-2026!`` → ``zhangqiang``."""
    lower = password.lower()
    core = _TRAILING.sub("", _LEADING.sub("", lower))
    cores = {lower, core}
    for one in ("l", "i"):
        cores.add(core.replace("1", one).translate(_LEET))
    cores |= {_SEPARATORS.sub("", c) for c in cores}
    cores.add(_NOT_LETTERS.sub("", core))  # 1qaz@WSX → qazwsx
    return {c for c in cores if c}


def name_keys(user) -> set[str]:
    """The user's name as a password would spell it: the pinyin of the full name, given name first
    too, and the user name (each at least ``MIN_NAME_LENGTH`` letters)."""
    if user is None:
        return set()
    keys = {user.get_username().lower()}
    name = (getattr(user, "full_name", "") or "").strip()
    if name:
        keys |= {pinyin.full(name), pinyin.full(name[1:]) + pinyin.full(name[:1])}
    return {k for k in keys if len(k) >= MIN_NAME_LENGTH}


class CommonPatternValidator:
    """Not a common password (Chinese leak lists and words such as admin or huawei, passwords/NOTICE),
    however dressed up with capitals, digits, symbols and leet-speak; not the user's name in pinyin."""

    def validate(self, password: str, user=None) -> None:
        cores = password_cores(password)
        if cores & common_words():
            raise ValidationError(
                _("This password is too common: it is a well-known password or word with digits or symbols added."),
                code="password_too_common",
            )
        if cores & name_keys(user):
            raise ValidationError(
                _("The password must not be your name (in pinyin) with digits or symbols added."),
                code="password_has_name",
            )

    def get_help_text(self) -> str:
        return _("Your password must not be a common password or word, nor your name, with digits or symbols added.")
