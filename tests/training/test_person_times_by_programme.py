"""training.queries.person_times_by_programme: the person-times of the tables, by row and programme."""

import datetime as dt

import pytest

from dangjian.training.queries import person_times_by_programme, person_times_table
from tests import factories

pytestmark = pytest.mark.django_db
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def test_person_times_by_programme_add_up_to_the_person_times_table(world):
    lecture = factories.programme(world.root, "区委大讲堂")
    course = factories.programme(world.town_a, "培训班", kind="course")
    factories.session(lecture, present=[world.zhang, world.wang], absent=[world.li])
    factories.session(course, present=[world.zhang, world.li])
    grid = person_times_by_programme(world.root.path, *YEAR)
    assert grid == {
        (world.town_a.path, lecture.pk): 1,
        (world.town_b.path, lecture.pk): 1,
        (world.town_a.path, course.pk): 2,
    }
    table = person_times_table(world.root, *YEAR)
    assert sum(grid.values()) == table.total.person_times
    assert person_times_by_programme(world.root.path, dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == {}
