"""Reserve cadre fixtures: the three branches of the test world become villages (a unit of kind
village), and a helper creates cadres through the service."""

from __future__ import annotations

import datetime as dt

from dangjian.cadres.services import reserve_create
from dangjian.organizations.models import Unit
from tests import factories

SELECTED = dt.date(2025, 3, 1)


def make_villages(world) -> None:
    for org in (world.branch_a1, world.branch_a2, world.branch_b1):
        unit = Unit.objects.create(name=org.name.removesuffix("党支部") + "村民委员会", kind=Unit.Kind.VILLAGE)
        org.units.add(unit)


def outsider(org, name="赵磊", birth=dt.date(1998, 6, 1), gender="male", education="college", **extra):
    """A non-member reserve cadre."""
    data = {
        "name": name,
        "id_number": extra.pop("id_number", None) or factories.id_number(birth, gender, region="410103"),
        "education": education,
        "phone": extra.pop("phone", "13800001111"),
        "selected_on": extra.pop("selected_on", SELECTED),
        "source": extra.pop("source", "graduate"),
        "planned_post": extra.pop("planned_post", "committee"),
        **extra,
    }
    return reserve_create(actor=None, org=org, data=data)


def of_member(org, member, **extra):
    data = {
        "member": member,
        "selected_on": extra.pop("selected_on", SELECTED),
        "source": extra.pop("source", "local"),
        "planned_post": extra.pop("planned_post", "secretary"),
        **extra,
    }
    return reserve_create(actor=None, org=org, data=data)
