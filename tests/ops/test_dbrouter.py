"""The replica router (core.dbrouter) on SQLite: which reads it sends to the replica, with a replica
pretended configured. The real two-cluster walk is test_replica.py (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import transaction

from dangjian.core import dbrouter
from dangjian.core.models import User
from dangjian.orglife.models import Meeting

router = dbrouter.ReplicaRouter()


@pytest.fixture
def replica(monkeypatch):
    monkeypatch.setattr(dbrouter, "replica_configured", lambda: True)


def test_without_a_replica_every_read_goes_to_the_primary(db):
    with dbrouter.reporting():
        assert router.db_for_read(Meeting) is None
    assert router.db_for_write(Meeting) == "default"


def test_report_reads_go_to_the_replica_and_nothing_else(db, replica):
    assert router.db_for_read(Meeting) is None  # not a report read
    with dbrouter.reporting():
        assert router.db_for_read(Meeting) == "replica"
        assert router.db_for_read(User) is None  # who may see what: never from a copy that may lag
    assert router.db_for_read(Meeting) is None


def test_after_a_write_the_rest_of_the_block_reads_the_primary(db, replica):
    with dbrouter.reporting():
        assert router.db_for_write(Meeting) == "default"
        assert router.db_for_read(Meeting) is None
    with dbrouter.reporting():  # a new block (a new request) starts on the replica again
        assert router.db_for_read(Meeting) == "replica"


def test_reads_inside_a_write_transaction_stay_on_the_primary(db, replica):
    with dbrouter.reporting(), transaction.atomic():
        assert router.db_for_read(Meeting) is None


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "orglife")
    assert not router.allow_migrate("replica", "orglife")


def test_report_views_are_named_in_settings():
    assert dbrouter.is_report_view("home")
    assert dbrouter.is_report_view("io-export-members")
    assert not dbrouter.is_report_view("orglife-meeting-create")
    assert not dbrouter.is_report_view("")


@pytest.fixture
def routed(monkeypatch, replica):
    """Where the router would have sent each read (every query still runs on the primary here)."""
    decisions = []
    decide = dbrouter.ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        decisions.append(decide(self, model, **hints))
        return None

    monkeypatch.setattr(dbrouter.ReplicaRouter, "db_for_read", spy)
    return decisions


def test_the_dashboard_reads_on_the_replica_and_a_form_does_not(world, client_for, today, routed):
    client = client_for(world.organizer)
    assert client.get("/").status_code == 200
    assert "replica" in routed
    routed.clear()
    assert client_for(world.secretary).get("/orglife/meetings/new/").status_code == 200
    assert routed and "replica" not in routed


def test_a_post_to_a_report_view_reads_the_primary(world, client_for, today, routed):
    client_for(world.organizer).post("/")
    assert "replica" not in routed


def test_an_export_reads_on_the_replica(world, client_for, today, routed):
    response = client_for(world.organizer).get("/io/export/members/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) if response.streaming else response.content
    assert "replica" in routed
