"""Pinyin keys for name search: ``张强`` → ``zhangqiang`` and ``zq``."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import lazy_pinyin


# Names repeat (a county has 40,000 members and a few thousand distinct names): a batch import
# or the demo converts each name once, and both keys come from one conversion.
@lru_cache(maxsize=16384)
def _syllables(text: str) -> tuple[str, ...]:
    return tuple(s for s in lazy_pinyin(text or "", errors="ignore") if s)


def full(text: str) -> str:
    return "".join(_syllables(text)).lower()


def initials(text: str) -> str:
    """The first letter of each syllable (pypinyin's FIRST_LETTER style)."""
    return "".join(s[0] for s in _syllables(text)).lower()
