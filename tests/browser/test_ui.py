"""End-to-end: the real UI in headless Chromium on a phone-sized screen, against a live server."""

from __future__ import annotations

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By

from dangjian.core.models import AuditEvent
from dangjian.members.models import Member
from tests import factories
from tests.support.browser import full_page_screenshot, log_in, next_page, open_menu_link, screenshot_dir, wait

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

DATES = ("birth_date", "joined_on", "full_member_on")
SHOWN_DATES = ("joined_on", "full_member_on")  # a secretary sees the birth year only (issue 13.1)


def test_secretary_finds_and_edits_a_member_on_a_phone(live_server, browser, tmp_path):
    world = factories.build_world()
    zhang = world.zhang
    new_occupation = "果树种植户"
    shots = screenshot_dir(tmp_path)
    log_in(browser, live_server, world.secretary)

    open_menu_link(browser, "member-list")
    assert browser.current_url.endswith(reverse("member-list"))
    search = browser.find_element(By.NAME, "q")
    search.send_keys("zq")
    with next_page(browser):
        browser.find_element(By.CSS_SELECTOR, "form[role=search] button[type=submit]").click()
    assert "q=zq" in browser.current_url
    names = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "tbody td:first-child a")]
    assert names == ["张强"]  # not 李娜, the other member of the branch
    browser.save_screenshot(str(shots / "member-search.png"))

    with next_page(browser):
        browser.find_element(By.LINK_TEXT, "张强").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "张强"
    with next_page(browser):
        browser.find_element(By.CSS_SELECTOR, f'a[href="{reverse("member-edit", args=[zhang.pk])}"]').click()

    # <input type="date"> only accepts YYYY-MM-DD: any other value shows as empty and is posted back empty.
    assert browser.find_element(By.NAME, "birth_date").get_property("value") == ""
    shown = {name: browser.find_element(By.NAME, name).get_property("value") for name in SHOWN_DATES}
    assert shown == {name: getattr(zhang, name).isoformat() for name in SHOWN_DATES}, (
        "the edit form's date inputs lost their values; their widgets need DateInput(format='%Y-%m-%d'), "
        f"the page sent {[browser.find_element(By.NAME, n).get_dom_attribute('value') for n in SHOWN_DATES]}"
    )
    occupation = browser.find_element(By.ID, "id_occupation")
    occupation.clear()
    occupation.send_keys(new_occupation)
    full_page_screenshot(browser, shots / "member-edit.png")
    save = browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
    with next_page(browser):
        save.click()

    assert browser.current_url.endswith(reverse("member-detail", args=[zhang.pk]))
    assert "已保存" in browser.find_element(By.CSS_SELECTOR, ".alert-success").text
    details = browser.find_element(By.CSS_SELECTOR, "main dl").text
    assert new_occupation in details
    entry = browser.find_element(By.CSS_SELECTOR, "#change-log .list-group-item")
    assert world.secretary.username in entry.text
    assert "职业：" in entry.text and f"→ {new_occupation}" in entry.text

    events = AuditEvent.objects.filter(action="update", object_type="members.member", object_id=str(zhang.pk))
    assert [(e.actor_id, e.actor_name) for e in events] == [(world.secretary.pk, world.secretary.username)]
    assert set(events.get().changes) == {"occupation"}  # the form resubmitted everything else unchanged
    zhang_now = Member.objects.get(pk=zhang.pk)
    assert zhang_now.occupation == new_occupation
    # the birth date left empty on the form is kept, not erased
    assert [getattr(zhang_now, name) for name in DATES] == [getattr(zhang, name) for name in DATES]

    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(shots / "member-page.png"))
    full_page_screenshot(browser, shots / "member-page-full.png")
    print(f"screenshots: {shots}")


def test_organizer_expands_the_tree_lazily(live_server, browser, tmp_path):
    world = factories.build_world()
    log_in(browser, live_server, world.organizer)

    open_menu_link(browser, "org-tree")
    root = browser.find_element(By.XPATH, f'//div[@class="tree"]//li[a[normalize-space()="{world.root.name}"]]')
    children = root.find_element(By.XPATH, "./ul")
    assert children.text == ""  # nothing loaded until asked
    toggle = root.find_element(By.XPATH, "./button")
    assert toggle.text == "+"
    browser.execute_script("window.sameDocument = true")
    toggle.click()
    towns = [world.town_a.name, world.town_b.name]
    wait(browser).until(lambda d: [a.text for a in children.find_elements(By.XPATH, "./li/a")] == towns)
    assert toggle.text == "−" and toggle.get_attribute("aria-expanded") == "true"
    # Collapsing hides the loaded children; expanding again shows them without another request.
    toggle.click()
    wait(browser).until(lambda d: not children.is_displayed())
    assert toggle.text == "+"
    toggle.click()
    wait(browser).until(lambda d: children.is_displayed())
    assert [a.text for a in children.find_elements(By.XPATH, "./li/a")] == towns  # loaded once, not twice

    # The swapped-in nodes are live htmx too: expand a township to its branches.
    town = children.find_element(By.XPATH, f'./li[a[normalize-space()="{world.town_a.name}"]]')
    town.find_element(By.XPATH, "./button").click()
    branches = [world.branch_a1.name, world.branch_a2.name]
    wait(browser).until(lambda d: [a.text for a in town.find_elements(By.XPATH, "./ul/li/a")] == branches)
    assert browser.execute_script("return window.sameDocument") is True  # fragments only, no page load

    browser.save_screenshot(str(screenshot_dir(tmp_path) / "org-tree.png"))
