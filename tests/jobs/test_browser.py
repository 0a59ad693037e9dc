"""The job page on a phone (390 px): a whole-subtree export leads to it, its progress refreshes by itself
and the download appears when the worker is done, without reloading by hand. Screenshots: ``screenshot_dir``."""

from __future__ import annotations

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from dangjian.core import jobs
from dangjian.core.models import Job, Parameter
from tests import factories
from tests.dashboard.test_browser import assert_fits, at_width
from tests.support.browser import full_page_screenshot, log_in, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_export_job_page_shows_progress_then_the_download_on_a_phone(live_server, browser, tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    world = factories.build_world()
    Parameter.objects.filter(key="jobs.inline_max_rows").update(value=1)
    shots = screenshot_dir(tmp_path)
    log_in(browser, live_server, world.organizer)
    at_width(browser, 390)
    browser.get(live_server.url + reverse("io-export-members"))
    job = Job.objects.get()
    assert browser.current_url.endswith(reverse("job-detail", args=[job.pk]))
    assert browser.find_element(By.ID, "job-status").text == "排队中"
    assert browser.find_element(By.ID, "job-bar").is_displayed()
    assert_fits(browser)
    full_page_screenshot(browser, shots / "job-queued-390.png")
    jobs.run_pending()  # the worker's part, here
    link = WebDriverWait(browser, 30).until(expected_conditions.visibility_of_element_located((By.ID, "job-download")))
    assert "下载" in link.text and "导出：党员信息" in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_element(By.ID, "job-status").text == "已完成"
    assert_fits(browser)
    full_page_screenshot(browser, shots / "job-done-390.png")
