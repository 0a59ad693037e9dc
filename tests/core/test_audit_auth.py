from dangjian.core.models import AuditEvent


def test_logins_and_failures_are_audited(world, client):
    assert not client.login(username="sec_a1", password="wrong")
    assert client.login(username="sec_a1", password="Test-pass-123")
    failed = AuditEvent.objects.get(action="login_failed")
    assert (failed.actor, failed.actor_name, failed.outcome) == (None, "sec_a1", "failure")
    assert AuditEvent.objects.get(action="login").actor == world.secretary


def test_a_login_through_the_form_records_the_source_address(world, client):
    client.post("/login/", {"username": "sec_a1", "password": "Test-pass-123"}, REMOTE_ADDR="10.1.2.3")
    assert AuditEvent.objects.get(action="login").source == "10.1.2.3"


def test_the_auditor_reads_and_filters_the_log(world, client_for):
    client = client_for(world.auditor)
    response = client.get("/audit/?action=create&object_type=members.member")
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 3


def test_only_auditors_read_the_log(world, client_for):
    assert client_for(world.organizer).get("/audit/").status_code == 404
