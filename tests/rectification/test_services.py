import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.models import AuditEvent
from dangjian.rectification import services
from dangjian.rectification.models import Problem, Rectification, Screening, ScreeningMark
from tests.factories import CASE_OPENED as OPENED
from tests.factories import SCREENING_YEAR as YEAR
from tests.factories import criteria
from tests.support.audit import assert_no_audit_event, assert_one_audit_event

pytestmark = pytest.mark.django_db


def refused(field, call):
    with assert_no_audit_event(), pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.message_dict, caught.value.message_dict
    return caught.value.message_dict[field][0]


def one_event(call):
    with assert_one_audit_event():
        result = call()
    return result


def test_the_default_criteria_and_quota_rule_are_loaded():
    from dangjian.core import parameters

    assert len(services.criteria_on(dt.date(2025, 1, 1))) == 10
    assert parameters.get("rectification.min_share_percent") == 5


def test_a_screening_is_one_per_organization_and_year(world):
    one_event(lambda: services.screening_create(actor=world.organizer, org=world.root, year=YEAR))
    refused("year", lambda: services.screening_create(actor=world.organizer, org=world.root, year=YEAR))
    refused("year", lambda: services.screening_create(actor=None, org=world.root, year=1999))
    refused("org", lambda: services.screening_create(actor=world.secretary, org=world.branch_a1, year=YEAR))
    assert Screening.objects.count() == 1


def test_marking_names_the_field_and_writes_nothing_when_wrong(world, screening):
    def mark(**kw):
        args = {
            "actor": world.organizer,
            "screening": screening,
            "org": world.branch_a2,
            "classification": "weak",
            "criteria": criteria("C01"),
        }
        args.update(kw)
        return services.mark_create(**args)

    refused("classification", lambda: mark(classification="bad"))
    refused("criteria", lambda: mark(criteria=[]))
    refused("criteria", lambda: mark(criteria=[999999]))
    refused("org", lambda: mark(org=world.root))  # the screened committee itself
    assert ScreeningMark.objects.count() == 0
    made = one_event(lambda: mark(note="班子不团结"))
    assert made.screening_path == world.root.path and made.year == YEAR
    assert sorted(c.code for c in made.criteria.all()) == ["C01"]
    refused("org", lambda: mark())  # twice


def test_a_branch_cannot_classify_itself_and_a_township_marks_only_below_it(world, screening):
    town_screening = services.screening_create(actor=world.town_organizer, org=world.town_a, year=YEAR)
    refused(
        "org",
        lambda: services.mark_create(
            actor=world.secretary, screening=screening, org=world.branch_a1, classification="weak", criteria=criteria()
        ),
    )
    refused(
        "org",
        lambda: services.mark_create(
            actor=world.town_organizer,
            screening=town_screening,
            org=world.town_a,
            classification="weak",
            criteria=criteria(),
        ),
    )
    made = services.mark_create(
        actor=world.town_organizer,
        screening=town_screening,
        org=world.branch_a1,
        classification="lagging",
        criteria=criteria("C05"),
    )
    assert made.classification == "lagging"


def test_a_mark_with_a_case_cannot_be_withdrawn(world, case):
    refused("mark", lambda: services.mark_delete(actor=world.organizer, mark=case.mark))


def test_opening_a_case_copies_the_mark_and_checks_the_date(world, mark):
    refused("opened_on", lambda: services.case_open(actor=world.organizer, mark=mark, opened_on=dt.date(2024, 12, 1)))
    refused("opened_on", lambda: services.case_open(actor=world.organizer, mark=mark, opened_on=dt.date(2999, 1, 1)))
    refused("mark", lambda: services.case_open(actor=world.secretary, mark=mark, opened_on=OPENED))
    case = one_event(lambda: services.case_open(actor=world.town_organizer, mark=mark, opened_on=OPENED))
    assert (case.org_id, case.org_path, case.year, case.classification, case.state) == (
        world.branch_a1.pk,
        world.branch_a1.path,
        YEAR,
        "weak",
        "opened",
    )
    refused("mark", lambda: services.case_open(actor=world.organizer, mark=mark, opened_on=OPENED))


def test_problems_need_every_field_and_a_deadline_after_opening(world, case):
    def add(**kw):
        data = {
            "description": "集体经济薄弱",
            "countermeasure": "发展合作社",
            "responsible": "赵六",
            "deadline": dt.date(2026, 5, 1),
        }
        data.update(kw)
        return services.problem_add(actor=world.town_organizer, case=case, data=data)

    for name in ("description", "countermeasure", "responsible"):
        refused(name, lambda name=name: add(**{name: " "}))
    refused("deadline", lambda: add(deadline=dt.date(2025, 1, 1)))
    refused("deadline", lambda: add(deadline=None))
    refused("description", lambda: services.problem_add(actor=world.secretary, case=case, data={}))
    problem = one_event(add)
    assert problem.org_path == world.branch_a1.path
    assert Problem.objects.filter(rectification=case).count() == 3


def test_the_branch_records_progress_and_done_countermeasures(world, case):
    problem = case.problems.first()
    refused(
        "done_on",
        lambda: services.countermeasure_done(actor=world.secretary, problem=problem, done_on=dt.date(2025, 11, 1)),
    )
    refused(
        "done_on",
        lambda: services.countermeasure_done(
            actor=world.sibling_secretary, problem=problem, done_on=dt.date(2026, 1, 5)
        ),
    )
    one_event(lambda: services.countermeasure_done(actor=world.secretary, problem=problem, done_on=dt.date(2026, 1, 5)))
    problem.refresh_from_db()
    assert problem.done_on == dt.date(2026, 1, 5)
    refused(
        "text", lambda: services.progress_add(actor=world.secretary, case=case, written_on=dt.date(2026, 1, 5), text="")
    )
    one_event(
        lambda: services.progress_add(
            actor=world.secretary, case=case, written_on=dt.date(2026, 1, 5), text="第一书记已到岗"
        )
    )


def finish(case, day=dt.date(2026, 2, 1)):
    for problem in case.problems.all():
        services.countermeasure_done(actor=None, problem=problem, done_on=day)


def test_the_state_steps_and_who_may_take_them(world, case):
    refused(
        "state", lambda: services.case_accept(actor=world.town_organizer, case=case, accepted_on=dt.date(2026, 2, 2))
    )
    finish(case)
    refused("state", lambda: services.case_accept(actor=world.secretary, case=case, accepted_on=dt.date(2026, 2, 2)))
    refused(
        "accepted_on",
        lambda: services.case_accept(actor=world.town_organizer, case=case, accepted_on=dt.date(2026, 1, 30)),
    )
    refused("state", lambda: services.case_close(actor=world.organizer, case=case, closed_on=dt.date(2026, 2, 3)))
    one_event(lambda: services.case_accept(actor=world.town_organizer, case=case, accepted_on=dt.date(2026, 2, 2)))
    refused("description", lambda: services.problem_add(actor=world.organizer, case=case, data={}))
    # The township did not run the district's screening: only the department closes.
    refused("state", lambda: services.case_close(actor=world.town_organizer, case=case, closed_on=dt.date(2026, 2, 3)))
    refused("closed_on", lambda: services.case_close(actor=world.organizer, case=case, closed_on=dt.date(2026, 2, 1)))
    one_event(lambda: services.case_close(actor=world.organizer, case=case, closed_on=dt.date(2026, 2, 3)))
    case.refresh_from_db()
    assert (case.state, case.accepted_on, case.closed_on) == ("closed", dt.date(2026, 2, 2), dt.date(2026, 2, 3))
    refused("reason", lambda: services.case_reopen(actor=world.organizer, case=case, reason=""))
    one_event(lambda: services.case_reopen(actor=world.organizer, case=case, reason="群众反映问题反弹"))
    case.refresh_from_db()
    assert (case.state, case.accepted_on, case.closed_on) == (Rectification.State.IN_PROGRESS, None, None)
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "rectification_in_progress" and event.changes["reason"] == [None, "群众反映问题反弹"]


def test_a_work_team_has_one_captain(world, case):
    one_event(
        lambda: services.team_member_add(actor=world.organizer, case=case, name="刘队长", role="区纪委", captain=True)
    )
    refused("captain", lambda: services.team_member_add(actor=world.organizer, case=case, name="陈", captain=True))
    refused("name", lambda: services.team_member_add(actor=world.organizer, case=case, name=""))
    refused("name", lambda: services.team_member_add(actor=world.secretary, case=case, name="自己人"))


def test_a_mark_is_changed_by_a_committee_above_and_its_case_follows(world, case):
    mark = case.mark
    refused(
        "org",
        lambda: services.mark_update(
            actor=world.secretary, mark=mark, classification="lagging", criteria=criteria("C01")
        ),
    )
    refused(
        "criteria",
        lambda: services.mark_update(actor=world.town_organizer, mark=mark, classification="lagging", criteria=[]),
    )
    diff = one_event(
        lambda: services.mark_update(
            actor=world.town_organizer,
            mark=mark,
            classification="lagging",
            criteria=criteria("C01", "C05"),
            note="复核",
        )
    )
    assert diff["classification"] == ["weak", "lagging"] and diff["criteria"] == [["C01", "C03"], ["C01", "C05"]]
    case.refresh_from_db()
    assert case.classification == "lagging"
    assert (
        services.mark_update(
            actor=world.organizer, mark=mark, classification="lagging", criteria=criteria("C01", "C05"), note="复核"
        )
        == {}
    )
