import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.models import AuditEvent
from dangjian.members.models import Member
from dangjian.organizations.models import Organization, OrganizationChange
from dangjian.organizations.services import (
    organization_create,
    organization_dissolve,
    organization_move,
    organization_update,
)
from tests import factories


def test_children_get_consecutive_fixed_width_paths(world):
    assert world.root.path == "0001"
    assert world.town_a.path == "00010001"
    assert world.town_b.path == "00010002"
    assert world.branch_a2.path == "000100010002"
    assert world.branch_a2.depth == 3


def test_code_defaults_to_parent_code_with_a_number(world):
    child = organization_create(
        actor=world.organizer, parent=world.town_b, data={"name": "新村党支部", "level": "branch", "sector": "rural"}
    )
    assert child.code == "TB-002"
    assert child.name_initials == "xcdzb"


def test_create_is_audited_with_its_history(world):
    child = organization_create(
        actor=world.organizer, parent=world.town_b, data={"name": "新村党支部", "level": "branch", "sector": "rural"}
    )
    event = AuditEvent.objects.get(action="create", object_type="organizations.organization", object_id=str(child.pk))
    assert event.actor == world.organizer
    assert event.changes["name"] == [None, "新村党支部"]
    assert OrganizationChange.objects.filter(org=child, kind="create").exists()


@pytest.mark.parametrize(
    ("parent_attr", "level", "field"),
    [("branch_a1", "branch", "parent"), ("town_a", "party_group", "level")],
)
def test_levels_must_nest_properly(world, parent_attr, level, field):
    with pytest.raises(ValidationError) as exc:
        organization_create(
            actor=None,
            parent=getattr(world, parent_attr),
            data={"name": "x", "code": "X1", "level": level, "sector": "rural"},
        )
    assert field in exc.value.message_dict


def test_moving_a_subtree_rewrites_paths_of_organizations_and_members(world):
    before = Organization.objects.count()
    organization_move(actor=world.organizer, org=world.town_a, new_parent=world.town_b, note="区划调整")
    world.town_a.refresh_from_db()
    world.branch_a1.refresh_from_db()
    assert world.town_a.parent == world.town_b
    assert world.town_a.path == "000100020002"
    assert world.branch_a1.path == "0001000200020001"
    assert world.branch_a1.depth == 4
    assert Organization.objects.count() == before
    for member in Member.objects.filter(org=world.branch_a1):
        assert member.org_path == world.branch_a1.path
    # The sibling secretary of town B now sees nothing new; the town-B organizer would see A.
    change = OrganizationChange.objects.get(org=world.town_a, kind="move")
    assert (change.old_parent, change.new_parent, change.note) == (world.root, world.town_b, "区划调整")
    assert AuditEvent.objects.filter(action="move", object_id=str(world.town_a.pk)).count() == 1


def test_a_subtree_cannot_move_under_itself(world):
    with pytest.raises(ValidationError):
        organization_move(actor=world.organizer, org=world.town_a, new_parent=world.branch_a1)


def test_dissolving_needs_an_empty_organization_and_keeps_the_record(world):
    with pytest.raises(ValidationError):
        organization_dissolve(actor=world.organizer, org=world.branch_a1, on=dt.date(2026, 1, 1))
    empty = factories.org(world.town_a, "空支部", code="TA-009")
    organization_dissolve(actor=world.organizer, org=empty, on=dt.date(2026, 1, 1), note="合并")
    empty.refresh_from_db()
    assert empty.dissolved_on == dt.date(2026, 1, 1)
    assert OrganizationChange.objects.filter(org=empty, kind="dissolve", note="合并").exists()
    with pytest.raises(ValidationError):
        factories.org(empty, "子组织", level="party_group")


def test_update_refuses_a_stale_version(world):
    org = Organization.objects.get(pk=world.branch_a1.pk)
    organization_update(actor=world.organizer, org=org, data={"name": "东街村第一党支部"}, expected_version=1)
    stale = Organization.objects.get(pk=world.branch_a1.pk)
    stale.version = 1
    with pytest.raises(ValidationError) as exc:
        organization_update(actor=world.organizer, org=stale, data={"name": "别的名字"}, expected_version=1)
    assert exc.value.code == "stale"
    assert Organization.objects.get(pk=world.branch_a1.pk).name == "东街村第一党支部"
    assert OrganizationChange.objects.filter(org=world.branch_a1, kind="rename").count() == 1


def test_the_secretary_must_be_a_member_of_the_organization(world):
    org = Organization.objects.get(pk=world.branch_a1.pk)
    with pytest.raises(ValidationError) as exc:
        organization_update(actor=world.organizer, org=org, data={"secretary": world.wang})
    assert "secretary" in exc.value.message_dict
    organization_update(actor=world.organizer, org=org, data={"secretary": world.zhang})
    assert Organization.objects.get(pk=org.pk).secretary == world.zhang
