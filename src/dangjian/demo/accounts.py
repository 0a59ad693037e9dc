"""The demo accounts: their names, roles and published passwords (no model import, so that the
benchmark and the production check can read them without the database)."""

from __future__ import annotations

from dataclasses import dataclass

from dangjian.core.roles import Role
from dangjian.demo import names


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    password: str  # fixed and documented: this is demo data, never a production account
    where: str  # "root", "township" or "branch"
    full_name: str  # empty: the name of the member the account is linked to


DEMO_USERS = [
    DemoUser("dept", Role.ORGANIZER, "Anlan-Quwei-2026!", "root", names.DEPT_NAME),
    DemoUser("town", Role.ORGANIZER, "Yongxing-Zhen-2026!", "township", names.TOWN_NAME),
    DemoUser("secretary", Role.SECRETARY, "Baishusi-Cun-2026!", "branch", ""),
    DemoUser("member", Role.MEMBER, "Hongqi-Piaopiao-2026!", "branch", ""),  # not the name (张强) in pinyin
    DemoUser("auditor", Role.AUDITOR, "Shenji-Anlan-2026!", "root", names.AUDITOR_NAME),
]
DEMO_MEMBER_NAME = "张强"  # the member account's person: ``zq`` finds him in the secretary's search
