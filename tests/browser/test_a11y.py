"""axe-core (vendored, tests/browser/vendor/) over the main pages of each role at 1,366 and 390 px:
no violation of impact serious or critical (issue 14.4). Screenshots of every page are kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.support.browser import DESKTOP, PHONE, axe_violations, full_page_screenshot, log_in, open_at, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def pages(role: str, w) -> list[str]:
    """The main pages a role meets: its home, lists, a detail page and a form."""
    return {
        "organizer": [
            reverse("home"),
            reverse("org-tree"),
            reverse("member-list"),
            reverse("member-create"),
            reverse("orglife-compliance-orgs"),
            reverse("community-index"),
            reverse("dashboard-charts"),
            reverse("parameters"),
            reverse("reports-summary"),
            reverse("reports-summary-template"),
        ],
        "town_organizer": [
            reverse("home"),
            reverse("org-detail", args=[w.town_a.pk]),
            reverse("orglife-compliance"),
            reverse("rectification-figures"),
            reverse("report-table", args=["meetings"]),  # the statistical tables (issue 16)
            reverse("points-balances") + f"?org={w.branch_a1.pk}",
        ],
        "secretary": [
            reverse("home"),
            reverse("member-list"),
            reverse("member-detail", args=[w.zhang.pk]),
            reverse("orglife-meeting-create"),
            reverse("points-index"),
        ],
        "member_user": [reverse("home"), reverse("member-me"), reverse("points-me"), reverse("orglife-mine")],
        "auditor": [reverse("home"), reverse("audit-log")],
        "sysadmin": [reverse("user-list"), reverse("user-create")],
        "secadmin": [reverse("role-list")],
    }[role]


@pytest.mark.parametrize(
    "role", ["organizer", "town_organizer", "secretary", "member_user", "auditor", "sysadmin", "secadmin"]
)
def test_main_pages_have_no_serious_accessibility_violation(role, live_server, browser, tmp_path, request):
    world = request.getfixturevalue("world")
    user = getattr(request.getfixturevalue("admins") if role in {"sysadmin", "secadmin"} else world, role)
    factories.meeting(world.branch_a1, ["theme_day"])  # rows in the lists, points on 我的积分
    shots = screenshot_dir(tmp_path)
    log_in(browser, live_server, user)
    found = {}
    for n, path in enumerate(pages(role, world)):
        for width in (DESKTOP, PHONE):
            open_at(browser, live_server.url + path, width)
            assert "/login/" not in browser.current_url
            full_page_screenshot(browser, shots / f"a11y-{role}-{n}-{width}.png")
            violations = axe_violations(browser)
            if violations:
                found[f"{path} at {width} px"] = violations
    assert not found, "\n".join(f"{page}: {v}" for page, vs in found.items() for v in vs)
