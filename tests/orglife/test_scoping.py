"""Every orglife object as a scoped resource (tests/support/scoped.py) — a meeting, a file, a
life-meeting follow-up, a requirement, an appraisal, a follow-up, a reminder, an organization's calendar
and roster: anonymous users log in, the owner reads, another subtree gets 404 on every route and
lists (河口村's secretary on 东街村's objects, 东街村's secretary and 城关镇's organizer on 河口村's),
the auditor writes nothing, a create or an update is one audit event, lists cost the same queries
with twice the rows."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.core.services import parameter_set
from dangjian.members.queries import roster
from dangjian.orglife import attachments, channels, services
from dangjian.orglife.models import (
    Appraisal,
    LifeMeetingFollowUp,
    Meeting,
    MeetingAttachment,
    MeetingRequirement,
    Reminder,
)
from tests import factories
from tests.support.clock import travel
from tests.support.routes import routes_with_an_object
from tests.support.scoped import ScopedResource, declared_shapes

D = dt.date
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SEQ = itertools.count(1)


def life_meeting(org) -> Meeting:
    return factories.meeting(org, ["life_meeting"], D(2026, 6, 2), topic=f"组织生活会{next(SEQ)}")


def life_follow_up(org) -> LifeMeetingFollowUp:
    """An item to fix raised at a life meeting (the glossary's LifeMeetingFollowUp)."""
    data = {"issue": f"问题{next(SEQ)}", "measure": "措施", "due_on": D(2026, 9, 1)}
    return services.life_follow_up_create(actor=None, meeting=life_meeting(org), data=data)


def decided_appraisal(org) -> Appraisal:
    """The 2026 appraisal of ``org``, decided with every member unqualified (so each has a follow-up)."""
    appraisal = services.appraisal_open(actor=None, org=org, year=2026)
    entries = {e.member_id: {"rating": "unqualified"} for e in appraisal.entries.all()}
    services.appraisal_update(actor=None, appraisal=appraisal, entries=entries, vote={"voters": 10})
    parameter_set(actor=None, key="orglife.excellent_share_permille", value=1000, effective_from=D(2026, 1, 1))
    services.appraisal_decide(actor=None, appraisal=appraisal)
    return appraisal


def new_branch(org):
    """A branch beside ``org`` with one member: for the rows an organization can hold only one of."""
    branch = factories.org(org.parent, f"新村{next(SEQ)}党支部", established_on=D(2000, 1, 1))
    factories.member(branch, "赵磊")
    return branch


class InOrglife(ScopedResource):
    outsiders = (("sibling_secretary", "branch_a1"), ("secretary", "branch_b1"), ("town_organizer", "branch_b1"))

    @pytest.fixture
    def w(self, world, time_machine):
        travel(time_machine, D(2026, 6, 27))
        return world


class TestMeeting(InOrglife):
    model = Meeting
    routes = (
        "/orglife/meetings/{pk}/",
        "/orglife/meetings/{pk}/edit/",
        "POST /orglife/meetings/{pk}/cancel/",
        "POST /orglife/meetings/{pk}/files/",
        "POST /orglife/meetings/{pk}/rectification/new/",
        "/api/v1/orglife/meetings/{pk}",
        "PATCH /api/v1/orglife/meetings/{pk}",
        "POST /api/v1/orglife/meetings/{pk}/cancel",
    )
    list_routes = ("/orglife/meetings/", "/api/v1/orglife/meetings")
    create = "POST /api/v1/orglife/meetings"
    update = "PATCH /api/v1/orglife/meetings/{pk}"

    def make(self, w, org):
        return factories.meeting(org, ["theme_day"], D(2026, 6, 2), topic=f"主题党日{next(SEQ)}")

    def shown(self, obj):
        return obj.topic

    def create_data(self, w, org):
        sheet = [{"member": m.pk, "status": "present"} for m in roster(org, D(2026, 6, 2))]
        return {"org": org.pk, "kinds": ["theme_day"], "held_on": "2026-06-02", "topic": "党章", "attendance": sheet}

    def update_data(self, w, obj):
        return {"topic": "学习新党章", "version": obj.version}


class TestAttachment(InOrglife):
    model = MeetingAttachment
    routes = ("/orglife/files/{pk}/", "POST /orglife/files/{pk}/delete/")

    def make(self, w, org):
        upload = SimpleUploadedFile("a.png", PNG, content_type="image/png")
        return attachments.attachment_add(actor=None, meeting=life_meeting(org), upload=upload)


class TestLifeMeetingFollowUp(InOrglife):
    model = LifeMeetingFollowUp
    routes = ("/orglife/rectification/{pk}/",)
    list_routes = ("/orglife/rectification/",)

    def make(self, w, org):
        return life_follow_up(org)

    def shown(self, obj):
        return obj.issue


class TestRequirement(InOrglife):
    """The district's rules: only the department may revise or end one."""

    model = MeetingRequirement
    owner, owner_org = "organizer", "root"
    outsiders = (("sibling_secretary", "root"), ("secretary", "root"), ("town_organizer", "root"))
    routes = ("POST /orglife/requirements/{pk}/change/", "POST /orglife/requirements/{pk}/end/")

    def make(self, w, org):
        return MeetingRequirement.objects.first()


class TestAppraisal(InOrglife):
    model = Appraisal
    routes = ("/orglife/appraisals/{pk}/",)
    list_routes = ("/orglife/appraisals/", "/api/v1/orglife/appraisals")

    def make(self, w, org):
        return services.appraisal_open(actor=None, org=org, year=2026)

    def more(self, w, org):
        return self.make(w, new_branch(org))

    def shown(self, obj):
        return obj.org.name


class TestFollowUp(InOrglife):
    routes = ("/orglife/follow-ups/{pk}/",)

    def make(self, w, org):
        return decided_appraisal(org).entries.first().follow_up


class TestReminder(InOrglife):
    model = Reminder
    routes = ("POST /orglife/inbox/{pk}/dismiss/",)

    def make(self, w, org):
        services.reminders_send(channel=channels.MemoryChannel())
        return Reminder.objects.filter(org=org).first()


class TestOrganizationLife(InOrglife):
    """An organization's calendar and roster: the organization itself is the object."""

    routes = (
        "/orglife/calendar/{pk}/",
        "/api/v1/orglife/organizations/{pk}/roster",
        "/api/v1/orglife/organizations/{pk}/calendar",
    )

    def make(self, w, org):
        return org


CASES = (
    TestMeeting,
    TestAttachment,
    TestLifeMeetingFollowUp,
    TestRequirement,
    TestAppraisal,
    TestFollowUp,
    TestReminder,
    TestOrganizationLife,
)


def test_every_orglife_route_with_an_object_is_declared():
    assert routes_with_an_object("orglife/", "api/v1/orglife/") <= declared_shapes(*CASES)
