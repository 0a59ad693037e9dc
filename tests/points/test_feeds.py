"""Points fed by training attendance and volunteer hours: recorded once where they happen (the
training's organizer, the activity's community), the ledger follows every change exactly and
idempotently, under each member's own scheme, within the caps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.models import AuditEvent
from dangjian.points import services
from dangjian.points.models import PointBalance, PointEntry
from tests.points.test_services import balance, ledger


def training_session(world, org, held_on, *, present=(), absent=(), kind="lecture_series", state="held"):
    from dangjian.training.services import AttendanceIn, programme_create, session_create

    programme = programme_create(
        actor=world.organizer,
        org=org,
        data={"name": "党员大讲堂", "kind": kind, "starts_on": dt.date(2025, 1, 1)},
    )
    sheet = [AttendanceIn(m.pk, "present") for m in present] + [AttendanceIn(m.pk, "absent") for m in absent]
    return session_create(
        actor=world.organizer,
        programme=programme,
        data={"held_on": held_on, "title": "学习党章", "hours": Decimal("2"), "state": state},
        attendance=sheet if state == "held" else None,
    )


def volunteer_activity(world, org, held_on, hours: dict):
    from dangjian.community.services import ServiceIn, activity_create

    return activity_create(
        actor=world.organizer,
        org=org,
        data={"held_on": held_on, "title": "清扫街巷", "kind": "environment", "state": "held"},
        service=[ServiceIn(m.pk, h) for m, h in hours.items()],
    )


def counted(member, source) -> Decimal:
    return sum(
        (e.points for e in PointEntry.objects.filter(member=member, source_type=source, status="approved")),
        Decimal("0"),
    )


# --- Training -----------------------------------------------------------------------------------------
def test_a_district_lecture_earns_the_members_present_in_every_township(world, rules):
    session = training_session(
        world, world.root, dt.date(2026, 3, 10), present=[world.zhang, world.wang], absent=[world.li]
    )
    entries = PointEntry.objects.filter(source_type="training", source_id=session.pk).order_by("member_id")
    assert [(e.member_id, e.rule.code, e.points, e.org_id) for e in entries] == [
        (world.zhang.pk, "training", Decimal("1"), world.branch_a1.pk),
        (world.wang.pk, "training", Decimal("1"), world.branch_b1.pk),
    ]
    assert ledger(world.li) == []  # absent from training costs nothing
    assert PointBalance.objects.get(member=world.wang, year=2026).by_category == {"study": "1.0"}


def test_recording_a_session_writes_only_the_sessions_own_audit_events(world, rules):
    events = AuditEvent.objects.count()
    training_session(world, world.root, dt.date(2026, 3, 10), present=[world.zhang])
    # the programme's and the session's; the points derived from it add none
    assert AuditEvent.objects.count() == events + 2
    assert PointEntry.objects.filter(source_type="training").count() == 1


def test_the_yearly_cap_applies_to_training_in_date_order(world, rules):
    for month in (1, 2, 3, 4, 5):
        training_session(world, world.town_a, dt.date(2026, month, 2), present=[world.zhang])
    points = [e.points for e in PointEntry.objects.filter(member=world.zhang).order_by("occurred_on")]
    assert points == [Decimal("1")] * 4 + [Decimal("0")]  # cap 4 a year
    assert counted(world.zhang, "training") == 4


def test_changing_the_sheet_cancelling_and_deleting_follow_exactly(world, rules):
    from dangjian.training.services import AttendanceIn, session_cancel, session_delete, session_record_attendance

    session = training_session(world, world.town_a, dt.date(2026, 3, 10), present=[world.zhang, world.li])
    session_record_attendance(
        actor=world.organizer,
        session=session,
        attendance=[AttendanceIn(world.zhang.pk, "absent"), AttendanceIn(world.li.pk, "present")],
    )
    assert counted(world.zhang, "training") == 0 and counted(world.li, "training") == 1
    assert PointEntry.objects.filter(source_type="training", source_id=session.pk).count() == 2  # same rows
    assert services.sync_entries(source="training", source_id=session.pk) == {"added": 0, "adjusted": 0, "reversed": 0}
    session_cancel(actor=world.organizer, session=session, reason="误录")
    assert set(
        PointEntry.objects.filter(source_id=session.pk, source_type="training").values_list("status", flat=True)
    ) == {"reversed"}
    assert balance(world.li) == 0

    other = training_session(world, world.town_a, dt.date(2026, 4, 10), present=[world.li])
    assert counted(world.li, "training") == 1
    session_delete(actor=world.organizer, session=other)
    assert counted(world.li, "training") == 0  # kept as reversed, no longer counted


def test_a_planned_session_earns_nothing(world, rules):
    training_session(world, world.town_a, dt.date(2026, 7, 10), state="planned")
    assert not PointEntry.objects.filter(source_type="training").exists()


def test_the_members_own_scheme_decides(world, rules, monthly):
    """城关镇's scheme has no training rule: its members earn nothing; 河口镇's (the default) do."""
    training_session(world, world.root, dt.date(2026, 3, 10), present=[world.zhang, world.wang])
    assert counted(world.zhang, "training") == 0
    assert counted(world.wang, "training") == 1


def test_a_rule_of_one_programme_kind_outranks_none(world, today, monthly):
    """A rule fed by study trips only does not award a lecture."""
    trip = services.rule_create(
        actor=None,
        scheme=monthly["scheme"],
        effective_from=dt.date(2025, 1, 1),
        data={
            "code": "trip",
            "name": "参加红色教育现场教学",
            "category": "study",
            "direction": "award",
            "points": Decimal("3"),
            "source_kind": "training:study_trip",
        },
    )
    training_session(world, world.town_a, dt.date(2026, 3, 10), present=[world.zhang])
    training_session(world, world.town_a, dt.date(2026, 4, 10), present=[world.zhang], kind="study_trip")
    assert [(e.rule_id, e.points) for e in PointEntry.objects.filter(member=world.zhang)] == [(trip.pk, Decimal("3"))]


# --- Volunteer hours ------------------------------------------------------------------------------------
def test_hours_served_earn_the_rules_points_per_hour(world, rules):
    activity = volunteer_activity(world, world.town_a, dt.date(2026, 5, 1), {world.zhang: "3", world.li: "1.5"})
    assert counted(world.zhang, "service") == Decimal("1.5")  # 3 h × 0.5
    assert counted(world.li, "service") == Decimal("0.7")  # 1.5 h × 0.5 = 0.75, rounded down
    entry = PointEntry.objects.get(member=world.zhang, source_type="service")
    assert (entry.source_id, entry.rule.code, entry.org_id) == (activity.pk, "service-hours", world.branch_a1.pk)


def test_changing_the_hours_adjusts_and_the_cap_holds(world, rules):
    from dangjian.community.services import ServiceIn, activity_cancel, service_record

    activity = volunteer_activity(world, world.town_a, dt.date(2026, 5, 1), {world.zhang: "2"})
    volunteer_activity(world, world.town_a, dt.date(2026, 5, 8), {world.zhang: "12"})
    assert counted(world.zhang, "service") == Decimal("4")  # 1 + 6 asked, cap 4 a year
    service_record(actor=world.organizer, activity=activity, service=[ServiceIn(world.zhang.pk, "4")])
    rows = dict(PointEntry.objects.filter(member=world.zhang).values_list("occurred_on", "points"))
    assert rows == {dt.date(2026, 5, 1): Decimal("2"), dt.date(2026, 5, 8): Decimal("2")}  # the earlier fills first
    activity_cancel(actor=world.organizer, activity=activity, reason="未举行")
    rows = dict(PointEntry.objects.filter(member=world.zhang, status="approved").values_list("occurred_on", "points"))
    assert rows == {dt.date(2026, 5, 8): Decimal("4")}


def test_service_points_round_down_to_the_rules_precision(world, rules):
    rule = rules["service-hours"]
    assert services.service_points(rule, Decimal("0.1")) == Decimal("0")
    assert services.service_points(rule, Decimal("2.5")) == Decimal("1.2")
    rule.allow_fraction, rule.points = False, Decimal("1")
    assert services.service_points(rule, Decimal("2.5")) == Decimal("2")


# --- Recomputation and rules ----------------------------------------------------------------------------
def test_recomputing_the_year_finds_exactly_what_the_syncs_wrote(world, rules):
    services.recompute_year(year=2026)  # the year's base points: not what this test is about
    training_session(world, world.root, dt.date(2026, 3, 10), present=[world.zhang, world.wang])
    volunteer_activity(world, world.town_a, dt.date(2026, 5, 1), {world.zhang: "3"})
    before = list(PointEntry.objects.order_by("pk").values())
    result = services.recompute_year(year=2026)
    assert (result["added"], result["adjusted"], result["reversed"]) == (0, 0, 0)
    assert list(PointEntry.objects.order_by("pk").values()) == before

    PointEntry.objects.filter(source_type__in=["training", "service"]).delete()  # lost rows come back
    result = services.recompute_year(year=2026)
    assert result["added"] == 3
    assert counted(world.zhang, "training") == 1 and counted(world.zhang, "service") == Decimal("1.5")


def test_a_session_moved_to_another_year_takes_its_entries(world, rules):
    from dangjian.training.services import session_update

    for year in (2025, 2026):
        services.recompute_year(year=year)  # the base points first
    session = training_session(world, world.town_a, dt.date(2026, 1, 5), present=[world.zhang])
    session_update(actor=world.organizer, session=session, data={"held_on": dt.date(2025, 12, 28)})
    assert [x for x in ledger(world.zhang) if x[1] == "training"] == [
        (dt.date(2025, 12, 28), "training", Decimal("1"), "approved")
    ]
    assert services.recompute_year(year=2025)["added"] == 0
    assert services.recompute_year(year=2026)["reversed"] == 0


@pytest.mark.parametrize("source", ["training:any", "training:course", "service_hours"])
def test_training_and_service_can_only_earn(source):
    with pytest.raises(ValidationError) as exc:
        services.validate_rule(
            {
                "code": "x",
                "name": "x",
                "category": "study",
                "direction": "deduction",
                "points": "1",
                "source_kind": source,
            }
        )
    assert "direction" in exc.value.message_dict


def test_the_shipped_schemes_carry_the_fed_rules(rules):
    from dangjian.points.models import PointRule

    assert (rules["training"].source_kind, rules["service-hours"].source_kind) == ("training:any", "service_hours")
    template = PointRule.objects.get(scheme__template=True, code="volunteer")
    assert (template.source_kind, template.chain, template.evidence_required) == ("service_hours", [], False)


def test_recomputing_finds_an_entry_stored_under_the_year_its_record_left(world, rules):
    """A session's day changed without its signal (a restore, a fix in the database): recomputing
    the new year adjusts the stored row instead of adding a second one for the same session."""
    from dangjian.training.models import Session, SessionAttendance

    session = training_session(world, world.town_a, dt.date(2026, 1, 5), present=[world.zhang])
    Session.objects.filter(pk=session.pk).update(held_on=dt.date(2025, 12, 28))
    SessionAttendance.objects.filter(session=session).update(held_on=dt.date(2025, 12, 28))
    result = services.recompute_year(year=2025)
    entry = PointEntry.objects.get(source_type="training", source_id=session.pk)
    assert (entry.occurred_on, entry.year, entry.status) == (dt.date(2025, 12, 28), 2025, "approved")
    assert result["adjusted"] >= 1 and balance(world.zhang, 2026) == 0


def test_migration_0006_adds_the_fed_rules_to_an_older_installation(db):
    """An installation whose default schemes predate the feeds gets the rules once (the template's
    claimed volunteer rule becomes the one fed by hours); running it again adds nothing."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from dangjian.points.models import PointRule

    load = importlib.import_module("dangjian.points.migrations.0006_feed_rules").load
    PointRule.objects.filter(scheme__template=False, code__in=["training", "service-hours"]).delete()
    PointRule.objects.filter(scheme__template=True, code="training").delete()
    PointRule.objects.filter(scheme__template=True, code="volunteer").update(
        source_kind="", points=Decimal("1"), allow_fraction=False, evidence_required=True, chain=["secretary"]
    )
    editor = SimpleNamespace(connection=connection)
    load(apps, editor)
    load(apps, editor)
    default = PointRule.objects.filter(scheme__template=False, scheme__org__isnull=True)
    assert sorted(default.filter(code__in=["training", "service-hours"]).values_list("code", "source_kind")) == [
        ("service-hours", "service_hours"),
        ("training", "training:any"),
    ]
    volunteer = PointRule.objects.get(scheme__template=True, code="volunteer")
    assert (volunteer.source_kind, volunteer.points, volunteer.chain) == ("service_hours", Decimal("0.5"), [])
    assert PointRule.objects.filter(scheme__template=True, code="training").count() == 1


def test_a_training_entry_names_its_session_linked_only_for_its_organizers(world, rules, client_for):
    session = training_session(world, world.root, dt.date(2026, 3, 10), present=[world.zhang])
    entry = PointEntry.objects.get(member=world.zhang, source_type="training")
    label = f"2026-03-10 {session.title} · {session.programme.name}"
    district = client_for(world.organizer).get(f"/points/entries/{entry.pk}/").content.decode()
    assert f'<a href="/training/sessions/{session.pk}/">{label}</a>' in district
    branch = client_for(world.secretary).get(f"/points/entries/{entry.pk}/").content.decode()
    assert label in branch and f"/training/sessions/{session.pk}/" not in branch


def test_a_service_entry_names_its_activity_linked_only_for_its_holders(world, rules, client_for):
    activity = volunteer_activity(world, world.town_a, dt.date(2026, 5, 1), {world.zhang: "2"})
    entry = PointEntry.objects.get(member=world.zhang, source_type="service")
    label = f"2026-05-01 {activity.title} · {world.town_a.name}"
    township = client_for(world.town_organizer).get(f"/points/entries/{entry.pk}/").content.decode()
    assert f'<a href="/community/activities/{activity.pk}/">{label}</a>' in township
    branch = client_for(world.secretary).get(f"/points/entries/{entry.pk}/").content.decode()
    assert label in branch and f"/community/activities/{activity.pk}/" not in branch
