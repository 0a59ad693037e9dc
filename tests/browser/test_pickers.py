"""End-to-end: a search-as-you-type pick on a 390 px phone (core/pickers.js, Tom Select vendored)."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from dangjian.organizations.models import CommitteeMember
from tests import factories
from tests.support.browser import full_page_screenshot, log_in, next_page, screenshot_dir, wait

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}


def click_fresh(driver, locator) -> bool:
    """Click the element, found again: a late answer may have redrawn the list, or the choice may have
    closed it already (then the caller sees the value written on its next look)."""
    try:
        driver.find_element(*locator).click()
    except (
        StaleElementReferenceException,
        NoSuchElementException,
        ElementNotInteractableException,
        ElementClickInterceptedException,
    ):
        return False
    return True


def test_organizer_picks_a_committee_member_by_pinyin_initials_on_a_phone(live_server, browser, tmp_path):
    world = factories.build_world()
    shots = screenshot_dir(tmp_path)
    log_in(browser, live_server, world.town_organizer)
    browser.get(f"{live_server.url}/orgs/{world.town_a.pk}/committee/")
    # The suite's phone is 412 px wide and the driver's emulation comes back on each navigation: narrow
    # this page to 390 px (an iPhone 12–15) once it is loaded.
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    wait(browser).until(lambda d: d.execute_script("return window.innerWidth") == 390)

    # The text input became a Tom Select box; typing initials asks the search route.
    control = wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, ".ts-wrapper .ts-control input")))
    control.click()
    control.send_keys("zq")
    options = (By.CSS_SELECTOR, ".ts-dropdown .option[data-value]")
    wait(browser).until(lambda d: [o.text for o in d.find_elements(*options)] == ["张强（东街村党支部）"])
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390  # nothing overflows
    full_page_screenshot(browser, shots / "picker-search.png")
    chosen = str(world.zhang.pk)

    def picked(driver) -> bool:
        # Tom Select writes the value after its click handler; a late answer may redraw the list under the
        # click, so click again until the hidden input holds the choice.
        if driver.find_element(By.ID, "id_member").get_property("value") == chosen:
            return True
        click_fresh(driver, options)
        return driver.find_element(By.ID, "id_member").get_property("value") == chosen

    wait(browser).until(picked)
    full_page_screenshot(browser, shots / "picker-chosen.png")

    with next_page(browser):
        browser.find_element(By.XPATH, "//input[@id='id_member']/ancestor::form//button[@type='submit']").click()
    assert CommitteeMember.objects.filter(org=world.town_a, member=world.zhang, ended_on__isnull=True).exists()
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    wait(browser).until(lambda d: d.execute_script("return window.innerWidth") == 390)
    assert "张强" in browser.find_element(By.TAG_NAME, "main").text
    full_page_screenshot(browser, shots / "picker-saved.png")
    print(f"screenshots: {shots}")
