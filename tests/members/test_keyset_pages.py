"""The member list's deep pages by cursor (issue 15): every member once, in the list's order, forwards
and back, under every sort; no count and no offset on a cursor page; ``?page=`` links still work."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.members.models import Member
from tests import factories

NAMES = ["赵一", "钱二", "孙三", "李四", "周五", "吴六", "郑七", "王八", "冯九"]


@pytest.fixture
def many(world, settings):
    settings.PAGE_SIZE = 2
    for i, name in enumerate(NAMES):
        org = world.branch_a1 if i % 2 else world.branch_a2
        # equal birth dates and joining days on purpose: the id breaks the ties
        factories.member(org, name, birth=dt.date(1970 + i % 3, 1, 1), joined_on=dt.date(2000 + i % 2, 7, 1))
    return world


def ids_on(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/members/(\d+)/"', page)]


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="\?([^"]*)"', page)
    return found.group(1).replace("&amp;", "&") if found else None


SORTS = {
    "": ("org_path", "name_pinyin", "id"),
    "name": ("name_pinyin", "id"),
    "-name": ("-name_pinyin", "-id"),
    "-birth_date": ("-birth_date", "-id"),
    "joined_on": ("joined_on", "id"),
    "-org": ("-org_path", "-name_pinyin", "-id"),
}


@pytest.mark.parametrize("sort", list(SORTS))
def test_walking_the_cursors_lists_every_member_once_in_order_both_ways(many, client_for, sort):
    client = client_for(many.organizer)
    expected = list(Member.objects.current().order_by(*SORTS[sort]).values_list("pk", flat=True))
    page = client.get(f"/members/?sort={sort}").content.decode()
    seen, pages = ids_on(page), [page]
    while nxt := link(page, "next"):
        page = client.get(f"/members/?{nxt}").content.decode()
        seen += ids_on(page)
        pages.append(page)
    assert seen == expected
    assert f"第{len(pages)}页" in pages[-1]
    back = []
    while prev := link(page, "prev"):
        page = client.get(f"/members/?{prev}").content.decode()
        back = ids_on(page) + back
    assert back == expected[: len(back)] and back[:2] == expected[:2]


def test_a_cursor_page_neither_counts_nor_skips(many, client_for):
    client = client_for(many.organizer)
    first = client.get("/members/?sort=name").content.decode()
    assert "共12名党员" in first and "第1页，共6页" in first
    url = f"/members/?{link(first, 'next')}"
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    sql = " ".join(q["sql"].upper() for q in ctx.captured_queries)
    assert "COUNT(" not in sql and "OFFSET" not in sql
    assert len(ids_on(page)) == 2 and "名党员" not in page and "第2页" in page


def test_numbered_pages_still_work_and_a_bad_cursor_is_the_first_page(many, client_for):
    client = client_for(many.organizer)
    by_name = list(Member.objects.current().order_by("name_pinyin", "id").values_list("pk", flat=True))
    assert ids_on(client.get("/members/?sort=name&page=2").content.decode()) == by_name[2:4]
    for bad in ("after=x", "after=999999", "before=-1"):
        assert ids_on(client.get(f"/members/?sort=name&{bad}").content.decode()) == by_name[:2], bad


def test_a_cursor_shows_nothing_outside_the_users_subtree(many, client_for):
    client = client_for(many.sibling_secretary)
    outside = Member.objects.filter(org=many.branch_a1).order_by("pk").first()
    page = client.get(f"/members/?after={outside.pk}").content.decode()
    assert set(ids_on(page)) <= set(Member.objects.filter(org=many.branch_b1).values_list("pk", flat=True))
