"""``recompute_year`` goes through the members a part at a time (by id) so that memory holds one part:
the ledger and the balances it leaves are the same whatever the size of the parts, caps included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from dangjian.core.models import AuditEvent
from dangjian.points import services
from dangjian.points.models import PointBalance, PointEntry
from tests import factories


def snapshot():
    entries = sorted(
        PointEntry.objects.values_list(
            "member_id", "source_type", "source_id", "rule_id", "points", "requested", "occurred_on", "year", "status"
        )
    )
    balances = sorted(
        PointBalance.objects.values_list("member_id", "year", "total", "awarded", "deducted", "by_category", "entries")
    )
    return entries, balances


def recompute(part: int, year: int = 2026):
    """Recompute with parts of ``part`` members; what it returned, the ledger it left and the audit
    events it wrote, all rolled back afterwards."""
    with transaction.atomic():
        events = AuditEvent.objects.count()
        result = services.recompute_year(year=year, part=part)
        state = snapshot(), AuditEvent.objects.count() - events
        transaction.set_rollback(True)
    return result, state


@pytest.fixture
def tangled(world, monthly):
    """Six members in three branches under two schemes, caps that bite, and a ledger tampered with
    behind the services' back (deleted, changed, reversed entries, an entry left in the year its
    meeting was moved out of, no balances)."""
    from dangjian.orglife.services import meeting_update

    more = [factories.member(world.branch_a2, name) for name in ("赵敏", "钱进")]
    more.append(factories.member(world.branch_b1, "孙丽"))
    # 城关镇's own scheme: theme days 2 points, at most 2 a month, absences -1.
    for day in (dt.date(2026, 1, 10), dt.date(2026, 1, 20), dt.date(2026, 2, 1)):
        factories.meeting(world.branch_a1, ("theme_day",), day, absent=[world.li] if day.day == 20 else ())
        factories.meeting(world.branch_a2, ("theme_day",), day)
    # The default scheme in 河口镇: general meetings 2 points, at most 8 a year.
    for month in range(1, 7):
        factories.meeting(world.branch_b1, ("general_meeting",), dt.date(2026, month, 3))
    moved = factories.meeting(world.branch_b1, ("theme_day",), dt.date(2025, 12, 28))
    meeting_update(actor=world.secretary, meeting=moved, data={"held_on": dt.date(2026, 1, 5)})
    PointEntry.objects.filter(source_id=moved.pk).update(occurred_on=dt.date(2025, 12, 28), year=2025)
    automatic = PointEntry.objects.filter(source_type="meeting", year=2026).order_by("pk")
    ids = list(automatic.values_list("pk", flat=True))
    PointEntry.objects.filter(pk__in=ids[::5]).delete()
    PointEntry.objects.filter(pk__in=ids[1::7]).update(points=Decimal("5"))
    PointEntry.objects.filter(pk__in=ids[2::6]).update(status="reversed")
    PointBalance.objects.all().delete()
    return {"members": [world.zhang, world.li, world.wang, *more], "moved": moved}


def test_parts_of_one_member_leave_the_same_ledger_as_one_part(tangled):
    one_by_one, (state, events) = recompute(part=1)
    assert (events, one_by_one["balances"]) == (1, 6)  # one audit event for the run, whatever the parts
    assert recompute(part=1_000_000) == (one_by_one, (state, 1))
    assert recompute(part=4) == (one_by_one, (state, 1))
    assert one_by_one["added"] > 0 and one_by_one["adjusted"] > 0 and one_by_one["reversed"] == 0

    entries, balances = state
    capped = [e for e in entries if e[5] > 0 and e[4] < e[5] and e[8] == "approved"]
    assert capped  # the caps bit: theme days after the month's first, general meetings after the fourth
    moved = [e for e in entries if e[2] == tangled["moved"].pk]
    assert moved and all(e[6] == dt.date(2026, 1, 5) and e[7] == 2026 for e in moved)
    totals = {member_id: total for member_id, year, total, *_rest in balances if year == 2026}
    zhang, li, wang = tangled["members"][:3]
    # 张强: theme days 2 + 0 (January's cap) + 2; 李娜 absent once (-1); 王伟: base 20, general
    # meetings capped at 8, the theme day moved into the year 2.
    assert (totals[zhang.pk], totals[li.pk], totals[wang.pk]) == (4, 3, 30)


def test_an_entry_moved_into_the_year_leaves_the_balance_of_the_year_it_was_in(tangled, world):
    services.rebuild_year_balances(2025)
    assert PointBalance.objects.get(member=world.wang, year=2025).total == 2  # the moved meeting's theme day
    services.recompute_year(year=2026, part=1)
    assert not PointEntry.objects.filter(year=2025).exists()
    assert not PointBalance.objects.filter(year=2025).exists()


def test_a_second_run_in_parts_changes_nothing(tangled):
    services.recompute_year(year=2026, part=2)
    state = snapshot()
    again = services.recompute_year(year=2026, part=3)
    assert (again["added"], again["adjusted"], again["reversed"]) == (0, 0, 0)
    assert snapshot() == state
