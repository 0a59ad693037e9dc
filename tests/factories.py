"""Small factories that build trees and members through the real services."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from dangjian.accounts.services import role_grant
from dangjian.community.services import ServiceIn, activity_create
from dangjian.core import idnumber
from dangjian.core.models import User
from dangjian.core.roles import Role
from dangjian.members.queries import roster
from dangjian.members.services import member_create
from dangjian.organizations.services import organization_create
from dangjian.orglife.services import AttendanceIn, meeting_create
from dangjian.rectification.models import ScreeningCriterion
from dangjian.training.services import AttendanceIn as SessionAttendanceIn
from dangjian.training.services import programme_create, session_create

_seq = itertools.count(1)


def org(parent=None, name=None, level="branch", sector="rural", **extra):
    n = next(_seq)
    data = {"name": name or f"组织{n}", "code": extra.pop("code", f"T{n:05d}"), "level": level, "sector": sector}
    data.update(extra)
    return organization_create(actor=None, parent=parent, data=data)


def id_number(birth=dt.date(1980, 5, 17), gender="male", region="410102"):
    return idnumber.make(region, birth, next(_seq), gender)


def member(org, name="张强", birth=dt.date(1980, 5, 17), gender="male", status="full", **extra):
    data = {
        "name": name,
        "id_number": extra.pop("id_number", None) or id_number(birth, gender),
        "gender": gender,
        "birth_date": birth,
        "status": status,
        "joined_on": extra.pop("joined_on", dt.date(2005, 7, 1)),
        "full_member_on": extra.pop("full_member_on", dt.date(2006, 7, 1) if status == "full" else None),
        "education": extra.pop("education", "bachelor"),
    }
    data.update(extra)
    return member_create(actor=None, org=org, data=data)


def user(username, role=None, at=None, **extra):
    account = User.objects.create_user(username=username, password="Test-pass-123", full_name=username, **extra)
    if role:
        role_grant(actor=None, user=account, role=role, org=at)
    return account


def build_world():
    w = SimpleNamespace()
    w.root = org(None, "区委", level="committee", sector="agency", code="ROOT")
    w.town_a = org(w.root, "城关镇党委", level="committee", sector="rural", code="TA")
    w.town_b = org(w.root, "河口镇党委", level="committee", sector="rural", code="TB")
    w.branch_a1 = org(w.town_a, "东街村党支部", code="TA-001")
    w.branch_a2 = org(w.town_a, "西街村党支部", code="TA-002")
    w.branch_b1 = org(w.town_b, "河口村党支部", code="TB-001")
    w.zhang = member(w.branch_a1, "张强")
    w.li = member(
        w.branch_a1,
        "李娜",
        birth=dt.date(1992, 3, 8),
        gender="female",
        status="probationary",
        joined_on=dt.date(2025, 12, 1),
        full_member_on=None,
    )
    w.wang = member(w.branch_b1, "王伟")
    w.organizer = user("dept", Role.ORGANIZER, w.root)
    w.town_organizer = user("town_a", Role.ORGANIZER, w.town_a)
    w.secretary = user("sec_a1", Role.SECRETARY, w.branch_a1)
    w.sibling_secretary = user("sec_b1", Role.SECRETARY, w.branch_b1)
    w.auditor = user("auditor", Role.AUDITOR, w.root)
    w.member_user = user("zhangqiang", Role.MEMBER, w.branch_a1)
    w.zhang.user = w.member_user
    w.zhang.save(update_fields=["user"])
    return w


# --- Organizational life ----------------------------------------------------------------------------
def meeting(org, kinds=("theme_day",), held_on=None, *, present=None, on_leave=(), absent=(), actor=None, **extra):
    """Record a held meeting through the service. ``present`` defaults to the whole roster (less
    ``on_leave``/``absent``); ``on_leave`` holds members or ``(member, reason)`` pairs."""

    held_on = held_on or timezone.localdate()
    state = extra.pop("state", "held")
    sheet = []
    if state == "held":
        leave = [item if isinstance(item, tuple) else (item, "外出务工") for item in on_leave]
        away = {m.pk for m, _reason in leave} | {m.pk for m in absent}
        people = present if present is not None else [m for m in roster(org, held_on) if m.pk not in away]
        sheet = [AttendanceIn(m.pk, "present") for m in people]
        sheet += [AttendanceIn(m.pk, "on_leave", reason) for m, reason in leave]
        sheet += [AttendanceIn(m.pk, "absent") for m in absent]
    data = {"kinds": list(kinds), "held_on": held_on, "topic": extra.pop("topic", "学习贯彻会议精神"), "state": state}
    if "party_lecture" in kinds:
        data["lecturer"] = extra.pop("lecturer", "张强")
    data.update(extra)
    return meeting_create(actor=actor, org=org, data=data, attendance=sheet)


# --- Training ---------------------------------------------------------------------------------------
SESSION_DAY = dt.date(2026, 3, 10)


def programme(org, name="区委大讲堂", kind="lecture_series", starts_on=dt.date(2026, 1, 1), **extra):
    return programme_create(actor=None, org=org, data={"name": name, "kind": kind, "starts_on": starts_on, **extra})


def session(prog, held_on=SESSION_DAY, *, present=(), on_leave=(), absent=(), hours="2", **extra):
    """A held session of ``prog``: ``present`` / ``on_leave`` (外出务工) / ``absent`` members."""
    sheet = [SessionAttendanceIn(m.pk, "present") for m in present]
    sheet += [SessionAttendanceIn(m.pk, "on_leave", "外出务工") for m in on_leave]
    sheet += [SessionAttendanceIn(m.pk, "absent") for m in absent]
    data = {"held_on": held_on, "title": extra.pop("title", "学习贯彻全会精神"), "hours": Decimal(hours), **extra}
    return session_create(actor=None, programme=prog, data=data, attendance=sheet)


# --- Community --------------------------------------------------------------------------------------
def activity(w, held_on=dt.date(2026, 6, 6), sheet=(), **data):
    """A held volunteer activity of the community (``tests/community/conftest.py``'s ``place``) by its
    secretary; ``sheet`` holds ``(member, hours)`` pairs."""
    org = data.pop("org", None) or w.community
    fields = {"held_on": held_on, "title": "敬老院志愿服务", "kind": "care", "place": "东街敬老院"}
    fields.update(data)
    return activity_create(
        actor=w.community_secretary,
        org=org,
        data=fields,
        service=[ServiceIn(m.pk, h) for m, h in sheet],
    )


# --- Rectification ----------------------------------------------------------------------------------
SCREENING_YEAR = 2025
CASE_OPENED = dt.date(2025, 12, 1)


def criteria(*codes):
    """The ids of screening criteria by code (C01 when none is named)."""
    return list(ScreeningCriterion.objects.filter(code__in=codes or ("C01",)).values_list("pk", flat=True))
