import datetime as dt

import pytest

from dangjian.core.services import parameter_set
from dangjian.members.models import Member
from dangjian.members.queries import composition, member_list, subtree_breakdown
from tests import factories


@pytest.mark.parametrize("text", ["zq", "ZQ", "zhangq", "zhangqiang", "张强", "强"])
def test_name_search_works_in_characters_pinyin_and_initials(world, text):
    assert list(Member.objects.search(text)) == [world.zhang]


def test_search_by_initials_does_not_match_others(world):
    assert list(Member.objects.search("ln")) == [world.li]
    assert not Member.objects.search("xyz").exists()


def test_senior_is_derived_from_rules(world):
    old = factories.member(
        world.branch_a1,
        "老党员",
        birth=dt.date(1940, 1, 1),
        joined_on=dt.date(1965, 1, 1),
        full_member_on=dt.date(1966, 1, 1),
    )
    on = dt.date(2026, 11, 1)
    assert old.is_senior(on) and not world.zhang.is_senior(on)
    assert set(Member.objects.senior(on)) == {old}
    parameter_set(actor=None, key="member.senior_min_standing", value=20, effective_from=on)
    assert set(Member.objects.senior(on)) == {old, world.zhang, world.wang}


def test_list_filters_by_subtree_and_age_band(world):
    visible = Member.objects.visible_to(world.organizer)
    assert set(member_list(visible, org=world.town_a)) == {world.zhang, world.li}
    assert set(member_list(visible, org=world.town_a, age="31–35", on=dt.date(2026, 11, 1))) == {world.li}
    assert list(member_list(visible, org=world.root, sort="-name")) == sorted(
        [world.zhang, world.li, world.wang], key=lambda m: m.name_pinyin, reverse=True
    )


def test_breakdown_counts_by_status_gender_education_and_age(world):
    result = subtree_breakdown(world.town_a.path, on=dt.date(2026, 11, 1))
    assert result["total"] == 2
    assert {code: n for code, _label, n in result["status"]} == {"full": 1, "probationary": 1}
    assert {code: n for code, _label, n in result["gender"]} == {"male": 1, "female": 1}
    assert dict((code, n) for code, _l, n in result["band"] if n) == {"31–35": 1, "46–55": 1}


def test_breakdown_also_counts_each_childs_subtree_and_the_organizations_own(world):
    from dangjian.members.models import Member

    Member.objects.filter(pk=world.li.pk).update(org=world.town_a, org_path=world.town_a.path)
    result = subtree_breakdown(world.town_a.path, on=dt.date(2026, 11, 1))
    assert result["children"] == {world.branch_a1.path: 1}  # branch_a2 has nobody: no key
    assert result["direct"] == {"total": 1, "full": 0}  # li is probationary
    root = subtree_breakdown(world.root.path, on=dt.date(2026, 11, 1))
    assert root["total"] == 3 and root["direct"] == {"total": 0, "full": 0}
    assert sum(root["children"].values()) == 3


@pytest.mark.django_db
def test_composition_by_ethnicity_and_sector_and_the_list_filters_that_open_it(world, django_assert_num_queries):
    agency = factories.org(world.town_b, "河口镇机关党支部", sector="agency")
    factories.member(agency, "阿依古丽", ethnicity="维吾尔族", gender="female")
    with django_assert_num_queries(1):
        ethnicities = composition(world.root.path, "ethnicity")
    assert ethnicities == [("汉族", 3), ("维吾尔族", 1)]
    assert composition(world.root.path, "org__sector") == [("rural", 3), ("agency", 1)]
    assert composition(world.town_a.path, "org__sector") == [("rural", 2)]
    visible = Member.objects.all()
    assert [m.name for m in member_list(visible, org=world.root, ethnicity="维吾尔族")] == ["阿依古丽"]
    assert member_list(visible, org=world.root, sector="rural").count() == 3
    with pytest.raises(ValueError):
        composition(world.root.path, "name")
