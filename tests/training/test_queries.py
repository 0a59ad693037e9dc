"""Person-times against hand-counted fixtures, and query counts that do not grow with the rows."""

import datetime as dt
from decimal import Decimal

import pytest

from dangjian.training.queries import Figures, member_summary, person_times_table, programme_person_times
from dangjian.training.services import session_cancel
from tests import factories
from tests.factories import SESSION_DAY as DAY
from tests.factories import programme, session

pytestmark = pytest.mark.django_db
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


@pytest.fixture
def year_of_training(world, lecture):
    """S1 (district, 2 h): 张强 and 王伟 present, 李娜 on leave. S2 (town A, 3 h): 张强 and 李娜 present.
    S3 (town A): cancelled, 张强 was on its sheet. S4 (town A, planned)."""
    course = programme(world.town_a, "城关镇党员培训班", kind="course")
    session(course, DAY.replace(day=20), present=[world.zhang, world.li], hours="3")
    withdrawn = session(course, DAY.replace(day=21), present=[world.zhang], hours="3")
    session_cancel(actor=None, session=withdrawn, reason="录入错误")
    session(course, dt.date(2099, 1, 1), state="planned")
    return course


def figures(table):
    return {(row.org.name, row.own): row.figures for row in table.rows}


def test_district_figures(world, year_of_training):
    table = person_times_table(world.root, *YEAR)
    rows = figures(table)
    assert rows[("区委", True)] == Figures(1, 0, 0, Decimal("0"))
    assert rows[("城关镇党委", False)] == Figures(1, 3, 2, Decimal("8.0"))
    assert rows[("河口镇党委", False)] == Figures(0, 1, 1, Decimal("2.0"))
    assert table.total == Figures(2, 4, 3, Decimal("10.0"))


def test_township_figures_count_its_members_at_district_sessions(world, year_of_training):
    rows = figures(person_times_table(world.town_a, *YEAR))
    assert rows[("城关镇党委", True)] == Figures(1, 0, 0, Decimal("0"))
    assert rows[("东街村党支部", False)] == Figures(0, 3, 2, Decimal("8.0"))
    assert rows[("西街村党支部", False)] == Figures(0, 0, 0, Decimal("0"))


def test_other_years_do_not_count(world, year_of_training):
    assert person_times_table(world.root, dt.date(2025, 1, 1), dt.date(2025, 12, 31)).total == Figures()


def test_member_summary(world, year_of_training):
    assert member_summary(world.zhang, *YEAR) == Figures(0, 2, 1, Decimal("5.0"))
    assert member_summary(world.li, *YEAR) == Figures(0, 1, 1, Decimal("3.0"))


def test_the_table_costs_four_queries_whatever_the_rows(world, year_of_training, django_assert_num_queries):
    with django_assert_num_queries(4):
        person_times_table(world.root, *YEAR)
    for i in range(3):
        branch = factories.org(world.town_b, f"新支部{i}")
        people = [factories.member(branch, f"党员{i}{j}") for j in range(3)]
        session(programme(branch, f"支部培训{i}", kind="course"), DAY, present=people)
    with django_assert_num_queries(4):
        table = person_times_table(world.root, *YEAR)
    assert table.total.person_times == 13


def test_pages_cost_a_constant_number_of_queries(world, year_of_training, client_for, django_assert_max_num_queries):
    from django.urls import reverse

    client = client_for(world.organizer)
    urls = [
        reverse("training-figures") + "?year=2026",
        reverse("training-figure-attendance") + f"?org={world.root.pk}&year=2026",
        reverse("training-figure-persons") + f"?org={world.root.pk}&year=2026",
        reverse("training-figure-sessions") + f"?org={world.root.pk}&year=2026",
        reverse("training-programmes"),
    ]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(15) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured)
    for i in range(4):
        session(year_of_training, DAY.replace(day=i + 1), present=[world.zhang, world.li])
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


def test_programmes_with_their_person_times_in_a_period(world, django_assert_num_queries):
    lectures = programme(world.root, "区委大讲堂")
    course = programme(world.town_a, "城关镇培训班", kind="course", starts_on=dt.date(DAY.year - 1, 1, 1))
    session(lectures, present=[world.zhang, world.wang], on_leave=[world.li])
    session(lectures, DAY + dt.timedelta(days=7), present=[world.zhang])
    session(course, present=[world.li])
    session(course, dt.date(DAY.year - 1, 5, 1), present=[world.zhang])  # another year
    year = (dt.date(DAY.year, 1, 1), dt.date(DAY.year, 12, 31))
    with django_assert_num_queries(2):
        rows = programme_person_times(world.root.path, *year)
    assert [(r.name, r.sessions, r.person_times) for r in rows] == [("区委大讲堂", 2, 3), ("城关镇培训班", 1, 1)]
    assert [r.name for r in programme_person_times(world.town_a.path, *year)] == ["城关镇培训班"]
