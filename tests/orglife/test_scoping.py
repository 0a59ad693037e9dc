"""The cross-subtree walk again, with real objects: every orglife URL and API route that takes an
id answers 404 to a persona of another subtree, whichever object of the other subtree it names —
a meeting, a file, a rectification item, an appraisal, a follow-up, a reminder."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.core.services import parameter_set
from dangjian.orglife import attachments, channels, services
from dangjian.orglife.models import Meeting, MeetingAttachment, MeetingRequirement, Reminder
from tests import factories
from tests.support.clock import travel
from tests.test_subtree_walk import PARAM, all_routes

D = dt.date
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# The object each orglife route takes, by the route's prefix (longest first).
KINDS = [
    ("orglife/meetings/", "meeting"),
    ("orglife/files/", "file"),
    ("orglife/rectification/", "item"),
    ("orglife/requirements/", "requirement"),
    ("orglife/appraisals/", "appraisal"),
    ("orglife/follow-ups/", "follow_up"),
    ("orglife/inbox/", "reminder"),
    ("orglife/calendar/", "org"),
    ("api/v1/orglife/meetings/", "meeting"),
    ("api/v1/orglife/organizations/", "org"),
]


def objects_of(org, world, time_machine):
    """One object of every kind in ``org``."""
    travel(time_machine, D(2026, 6, 27))
    members = factories.meeting(org, ["life_meeting"], D(2026, 6, 2), topic="组织生活会")
    item = services.rectification_create(
        actor=None, meeting=members, data={"issue": "问题", "measure": "措施", "due_on": D(2026, 9, 1)}
    )
    upload = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    file = attachments.attachment_add(actor=None, meeting=members, upload=upload)
    appraisal = services.appraisal_open(actor=None, org=org, year=2026)
    entries = {e.member_id: {"rating": "unqualified"} for e in appraisal.entries.all()}
    services.appraisal_update(actor=None, appraisal=appraisal, entries=entries, vote={"voters": 10})
    parameter_set(actor=None, key="orglife.excellent_share_permille", value=1000, effective_from=D(2026, 1, 1))
    services.appraisal_decide(actor=None, appraisal=appraisal)
    follow_up = appraisal.entries.first().follow_up
    services.reminders_send(channel=channels.MemoryChannel())
    reminder = Reminder.objects.filter(org=org).first()
    return {
        "meeting": members.pk,
        "file": file.pk,
        "item": item.pk,
        "requirement": MeetingRequirement.objects.first().pk,
        "appraisal": appraisal.pk,
        "follow_up": follow_up.pk,
        "reminder": reminder.pk,
        "org": org.pk,
    }


@pytest.mark.parametrize(
    ("persona", "org_attr"),
    [("sibling_secretary", "branch_a1"), ("secretary", "branch_b1"), ("town_organizer", "branch_b1")],
)
def test_every_orglife_route_answers_404_for_the_other_subtrees_objects(world, client, time_machine, persona, org_attr):
    targets = objects_of(getattr(world, org_attr), world, time_machine)
    client.force_login(getattr(world, persona))
    walked = 0
    for route, _name in all_routes():
        if not route.startswith(("orglife/", "api/v1/orglife/")) or not PARAM.search(route):
            continue
        kind = next(k for prefix, k in KINDS if route.startswith(prefix))
        url = "/" + PARAM.sub(str(targets[kind]), route)
        for method in ("get", "post", "patch", "delete"):
            if method == "get":
                response = client.get(url)
            else:
                response = getattr(client, method)(url, data="{}", content_type="application/json")
            assert response.status_code in (404, 405), f"{persona} {method.upper()} {url} → {response.status_code}"
            walked += 1
    assert walked >= 60
    assert Meeting.objects.filter(state="held").count() == 1  # nothing was changed by the walk
    assert MeetingAttachment.objects.count() == 1


def test_the_owner_reaches_the_same_objects(world, client, time_machine):
    targets = objects_of(world.branch_a1, world, time_machine)
    client.force_login(world.secretary)
    for url in (
        f"/orglife/meetings/{targets['meeting']}/",
        f"/orglife/files/{targets['file']}/",
        f"/orglife/rectification/{targets['item']}/",
        f"/orglife/appraisals/{targets['appraisal']}/",
        f"/orglife/follow-ups/{targets['follow_up']}/",
        f"/orglife/calendar/{targets['org']}/",
        f"/api/v1/orglife/meetings/{targets['meeting']}",
        f"/api/v1/orglife/organizations/{targets['org']}/roster",
    ):
        assert client.get(url).status_code == 200, url
