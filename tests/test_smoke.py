def test_world_builds(world):
    from dangjian.members.models import Member

    assert Member.objects.count() == 3
    assert Member.objects.visible_to(world.secretary).count() == 2
    assert Member.objects.visible_to(world.sibling_secretary).count() == 1
    assert Member.objects.visible_to(world.organizer).count() == 3
    assert list(Member.objects.visible_to(world.member_user)) == [world.zhang]
    assert Member.objects.visible_to(world.auditor).count() == 0


def test_the_database_is_the_one_ci_asked_for(db):
    """A PostgreSQL run that silently fell back to SQLite would prove nothing."""
    import os

    from django.db import connection

    expected = os.environ.get("DANGJIAN_EXPECT_DB")
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        expected = "postgresql"
    assert connection.vendor == (expected or "sqlite")
