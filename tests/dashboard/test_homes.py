"""Each role's home says what is due (the seeded world of conftest.py), every link on it opens, and the
home's reminders are the ones the daily job sends."""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.dashboard import homes
from dangjian.organizations.models import Organization
from dangjian.orglife import queries, services
from dangjian.orglife.models import RequirementKind
from tests import factories
from tests.dashboard.conftest import DAY

HREF = re.compile(r'href="([^"#]+)"')


def main_of(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def card(html: str, card_id: str) -> str:
    """The part of the page from the element ``card_id`` to the next card."""
    start = html.index(f'id="{card_id}"')
    end = html.find('class="card mb-3"', start)
    return html[start : end if end > 0 else None]


def assert_links_open(client, html: str) -> list[str]:
    """Every link of the page's content answers 200 for the same user (after redirects)."""
    links = sorted({h.replace("&amp;", "&") for h in HREF.findall(html) if h.startswith("/")})
    assert links
    for link in links:
        response = client.get(link, follow=True)
        assert response.status_code == 200, link
    return links


def test_the_secretary_home_lists_the_meetings_due_claims_requests_and_probation(due, client_for):
    w = due
    client = client_for(w.secretary)
    html = main_of(client.get(reverse("home")))
    assert "暂无需要处理的事项" not in html
    # Meetings of this period still to hold (June's theme day is held), linked to the form that records them.
    reminders = card(html, "reminders")
    general = str(RequirementKind("general_meeting").label)
    assert general in reminders and "主题党日" not in reminders
    assert f"{reverse('orglife-meeting-create')}?org={w.branch_a1.pk}&amp;kind=general_meeting" in reminders
    assert "七一" not in reminders  # the planned meeting is listed on its own
    assert reverse("orglife-meeting", args=[w.planned.pk]) in card(html, "planned")
    assert reverse("orglife-meeting", args=[w.planned_b1.pk]) not in html  # not another branch's
    # Waiting for the secretary: the claim, the correction request, the post declaration.
    assert reverse("points-entry", args=[w.claim.pk]) in html
    assert reverse("correction-detail", args=[w.correction.pk]) in html
    assert reverse("posts-assignment", args=[w.declared.pk]) in html
    # 李娜 joined on 1 December 2025: a full member from 1 December 2026 if the branch so decides.
    probation = card(html, "probation")
    assert "李娜" in probation and "12月1日" in probation and "张强" not in probation
    due_card = card(html, "due")  # this year's appraisal of members is opened on its own page
    assert f"{reverse('orglife-appraisals')}?org={w.branch_a1.pk}" in due_card and "民主评议" in due_card
    links = assert_links_open(client, html)
    assert any(link.startswith(reverse("orglife-meeting-create")) for link in links)


def test_the_home_reminds_of_exactly_what_the_daily_job_sends(due):
    w = due
    visible = Organization.objects.visible_to(w.secretary)
    home = {(d.org_id, d.cell.kind, d.cell.period.key) for d in homes.reminded(visible, w.branch_a1, DAY)}
    sent = services.reminders_send(on=DAY, dry_run=True)
    job = {(r.org_id, r.kind, r.period_key) for r in sent if r.org_path.startswith(w.branch_a1.path)}
    assert home and home == job
    shown = homes.branch_home(w.secretary, w.branch_a1, DAY).reminders
    assert len(shown) == len(job)
    # Both read one rule: a period due soon and running today (the secretary's calendar agrees too).
    current = queries.current_cells(w.branch_a1, DAY)
    assert {(c.org_id, c.kind, c.period.key) for c in current if queries.is_reminded(c, DAY)} == job


def test_the_township_home_counts_overdue_periods_by_kind_with_links_to_the_lists(due, client_for):
    w = due
    client = client_for(w.town_organizer)
    html = main_of(client.get(reverse("home")))
    table = queries.compliance_table(Organization.objects.visible_to(w.town_organizer), w.town_a, 2026, DAY)
    overdue = card(html, "overdue")
    theme = table.total.tally("theme_day").overdue
    assert theme > 0  # January to May in two branches
    link = f"{reverse('orglife-compliance-orgs')}?org={w.town_a.pk}&amp;year=2026&amp;kind=theme_day&amp;status=overdue"
    shown = re.search(re.escape(link) + r'">\D*(\d+)', overdue)
    assert shown and int(shown.group(1)) == theme
    figures = card(html, "figures")
    assert "城关镇" not in figures and ">2<" in figures and ">3<" in figures  # 张强 and 李娜; the town and 2 branches
    assert table.total.total.percent in figures
    assert "河口" not in html  # nothing of township B
    assert_links_open(client, html)


def test_the_department_home_has_the_district_figures_and_approvals(due, client_for):
    w = due
    client = client_for(w.organizer)
    html = main_of(client.get(reverse("home")))
    figures = card(html, "figures")
    assert ">3<" in figures and ">6<" in figures  # three members; the district, two towns, three branches
    assert reverse("orglife-compliance-orgs") in card(html, "overdue")
    assert_links_open(client, html)


def test_the_member_home_shows_their_meetings_points_post_and_requests(due, client_for):
    w = due
    client = client_for(w.member_user)
    html = main_of(client.get(reverse("home")))
    meetings = card(html, "my-meetings")
    assert "党员大会" in meetings and "6月29日" in meetings and "6月28日" not in meetings  # not 河口村's
    assert "政策宣传岗" in card(html, "my-post")
    claims = card(html, "my-claims")
    assert w.claim.rule.name in claims and "待审核" in claims  # its status, in words
    assert "职业" in card(html, "my-corrections")
    assert reverse("points-me") in card(html, "my-points")
    assert "李娜" not in html  # no other member's name: nothing to rank or compare
    assert_links_open(client, html)


def queries_of(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    return len(captured)


def test_a_home_costs_the_same_queries_with_more_records(due, client_for):
    w = due
    clients = {who: client_for(getattr(w, who)) for who in ("secretary", "town_organizer", "member_user")}
    before = {who: queries_of(c) for who, c in clients.items()}
    branch = factories.org(w.town_a, "南街村党支部", code="TA-003", established_on=dt.date(1990, 1, 1))
    for i, name in enumerate(["赵磊", "孙海"]):
        factories.member(
            w.branch_a1, name, status="probationary", joined_on=dt.date(2025, 10, 1 + i), full_member_on=None
        )
        factories.member(branch, f"南{name}")
        factories.meeting(w.branch_a1, ["committee_meeting"], dt.date(2026, 6, 27 + i), state="planned")
    factories.meeting(w.branch_a1, ["general_meeting"], dt.date(2026, 6, 30), state="planned")
    after = {who: queries_of(c) for who, c in clients.items()}
    assert after == before
