"""Training fixtures: the district's lecture series (the builders are ``tests.factories.programme`` and ``session``)."""

import pytest

from tests.factories import programme, session


@pytest.fixture
def lecture(world):
    """The district's lecture series with one held session: 张强 and 王伟 present, 李娜 on leave."""
    prog = programme(world.root)
    sess = session(prog, present=[world.zhang, world.wang], on_leave=[world.li])
    return prog, sess
