"""Rules as rows: the generic versioning of ``core.rules`` and ``RuleVersion.objects.in_force_on``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.core import parameters, rules
from dangjian.core.models import AuditEvent, Parameter
from dangjian.rectification.models import ScreeningCriterion

D = dt.date
KEY = "orglife.reminder_lead_days"


def test_a_criterion_revised_closes_the_old_version_and_opens_a_new_one(db):
    old = ScreeningCriterion.objects.create(code="X01", text="旧标准", effective_from=D(2020, 1, 1))
    before = AuditEvent.objects.count()
    new = rules.rule_revise(actor=None, rule=old, data={"text": "新标准"}, effective_from=D(2026, 1, 1))
    old.refresh_from_db()
    assert old.effective_to == D(2025, 12, 31) and new.effective_to is None and new.code == "X01"
    assert list(ScreeningCriterion.objects.filter(code="X01").in_force_on(D(2025, 6, 1))) == [old]
    assert list(ScreeningCriterion.objects.filter(code="X01").in_force_on(D(2026, 6, 1))) == [new]
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1 and event.action == "update"
    assert event.changes["text"] == ["旧标准", "新标准"] and event.changes["effective_from"] == [None, "2026-01-01"]


def test_the_version_key_does_not_change_in_a_revision(db):
    old = ScreeningCriterion.objects.create(code="X02", text="标准", effective_from=D(2020, 1, 1))
    new = rules.rule_revise(actor=None, rule=old, data={"code": "X99"}, effective_from=D(2026, 1, 1))
    assert new.code == "X02"


def test_a_revision_must_start_after_the_version_and_before_its_end(db):
    rule = ScreeningCriterion.objects.create(
        code="X03", text="标准", effective_from=D(2020, 1, 1), effective_to=D(2021, 12, 31)
    )
    for day in (D(2019, 1, 1), D(2020, 1, 1), D(2022, 1, 1)):
        with pytest.raises(ValidationError) as caught:
            rules.rule_revise(actor=None, rule=rule, data={}, effective_from=day)
        assert set(caught.value.message_dict) == {"effective_from"}


def test_ending_a_version_twice_or_before_it_starts_is_refused(db):
    rule = ScreeningCriterion.objects.create(code="X04", text="标准", effective_from=D(2020, 1, 1))
    rules.rule_end(actor=None, rule=rule, on=D(2024, 12, 31))
    assert list(ScreeningCriterion.objects.filter(code="X04").in_force_on(D(2025, 1, 1))) == []
    for day in (D(2019, 1, 1), D(2025, 6, 1)):
        with pytest.raises(ValidationError) as caught:
            rules.rule_end(actor=None, rule=rule, on=day)
        assert set(caught.value.message_dict) == {"effective_to"}


def test_a_parameter_lasts_until_the_next_value_of_its_key(db):
    parameters.parameter_set(actor=None, key=KEY, value=3, effective_from=D(2026, 6, 1))
    parameters.parameter_set(actor=None, key=KEY, value=5, effective_from=D(2026, 9, 1))
    assert parameters.get(KEY, D(2026, 7, 1)) == 3
    assert parameters.get(KEY, D(2026, 9, 1)) == 5
    assert Parameter.objects.filter(key=KEY).in_force_on(D(2026, 9, 1)).count() == 1
    newest = Parameter.objects.filter(key=KEY).order_by("-effective_from").first()
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "parameter_set" and event.object_id == str(newest.pk)
    assert event.changes["value"] == [3, 5]


def test_a_parameter_set_again_for_the_same_day_replaces_that_day(db):
    parameters.parameter_set(actor=None, key=KEY, value=3, effective_from=D(2026, 6, 1))
    parameters.parameter_set(actor=None, key=KEY, value=4, effective_from=D(2026, 6, 1))
    assert Parameter.objects.filter(key=KEY, effective_from=D(2026, 6, 1)).get().value == 4


def test_a_parameter_is_never_ended_only_replaced(db):
    row = parameters.parameter_set(actor=None, key=KEY, value=3, effective_from=D(2026, 6, 1))
    with pytest.raises(TypeError):
        rules.rule_end(actor=None, rule=row, on=D(2026, 12, 31))
