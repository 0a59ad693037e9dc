"""rectification.queries.case_grid: the cases of the tables, by row and state."""

import pytest

from dangjian.rectification.models import Rectification
from dangjian.rectification.queries import case_grid

pytestmark = pytest.mark.django_db


def test_cases_by_township_and_state(world, case):
    assert case_grid(world.root.path, 2025, 2025) == {(world.town_a.path, Rectification.State.IN_PROGRESS): 1}
    assert case_grid(world.town_a.path, 2025, 2025) == {(world.branch_a1.path, Rectification.State.IN_PROGRESS): 1}
    assert case_grid(world.town_b.path, 2025, 2025) == {}
    assert case_grid(world.root.path, 2026, 2026) == {}
