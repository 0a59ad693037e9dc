import datetime as dt
from decimal import Decimal

import pytest

from dangjian.training.services import AttendanceIn, programme_create, session_create
from tests.api.conftest import api_as  # noqa: F401 - the API client fixture, shared with tests/api

DAY = dt.date(2026, 3, 10)


def programme(org, name="区委大讲堂", kind="lecture_series", starts_on=dt.date(2026, 1, 1), **extra):
    return programme_create(actor=None, org=org, data={"name": name, "kind": kind, "starts_on": starts_on, **extra})


def session(prog, held_on=DAY, *, present=(), on_leave=(), absent=(), hours="2", **extra):
    sheet = [AttendanceIn(m.pk, "present") for m in present]
    sheet += [AttendanceIn(m.pk, "on_leave", "外出务工") for m in on_leave]
    sheet += [AttendanceIn(m.pk, "absent") for m in absent]
    data = {"held_on": held_on, "title": extra.pop("title", "学习贯彻全会精神"), "hours": Decimal(hours), **extra}
    return session_create(actor=None, programme=prog, data=data, attendance=sheet)


@pytest.fixture
def lecture(world):
    """The district's lecture series with one held session: 张强 and 王伟 present, 李娜 on leave."""
    prog = programme(world.root)
    sess = session(prog, present=[world.zhang, world.wang], on_leave=[world.li])
    return prog, sess
