import datetime as dt

from django.utils import timezone

from dangjian.core.services import parameter_set
from dangjian.organizations.models import Organization
from dangjian.organizations.queries import subtree_warnings
from tests import factories


def codes_for(org, warnings):
    return {w.code for w in warnings if w.org.pk == org.pk}


def test_a_branch_with_few_full_members_should_be_joint(world):
    # branch_a1 has 1 full member and 1 probationary member.
    assert "joint" in codes_for(world.branch_a1, subtree_warnings(Organization.objects.all()))


def test_thresholds_are_data_and_have_history(world):
    today = timezone.localdate()
    parameter_set(actor=world.organizer, key="branch.joint_below_full_members", value=1, effective_from=today)
    assert "joint" not in codes_for(world.branch_a1, subtree_warnings(Organization.objects.all()))
    # The old value still answers for the past.
    past = subtree_warnings(Organization.objects.all(), on=today - dt.timedelta(days=1))
    assert "joint" in codes_for(world.branch_a1, past)


def test_committee_and_split_warnings(world):
    big = factories.org(world.town_b, "大支部", code="TB-050")
    for i in range(51):
        factories.member(big, f"成员{i}")
    found = codes_for(big, subtree_warnings(Organization.objects.all()))
    assert {"committee", "split"} <= found
    big.has_committee = True
    big.save()
    assert "committee" not in codes_for(big, subtree_warnings(Organization.objects.all()))


def test_term_warnings(world):
    today = timezone.localdate()
    world.town_a.term_starts_on, world.town_a.term_ends_on = (
        today - dt.timedelta(days=1800),
        today - dt.timedelta(days=1),
    )
    world.town_a.save()
    world.town_b.term_starts_on, world.town_b.term_ends_on = (
        today - dt.timedelta(days=1800),
        today + dt.timedelta(days=30),
    )
    world.town_b.save()
    warnings = subtree_warnings(Organization.objects.all())
    assert "term_ended" in codes_for(world.town_a, warnings)
    assert "term_ending" in codes_for(world.town_b, warnings)
    assert not codes_for(world.root, warnings)


def test_warnings_are_scoped(world):
    visible = Organization.objects.visible_to(world.sibling_secretary)
    assert {w.org.pk for w in subtree_warnings(visible)} <= {world.branch_b1.pk}
