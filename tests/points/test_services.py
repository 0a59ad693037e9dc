"""The ledger's invariants: automatic entries follow meetings exactly (and idempotently), caps per
period, claims through their chain, refusals naming the field with nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dangjian.points import services
from dangjian.points.models import PointBalance, PointClaim, PointEntry, PointStep
from tests import factories
from tests.support.audit import assert_no_audit_event, assert_one_audit_event


def ledger(member):
    return sorted((e.occurred_on, e.rule.code, e.points, e.status) for e in PointEntry.objects.filter(member=member))


def balance(member, year=2026) -> Decimal:
    row = PointBalance.objects.filter(member=member, year=year).first()
    return row.total if row else Decimal("0")


def written():
    return (PointEntry.objects.count(), PointClaim.objects.count(), PointStep.objects.count())


def refused(field, call):
    before = written()
    with assert_no_audit_event(), pytest.raises(ValidationError) as exc:
        call()
    assert field in exc.value.message_dict, exc.value.message_dict
    assert written() == before
    return exc.value.message_dict[field]


# --- Automatic entries from meetings ------------------------------------------------------------------
def test_members_present_earn_and_members_absent_lose(world, rules):
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10), absent=[world.li])
    assert ledger(world.zhang) == [(dt.date(2026, 3, 10), "theme-day", Decimal("2"), "approved")]
    assert ledger(world.li) == [(dt.date(2026, 3, 10), "absent", Decimal("-2"), "approved")]
    assert balance(world.zhang) == 2 and balance(world.li) == -2


def test_a_member_on_leave_gets_nothing(world, rules):
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10), on_leave=[world.li])
    assert ledger(world.li) == []


def test_a_member_not_on_the_sheet_gets_nothing_and_the_sibling_branch_is_untouched(world, rules):
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10), present=[world.zhang])
    assert ledger(world.li) == [] and ledger(world.wang) == []


def test_recording_a_meeting_writes_only_the_meetings_audit_event(world, rules):
    with assert_one_audit_event("create", object_type="orglife.meeting"):
        factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10))
    assert PointEntry.objects.count() == 2


def test_syncing_again_changes_nothing(world, rules):
    meeting = factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10), absent=[world.li])
    before = list(PointEntry.objects.order_by("pk").values())
    assert services.sync_entries(source="meeting", source_id=meeting.pk) == {"added": 0, "adjusted": 0, "reversed": 0}
    assert list(PointEntry.objects.order_by("pk").values()) == before


def test_editing_the_attendance_adjusts_exactly_that_meetings_entries(world, rules):
    from dangjian.orglife.services import AttendanceIn, meeting_update

    other = factories.meeting(world.branch_a1, ("general_meeting",), dt.date(2026, 2, 10))
    meeting = factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10))
    untouched = list(PointEntry.objects.filter(source_id=other.pk).values())
    meeting_update(
        actor=world.secretary,
        meeting=meeting,
        data={},
        attendance=[AttendanceIn(world.zhang.pk, "absent"), AttendanceIn(world.li.pk, "present")],
    )
    assert (dt.date(2026, 3, 10), "absent", Decimal("-2"), "approved") in ledger(world.zhang)
    assert (dt.date(2026, 3, 10), "theme-day", Decimal("2"), "approved") in ledger(world.li)
    assert PointEntry.objects.filter(source_id=meeting.pk).count() == 2  # the same rows, adjusted
    assert list(PointEntry.objects.filter(source_id=other.pk).values()) == untouched
    assert balance(world.zhang) == 2 - 2


def test_cancelling_a_meeting_reverses_its_entries(world, rules):
    from dangjian.orglife.services import meeting_cancel

    meeting = factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10))
    meeting_cancel(actor=world.secretary, meeting=meeting, reason="误录")
    assert {e.status for e in PointEntry.objects.filter(source_id=meeting.pk)} == {"reversed"}
    assert balance(world.zhang) == 0
    assert services.sync_entries(source="meeting", source_id=meeting.pk) == {"added": 0, "adjusted": 0, "reversed": 0}


def test_moving_a_meeting_to_another_year_moves_its_entries(world, rules):
    from dangjian.orglife.services import meeting_update

    meeting = factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 1, 5))
    meeting_update(actor=world.secretary, meeting=meeting, data={"held_on": dt.date(2025, 12, 28)})
    assert ledger(world.zhang) == [(dt.date(2025, 12, 28), "theme-day", Decimal("2"), "approved")]
    assert balance(world.zhang, 2026) == 0 and balance(world.zhang, 2025) == 2


# --- Caps ------------------------------------------------------------------------------------------------
def test_the_cap_counts_per_period_and_a_new_period_starts_afresh(world, monthly):
    for day in (dt.date(2026, 1, 10), dt.date(2026, 1, 31), dt.date(2026, 2, 1)):
        factories.meeting(world.branch_a1, ("theme_day",), day, present=[world.zhang])
    assert ledger(world.zhang) == [
        (dt.date(2026, 1, 10), "theme", Decimal("2"), "approved"),
        (dt.date(2026, 1, 31), "theme", Decimal("0"), "approved"),  # the month's cap was reached
        (dt.date(2026, 2, 1), "theme", Decimal("2"), "approved"),
    ]
    assert balance(world.zhang) == 4


def test_cancelling_an_early_meeting_gives_the_cap_to_the_next_one(world, monthly):
    from dangjian.orglife.services import meeting_cancel

    first = factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 1, 10), present=[world.zhang])
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 1, 20), present=[world.zhang])
    meeting_cancel(actor=world.secretary, meeting=first, reason="重复登记")
    assert ledger(world.zhang) == [
        (dt.date(2026, 1, 10), "theme", Decimal("2"), "reversed"),
        (dt.date(2026, 1, 20), "theme", Decimal("2"), "approved"),
    ]
    assert balance(world.zhang) == 2


def test_the_yearly_cap_ends_at_the_year_boundary(world, rules):
    # 支部党员大会: 2 points each, at most 8 a year.
    for day in (
        dt.date(2025, 9, 1),
        dt.date(2025, 10, 1),
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 31),
        dt.date(2026, 1, 1),
    ):
        factories.meeting(world.branch_a1, ("general_meeting",), day, present=[world.zhang])
    points = {day: p for day, _code, p, _s in ledger(world.zhang)}
    assert points[dt.date(2025, 12, 31)] == 0 and points[dt.date(2026, 1, 1)] == 2
    assert balance(world.zhang, 2025) == 8


# --- Recomputation --------------------------------------------------------------------------------------
def test_recompute_gives_base_points_and_is_idempotent(world, rules):
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10), absent=[world.li])
    first = services.recompute_year(year=2026)
    assert first["added"] == 3  # the base points of 张强, 李娜, 王伟
    entries = list(PointEntry.objects.order_by("pk").values())
    balances = list(PointBalance.objects.order_by("member_id").values("member_id", "total", "by_category"))
    second = services.recompute_year(year=2026)
    assert (second["added"], second["adjusted"], second["reversed"]) == (0, 0, 0)
    assert list(PointEntry.objects.order_by("pk").values()) == entries
    assert list(PointBalance.objects.order_by("member_id").values("member_id", "total", "by_category")) == balances
    assert balance(world.zhang) == 22 and balance(world.li) == 18


def test_recompute_restores_entries_changed_behind_its_back(world, rules):
    meeting = factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10))
    PointEntry.objects.filter(source_id=meeting.pk).delete()
    PointBalance.objects.all().delete()
    result = services.recompute_year(year=2026)
    assert result["added"] == 2 + 3
    assert balance(world.zhang) == 22


def test_changing_a_rule_never_rewrites_past_entries(world, rules):
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 2, 10), present=[world.zhang])
    services.rule_revise(
        actor=world.organizer, rule=rules["theme-day"], data={"points": "3"}, effective_from=dt.date(2026, 4, 1)
    )
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 5, 10), present=[world.zhang])
    services.recompute_year(year=2026)
    assert [(d, p) for d, _c, p, _s in ledger(world.zhang) if _c == "theme-day"] == [
        (dt.date(2026, 2, 10), Decimal("2")),
        (dt.date(2026, 5, 10), Decimal("3")),
    ]


# --- Claims and their chain --------------------------------------------------------------------------------
def claim(world, rules, **extra):
    values = {
        "actor": world.member_user,
        "member": world.zhang,
        "rule": rules["good-deed"],
        "occurred_on": dt.date(2026, 6, 1),
        "event": "帮助邻居抢收小麦",
        "evidence": "村民李大爷可证明",
    }
    values.update(extra)
    return services.claim_propose(**values)


def test_a_member_claims_and_the_secretary_approves(world, rules):
    with assert_one_audit_event():
        entry = claim(world, rules)
    assert entry.status == "proposed"
    assert balance(world.zhang) == 0
    with assert_one_audit_event():
        services.entry_approve(actor=world.secretary, entry=entry)
    entry.refresh_from_db()
    assert entry.status == "approved" and entry.points == 2
    assert balance(world.zhang) == 2
    assert [s.action for s in entry.claim.steps.all()] == ["propose", "approve"]


def test_approval_by_someone_outside_the_chain_is_refused(world, rules):
    entry = claim(world, rules)
    for outsider in (world.sibling_secretary, world.member_user, world.auditor):
        refused("chain", lambda u=outsider: services.entry_approve(actor=u, entry=entry))
    entry.refresh_from_db()
    assert entry.status == "proposed"


def test_a_higher_honour_needs_the_township_after_the_secretary(world, rules):
    entry = services.claim_propose(
        actor=world.secretary,
        member=world.zhang,
        rule=rules["honour"],
        occurred_on=dt.date(2026, 5, 4),
        event="获评镇优秀共产党员",
        evidence="镇党委表彰文件",
    )
    assert entry.status == "proposed" and entry.claim.steps_done == 1  # the secretary's own step
    refused("chain", lambda: services.entry_approve(actor=world.secretary, entry=entry))  # the proposer
    refused("chain", lambda: services.entry_approve(actor=world.sibling_secretary, entry=entry))
    services.entry_approve(actor=world.town_organizer, entry=entry)
    entry.refresh_from_db()
    assert entry.status == "approved" and balance(world.zhang) == 4


def test_rejecting_needs_a_reason_and_counts_nothing(world, rules):
    entry = claim(world, rules)
    refused("reason", lambda: services.entry_reject(actor=world.secretary, entry=entry, reason=" "))
    services.entry_reject(actor=world.secretary, entry=entry, reason="情况不属实")
    entry.refresh_from_db()
    assert entry.status == "rejected" and entry.claim.reason == "情况不属实" and balance(world.zhang) == 0
    refused("status", lambda: services.entry_approve(actor=world.secretary, entry=entry))


@pytest.mark.parametrize(
    ("points", "message"),
    [("-1", "positive"), ("0", "positive"), ("1.5", "whole"), ("0.25", "decimal"), ("3", "At most"), ("x", "number")],
)
def test_bad_points_are_refused_naming_the_field(world, rules, points, message):
    from django.utils.translation import override

    with override("en"):
        messages = refused("points", lambda: claim(world, rules, points=points))
    assert message in " ".join(messages)


def test_fractional_points_where_the_rule_allows_them(world, monthly):
    entry = services.claim_propose(
        actor=world.secretary,
        member=world.zhang,
        rule=monthly["deed"],
        occurred_on=dt.date(2026, 6, 1),
        event="义务清扫",
        points="0.5",
    )
    assert entry.status == "approved" and entry.points == Decimal("0.5")


def test_a_claim_outside_the_rules_dates_is_refused(world, rules):
    messages = refused("occurred_on", lambda: claim(world, rules, occurred_on=dt.date(2023, 12, 31)))
    assert "2024-01-01" in messages[0]
    refused("occurred_on", lambda: claim(world, rules, occurred_on=dt.date(2026, 7, 1)))  # the future


def test_evidence_and_event_are_required_where_the_rule_says(world, rules):
    refused("evidence", lambda: claim(world, rules, evidence=""))
    refused("event", lambda: claim(world, rules, event=" "))


def test_a_duplicate_claim_for_the_same_event_is_refused(world, rules):
    claim(world, rules)
    refused("occurred_on", lambda: claim(world, rules, event="又一件好事"))


def test_attendance_cannot_be_claimed_by_hand(world, rules):
    refused("rule", lambda: claim(world, rules, rule=rules["theme-day"]))


def test_a_member_cannot_claim_for_someone_else_or_propose_a_deduction(world, rules):
    refused("member", lambda: claim(world, rules, member=world.li))
    refused("rule", lambda: claim(world, rules, rule=rules["misconduct"]))


def test_the_sibling_secretary_cannot_propose_for_another_branch(world, rules):
    refused("member", lambda: claim(world, rules, actor=world.sibling_secretary))


def test_a_claim_beyond_the_cap_is_refused_at_approval(world, rules):
    for month in (1, 2, 3):  # 好人好事: 2 points, at most 6 a year
        entry = claim(world, rules, occurred_on=dt.date(2026, month, 5))
        services.entry_approve(actor=world.secretary, entry=entry)
    entry = claim(world, rules, occurred_on=dt.date(2026, 4, 5))
    refused("points", lambda: services.entry_approve(actor=world.secretary, entry=entry))
    assert balance(world.zhang) == 6


def test_a_bulk_award_above_the_threshold_needs_the_township(world, rules):
    from dangjian.core.services import parameter_set

    parameter_set(actor=world.organizer, key=services.BULK_KEY, value=1, effective_from=dt.date(2026, 1, 1))
    with assert_one_audit_event():
        entries = services.award_bulk(
            actor=world.secretary,
            members=[world.zhang, world.li],
            rule=rules["task"],
            occurred_on=dt.date(2026, 6, 2),
            event="防汛值守",
        )
    assert {e.status for e in entries} == {"proposed"}
    assert {tuple(e.claim.chain) for e in entries} == {("secretary", "township")}
    for entry in entries:
        services.entry_approve(actor=world.town_organizer, entry=entry)
    assert balance(world.zhang) == 2 and balance(world.li) == 2


def test_a_small_bulk_award_is_approved_at_once(world, rules):
    entries = services.award_bulk(
        actor=world.secretary,
        members=[world.zhang, world.li],
        rule=rules["task"],
        occurred_on=dt.date(2026, 6, 2),
        event="防汛值守",
    )
    assert {e.status for e in entries} == {"approved"}


def test_a_bulk_award_is_all_or_nothing(world, rules):
    refused(
        "members",
        lambda: services.award_bulk(
            actor=world.secretary,
            members=[world.zhang, world.wang],
            rule=rules["task"],
            occurred_on=dt.date(2026, 6, 2),
            event="防汛值守",
        ),
    )


# --- Rules ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"points": "-2"}, "points"),
        ({"points": "1.5"}, "points"),
        ({"cap": "5"}, "cap_period"),
        ({"chain": ["township", "secretary"]}, "chain"),
        ({"chain": ["nobody"]}, "chain"),
        ({"source_kind": "meeting:theme_day"}, "chain"),
        ({"source_kind": "meeting_absent:any"}, "direction"),
        ({"source_kind": "meeting:nothing", "chain": []}, "source_kind"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(world, rules, data, field):
    scheme = rules["task"].scheme
    values = {
        "code": "new",
        "name": "新规则",
        "category": "tasks",
        "direction": "award",
        "points": "2",
        "chain": ["secretary"],
        **data,
    }
    refused(
        field,
        lambda: services.rule_create(
            actor=world.organizer, scheme=scheme, data=values, effective_from=dt.date(2026, 7, 1)
        ),
    )


def test_the_nearest_scheme_up_the_tree_applies(world, rules, monthly):
    factories.meeting(world.branch_a1, ("theme_day",), dt.date(2026, 3, 10), present=[world.zhang])
    factories.meeting(world.branch_b1, ("theme_day",), dt.date(2026, 3, 10), present=[world.wang])
    assert ledger(world.zhang)[0][1] == "theme" and ledger(world.wang)[0][1] == "theme-day"
