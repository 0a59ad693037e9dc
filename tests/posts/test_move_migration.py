"""An installation made before posts and cadres left the members app keeps every row.

The database is taken back to the migrations before the move (the members app owning the 一编三定 and
reserve cadre models), rows are written with those historical models — as the old code wrote them,
audit event included — and the database is migrated forward again: the rows are read through the
new apps' models, the content types keep their ids under the new labels, and a cadre's history
joins the events written before and after the move.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dangjian.cadres import queries as cadre_queries
from dangjian.cadres import services as cadre_services
from dangjian.cadres.models import ReserveAssessment, ReserveCadre
from dangjian.core import audit, crypto
from dangjian.organizations.models import Unit
from dangjian.posts import queries as post_queries
from dangjian.posts.models import GroupMembership, Post, PostAssignment, PostEvaluation, PostSetting
from tests import factories

BEFORE_THE_MOVE = [
    ("members", "0011_reserve_parameters"),
    ("points", "0006_feed_rules"),
    ("posts", None),
    ("cadres", None),
]
DAY = dt.date(2025, 3, 1)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1]]).apps


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _write_the_old_way(old, world):
    """Rows as the code before the move wrote them, through the members app's historical models."""
    group = factories.org(world.branch_a1, "东街第一党小组", level="party_group", code="TA-001-G1")
    member = old.get_model("members", "Member").objects.get(pk=world.zhang.pk)
    branch = old.get_model("organizations", "Organization").objects.get(pk=world.branch_a1.pk)
    post = old.get_model("members", "Post").objects.get(org=None, name="政策宣传岗")
    scoped = {"org": branch, "org_path": branch.path}
    old.get_model("members", "GroupMembership").objects.create(
        member=member, org_id=group.pk, org_path=group.path, is_leader=True, started_on=DAY
    )
    old.get_model("members", "PostSetting").objects.create(org=branch, post=post, hidden=False)
    assignment = old.get_model("members", "PostAssignment").objects.create(
        member=member,
        post=post,
        group_id=group.pk,
        duties=post.duties,
        origin="self_declared",
        state="on_duty",
        declared_on=DAY,
        approved_on=DAY,
        on_duty_from=DAY + dt.timedelta(days=7),
        **scoped,
    )
    old.get_model("members", "PostEvaluation").objects.create(
        assignment=assignment, year=2025, rating="excellent", evaluated_on=dt.date(2025, 12, 20)
    )
    number = factories.id_number(dt.date(1998, 6, 1), "male", region="410103")
    cadre = old.get_model("members", "ReserveCadre").objects.create(
        name="赵磊",
        gender="male",
        birth_date=dt.date(1998, 6, 1),
        education_own="college",
        id_number_enc=crypto.encrypt(number),
        id_number_hash=crypto.blind_index(number),
        phone_enc=crypto.encrypt("13800001111"),
        selected_on=DAY,
        source="graduate",
        planned_post="committee",
        **scoped,
    )
    old.get_model("members", "ReserveAssessment").objects.create(cadre=cadre, year=2025, rating="competent")
    # The event the old service wrote: its object type is the historical model's label.
    audit.record(actor=None, action="create", obj=cadre, changes={"name": [None, "赵磊"]})
    return group, number


# Migrating needs a real transaction on SQLite; serialized_rollback brings back the rows that data
# migrations wrote (rules, the default posts …) for the tests after this one.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rows_written_before_the_move_are_read_through_the_new_apps(world):
    world.branch_a1.units.add(Unit.objects.create(name="东街村民委员会", kind=Unit.Kind.VILLAGE))
    type_ids = {m: ContentType.objects.get_for_model(m).pk for m in (PostAssignment, ReserveCadre)}
    try:
        old = _migrate(BEFORE_THE_MOVE)
        assert ContentType.objects.filter(app_label="members", model="postassignment").exists()
        group, number = _write_the_old_way(old, world)
        _migrate(_leaves())
    finally:
        _migrate(_leaves())  # leave the database as the other tests expect it, even after a failure
    ContentType.objects.clear_cache()

    assignment = PostAssignment.objects.get(member=world.zhang)
    assert (assignment.post.name, assignment.group_id, assignment.org_path) == (
        "政策宣传岗",
        group.pk,
        world.branch_a1.path,
    )
    assert post_queries.current_assignment(world.zhang) == assignment
    assert post_queries.group_of(world.zhang, DAY) == group
    assert GroupMembership.objects.get(member=world.zhang).is_leader
    assert PostEvaluation.objects.get(assignment=assignment).rating == "excellent"
    assert PostSetting.objects.get(org=world.branch_a1).post == Post.objects.get(org=None, name="政策宣传岗")

    cadre = ReserveCadre.objects.get(name="赵磊")
    assert (cadre.id_number, cadre.phone, cadre.org_id) == (number, "13800001111", world.branch_a1.pk)
    assert ReserveAssessment.objects.get(cadre=cadre).rating == "competent"

    for model, type_id in type_ids.items():
        moved = ContentType.objects.get_for_model(model)
        assert (moved.pk, moved.app_label) == (type_id, model._meta.app_label)
    assert not ContentType.objects.filter(app_label="members", model__in=["postassignment", "reservecadre"]).exists()

    # The events of one cadre keep one object type across the move: its history is whole.
    cadre_services.reserve_assess(actor=None, cadre=cadre, year=2026, rating="excellent")
    assert [e.action for e, _label in cadre_queries.history_of(cadre)] == ["reserve_assess", "create"]
