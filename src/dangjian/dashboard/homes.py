"""What each role's home shows: composed from the "what is due" queries of the apps that own the
records (``orglife.queries.due``, ``points.queries``, ``members.queries``, ``members.privacy``,
``posts.queries``). Nothing is computed here that those apps do not compute for their own pages, so
the home, the lists it links to and the reminders agree.

Each panel is a plain object the template reads; every item carries the URL of the page where it is
dealt with. Nothing ranks or names members before others: counts and the user's own work only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.core import tree
from dangjian.members import privacy
from dangjian.members.models import Member
from dangjian.members.queries import count_definition, member_corrections, probation_ending, subtree_member_count
from dangjian.organizations.models import Level, Organization
from dangjian.orglife import queries as orglife
from dangjian.orglife.models import MeetingKind
from dangjian.points import queries as points
from dangjian.posts.queries import awaiting_approval, current_assignment

BRANCH_LEVELS = (Level.BRANCH, Level.PARTY_GROUP, Level.GENERAL_BRANCH)
SHOWN = 8  # items per list on a home; the rest behind "all n"


def url(name: str, *args, **params) -> str:
    """``reverse(name, args)`` with the non-empty ``params`` as a query string."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name, args=args) + (f"?{query}" if query else "")


@dataclass
class Item:
    """One line of a home: what, when, where to deal with it."""

    text: str
    url: str
    when: dt.date | None = None
    badge: str = ""
    css: str = "secondary"


@dataclass
class Waiting:
    """Requests waiting for the user, one kind: a count, the first few, the list page."""

    label: str
    count: int
    url: str
    items: list[Item] = field(default_factory=list)


def _meeting_item(meeting, link: str = "") -> Item:
    """A planned meeting; ``link`` (default: its record page, where it is recorded as held)."""
    kinds = "、".join(meeting.kind_labels)
    return Item(
        f"{meeting.org.name}：{kinds or meeting.topic}", link or url("orglife-meeting", meeting.pk), meeting.held_on
    )


def _due_item(due: orglife.DueCell) -> Item:
    """A period not met: the link records the meeting of that kind for that organization (or opens the
    appraisal of members)."""
    cell = due.cell
    if cell.kind in MeetingKind.values:
        link = url("orglife-meeting-create", org=due.org_id, kind=cell.kind)
    else:  # the appraisal of members is opened on its own page
        link = url("orglife-appraisals", org=due.org_id)
    return Item(
        f"{due.org_name}：{cell.kind_label}（{cell.period.label}，{cell.counted}/{cell.required}）",
        link,
        cell.period.end,
        cell.status_label,
        cell.css,
    )


def waiting_for(user) -> list[Waiting]:
    """Claims and requests waiting for ``user`` to decide: points claims, correction requests, declared posts."""
    claims = points.awaiting_decision(user)  # the approval inbox's list (at most its 200)
    corrections = privacy.pending_corrections(user)
    first = list(corrections[:SHOWN])
    dues = privacy.answer_dues(first)
    posts = awaiting_approval(user)
    return [
        Waiting(
            _("Points claims awaiting approval"),
            len(claims),
            url("points-inbox"),
            [Item(f"{e.member.name}：{e.rule.name}", url("points-entry", e.pk), e.occurred_on) for e in claims[:SHOWN]],
        ),
        Waiting(
            _("Correction requests to answer"),
            corrections.count() if len(first) == SHOWN else len(first),
            url("correction-list"),
            [
                Item(f"{c.member.name}：{privacy.field_label(c.field)}", url("correction-detail", c.pk), dues[c.pk])
                for c in first
            ],
        ),
        Waiting(
            _("Post declarations to approve"),
            posts.count(),
            url("posts-index"),
            [
                Item(f"{a.member.name}：{a.post.name}", url("posts-assignment", a.pk), a.declared_on)
                for a in posts[:SHOWN]
            ],
        ),
    ]


# --- The secretary ----------------------------------------------------------------------------------
@dataclass
class BranchHome:
    org: Organization
    due: list[Item]
    overdue: int
    reminders: list[Item]
    upcoming: list[Item]
    probation: list[Item]


def reminded(visible_orgs, org, on: dt.date) -> list[orglife.DueCell]:
    """What the daily reminder job sends for ``org``'s subtree on ``on``: the home shows the same."""
    return [d for d in orglife.due_cells(visible_orgs, org, on) if orglife.is_reminded(d.cell, on)]


def branch_home(user, org, on: dt.date) -> BranchHome:
    visible = Organization.objects.visible_to(user)
    due = orglife.due_cells(visible, org, on)
    members = Member.objects.visible_to(user).filter(tree.subtree_q("org_path", org.path))
    return BranchHome(
        org=org,
        due=[_due_item(d) for d in due if not d.reminded],
        overdue=sum(1 for d in due if d.overdue),
        reminders=[_due_item(d) for d in due if orglife.is_reminded(d.cell, on)],
        upcoming=[_meeting_item(m) for m in orglife.upcoming_meetings(on, path=org.path, limit=SHOWN)],
        probation=[
            Item(p.member.name, url("member-detail", p.member.pk), p.ends_on, badge=_("extended") if p.extended else "")
            for p in probation_ending(members, on)[:SHOWN]
        ],
    )


# --- A township or the department -------------------------------------------------------------------
@dataclass
class SubtreeHome:
    org: Organization
    due: orglife.SubtreeDue
    kinds: list[tuple[orglife.KindCount, str, str]]  # (count, overdue list URL, due-soon list URL)
    members: int
    organizations: int
    compliance_url: str
    member_definition: str = ""


def subtree_home(user, org, on: dt.date) -> SubtreeHome:
    visible = Organization.objects.visible_to(user)
    due = orglife.subtree_due(visible, org, on)
    kinds = [
        (
            k,
            url("orglife-compliance-orgs", org=org.pk, year=on.year, kind=k.kind, status="overdue"),
            url("orglife-compliance-orgs", org=org.pk, year=on.year, kind=k.kind, status="due_soon"),
        )
        for k in due.kinds
    ]
    return SubtreeHome(
        org=org,
        due=due,
        kinds=kinds,
        members=subtree_member_count(org, on),
        organizations=due.organizations,
        compliance_url=url("orglife-compliance", org=org.pk, year=on.year),
        member_definition=count_definition(on),
    )


# --- A member ---------------------------------------------------------------------------------------
@dataclass
class MemberHome:
    member: Member
    upcoming: list[Item]
    points: object
    post: object
    claims: list[Item]
    corrections: list[Item]


def member_home(user, on: dt.date) -> MemberHome | None:
    member = Member.objects.current().filter(user=user).select_related("org").first()
    if member is None:
        return None
    meetings = orglife.upcoming_meetings(on, org_ids=orglife.member_org_ids(member, on), limit=5)
    return MemberHome(
        member=member,
        upcoming=[_meeting_item(m, url("orglife-mine")) for m in meetings],
        points=points.member_points([member.pk], on.year).get(member.pk, 0),
        post=current_assignment(member),
        claims=[
            Item(e.rule.name, url("points-me", year=e.year), e.occurred_on, e.get_status_display())
            for e in points.member_claims(member, 5)
        ],
        corrections=[
            Item(str(privacy.field_label(c.field)), url("member-my-data"), c.created_at.date(), c.get_state_display())
            for c in member_corrections(member, 5)
        ],
    )
