"""A secretary records a typical meeting on a phone (headless Chromium, 412 px wide).

This is also how the "under a minute" claim of the README is checked: the script performs exactly
the taps and the typing a secretary needs — eleven taps and one short topic — and the README turns
them into seconds with the keystroke-level model.
"""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from dangjian.orglife.models import Attendance, Meeting
from tests import factories
from tests.support.browser import full_page_screenshot, log_in, next_page, open_menu_link, screenshot_dir, wait

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_a_secretary_records_a_theme_day_in_eleven_taps(live_server, browser, tmp_path):
    world = factories.build_world()
    branch = world.branch_a1
    people = [
        factories.member(branch, name) for name in ("王芳", "刘洋", "陈静", "赵磊", "孙海", "周敏", "吴刚", "郑华")
    ]
    log_in(browser, live_server, world.secretary)
    taps = 0

    def tap(element):
        nonlocal taps
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        taps += 1

    started = time.monotonic()
    open_menu_link(browser, "orglife-index")  # the menu button and the link
    taps += 2
    assert browser.current_url.endswith(reverse("orglife-calendar", args=[branch.pk]))
    with next_page(browser):
        record = f"{reverse('orglife-meeting-create')}?org={branch.pk}"
        tap(browser.find_element(By.CSS_SELECTOR, f'a.btn-danger[href="{record}"]'))
    tap(browser.find_element(By.XPATH, "//label[normalize-space()='主题党日']"))
    topic = browser.find_element(By.ID, "id_topic")
    tap(topic)
    topic.send_keys("学习党章")
    for member, choice in ((people[0], 1), (people[1], 1), (people[2], 2)):  # 1: on leave, 2: absent
        tap(browser.find_element(By.CSS_SELECTOR, f'label[for="id_att_{member.pk}_{choice}"]'))
        if choice == 1:
            reason = wait(browser).until(EC.visibility_of_element_located((By.ID, f"id_reason_{member.pk}")))
            reason.send_keys("外出务工")  # on a phone: one tap on the suggestion under the field
    shots = screenshot_dir(tmp_path)
    full_page_screenshot(browser, shots / "orglife-meeting-form.png")  # not timed: the secretary does not wait for it
    with next_page(browser):
        tap(browser.find_element(By.CSS_SELECTOR, "form.meeting-form button[type=submit]"))
    elapsed = time.monotonic() - started

    meeting = Meeting.objects.get()
    assert browser.current_url.endswith(reverse("orglife-meeting", args=[meeting.pk]))
    assert (meeting.kinds, meeting.topic, meeting.expected, meeting.present) == (["theme_day"], "学习党章", 10, 7)
    assert Attendance.objects.get(meeting=meeting, member=people[0]).reason == "外出务工"
    assert taps == 9  # menu, link, record, kind, topic field, three statuses, save (+ two reason picks)
    print(f"recorded a theme day in {taps} taps, {elapsed:.1f} s of scripted browsing")
    full_page_screenshot(browser, shots / "orglife-meeting-saved.png")
    browser.get(live_server.url + reverse("orglife-calendar", args=[branch.pk]))
    full_page_screenshot(browser, shots / "orglife-calendar.png")
