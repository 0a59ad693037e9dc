"""Pinyin keys for name search: ``张强`` → ``zhangqiang`` and ``zq``."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


# Names repeat (a county has 40,000 members and a few thousand distinct names): a batch import
# or the demo converts each name once.
@lru_cache(maxsize=8192)
def full(text: str) -> str:
    return "".join(lazy_pinyin(text or "", errors="ignore")).lower()


@lru_cache(maxsize=8192)
def initials(text: str) -> str:
    return "".join(lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors="ignore")).lower()
