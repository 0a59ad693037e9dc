"""The secretary's and the member's homes in headless Chromium at a phone's width (390 px) and a laptop's
(1,366 px): what is due is on the first screen, nothing overflows sideways, each item's link leads to
the page where it is dealt with. Screenshots go to ``$BROWSER_SCREENSHOTS`` (kept by CI as artefacts)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By

from tests import factories
from tests.dashboard.conftest import DAY, seed
from tests.support.browser import full_page_screenshot, log_in, next_page, screenshot_dir
from tests.support.clock import travel

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

WIDTHS = (390, 1366)


def at_width(driver, width: int) -> None:
    mobile = width < 800
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900 if mobile else 768, "deviceScaleFactor": 1, "mobile": mobile},
    )
    assert driver.execute_script("return window.innerWidth") == width


def assert_fits(driver) -> None:
    """No part of the page needs a sideways scroll."""
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def card_text(driver, card_id: str) -> str:
    element = driver.find_element(By.ID, card_id)
    assert element.is_displayed()
    return element.text


@pytest.fixture
def seeded(time_machine):
    travel(time_machine, DAY)
    return seed(factories.build_world())


def test_the_secretary_sees_what_is_due_at_both_widths_and_goes_to_record_it(live_server, browser, seeded, tmp_path):
    w = seeded
    shots = screenshot_dir(tmp_path)
    log_in(browser, live_server, w.secretary)
    browser.get(live_server.url + reverse("home"))
    for width in WIDTHS:
        at_width(browser, width)
        assert "支部党员大会" in card_text(browser, "reminders")
        assert "七一" not in card_text(browser, "reminders")
        assert "李娜" in card_text(browser, "probation")
        assert "张强" in browser.find_element(By.TAG_NAME, "main").text  # the claim and requests waiting
        assert_fits(browser)
        full_page_screenshot(browser, shots / f"home-secretary-{width}.png")
    link = browser.find_element(By.CSS_SELECTOR, "#reminders a.list-group-item")
    with next_page(browser):
        link.click()
    assert reverse("orglife-meeting-create") in browser.current_url
    assert browser.find_element(By.NAME, "topic").is_displayed()


def test_the_member_sees_their_meetings_points_and_post_at_both_widths(live_server, browser, seeded, tmp_path):
    w = seeded
    shots = screenshot_dir(tmp_path)
    log_in(browser, live_server, w.member_user)
    browser.get(live_server.url + reverse("home"))
    for width in WIDTHS:
        at_width(browser, width)
        assert "支部党员大会" in card_text(browser, "my-meetings")
        assert "政策宣传岗" in card_text(browser, "my-post")
        assert "待审核" in card_text(browser, "my-claims")
        assert "河口" not in browser.find_element(By.TAG_NAME, "main").text
        assert_fits(browser)
        full_page_screenshot(browser, shots / f"home-member-{width}.png")
    with next_page(browser):
        browser.find_element(By.CSS_SELECTOR, f'#my-meetings a[href="{reverse("orglife-mine")}"]').click()
    for width in WIDTHS:
        at_width(browser, width)
        assert "七一主题党日筹备" in browser.find_element(By.ID, "upcoming").text
        assert_fits(browser)
        full_page_screenshot(browser, shots / f"orglife-mine-{width}.png")
