"""Pinyin keys for name search: ``张强`` → ``zhangqiang`` and ``zq``."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def full(text: str) -> str:
    return "".join(lazy_pinyin(text or "", errors="ignore")).lower()


def initials(text: str) -> str:
    return "".join(lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors="ignore")).lower()
