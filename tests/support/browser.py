"""Headless Chromium from Debian's packages (``make browser-deps``), driven by Selenium: the ``browser``
fixture (loaded as a plugin by tests/conftest.py) and the helpers every browser test uses.

Without the browser the tests are skipped, so a machine without root still runs the
rest of the suite; under CI (``CI=true``) a missing browser is a failure instead,
because CI installs it through the Makefile.
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.urls import reverse
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Secretaries work on phones: a Pixel-sized screen and a Chinese browser.
WINDOW = (412, 915)
PASSWORD = "Browser-pass-2468"  # what log_in sets on the persona
TIMEOUT = 10


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.fixture(scope="session")
def _chromium():
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        reason = f"headless Chromium is not installed ({', '.join(missing)} missing); run `make browser-deps` as root"
        if _on_ci():
            pytest.fail(f"{reason}. CI must install it.", pytrace=False)
        pytest.skip(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_failed = report.failed
    return report


def screenshot_dir(tmp_path: Path) -> Path:
    """Where screenshots go, kept as the run's artefacts: ``$BROWSER_SCREENSHOTS``/<test> (e.g. a CI artifact
    folder), by default ``var/test-artefacts/screenshots/<test>`` of the checkout (git ignores ``var/``)."""
    root = Path(os.environ.get("BROWSER_SCREENSHOTS") or Path.cwd() / "var" / "test-artefacts" / "screenshots")
    folder = root / tmp_path.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def full_page_screenshot(driver, path: Path) -> None:
    """The whole page at the phone's width, not only the visible part."""
    width, height = driver.execute_script(
        "return [document.documentElement.clientWidth, document.documentElement.scrollHeight]"
    )
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))


@pytest.fixture
def browser(_chromium, request, tmp_path, monkeypatch, django_db_serialized_rollback):
    # The live server needs a real transaction, so each browser test ends with a flush. With the
    # serialized rollback the flush leaves the database empty and the next transactional test starts
    # from the migrations' rows (rules, default posts) — instead of content types recreated under new
    # ids, which a later serialized-rollback test (tests/posts/test_move_migration.py) cannot load.
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never download a browser or driver
    profile = tempfile.mkdtemp(prefix="dangjian-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--lang=zh-CN",
        # Bootstrap animates scrolling and collapsing unless motion is reduced; WebDriver clicks would race it.
        "--force-prefers-reduced-motion",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    # A plain --window-size cannot go below Chromium's 500 px minimum window width: emulate the phone instead.
    width, height = WINDOW
    metrics = {"width": width, "height": height, "pixelRatio": 1.0, "mobile": True, "touch": True}
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": metrics})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        try:
            if getattr(request.node, "browser_failed", False):
                folder = screenshot_dir(tmp_path)
                name = request.node.name
                full_page_screenshot(driver, folder / f"{name}-failure.png")
                (folder / f"{name}-failure.html").write_text(driver.page_source, encoding="utf-8")
                print(f"browser failure capture: {folder / name}-failure.png")
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)


def wait(driver):
    return WebDriverWait(driver, TIMEOUT)


@contextmanager
def next_page(driver):
    """Wait until the action in the block has replaced the current document."""
    old = driver.find_element(By.TAG_NAME, "html")
    yield
    wait(driver).until(EC.staleness_of(old))
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def log_in(driver, live_server, user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    driver.get(live_server.url + reverse("login"))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-hans"
    assert driver.execute_script("return window.innerWidth") == WINDOW[0]
    driver.find_element(By.ID, "id_username").send_keys(user.username)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD)
    with next_page(driver):
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    assert not driver.find_elements(By.ID, "id_password"), "still on the login page"


def open_menu_link(driver, url_name):
    """On a phone the navigation is collapsed behind the menu button."""
    link = (By.CSS_SELECTOR, f'#nav a[href="{reverse(url_name)}"]')
    assert not driver.find_element(*link).is_displayed()
    driver.find_element(By.CSS_SELECTOR, ".navbar-toggler").click()
    with next_page(driver):
        wait(driver).until(EC.element_to_be_clickable(link)).click()


# --- Widths and accessibility (issue 14.4) ---------------------------------------------------------------
DESKTOP, PHONE = 1366, 390  # the widths issue 14 was tried at
AXE = Path(__file__).resolve().parents[1] / "browser" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
SERIOUS = ("serious", "critical")
# Each violation with up to five of its elements: their selector and the first line of axe's advice.
_AXE_RUN = """
const done = arguments[arguments.length - 1];
const node = n => n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\\n').slice(1, 2).join('');
axe.run(document, {resultTypes: ['violations']})
  .then(r => done(r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(node),
  }))))
  .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
"""


def at_width(driver, width: int, height: int | None = None) -> None:
    """Lay the loaded page out at ``width`` CSS pixels: a phone below 576, a desktop above.

    The driver's phone emulation comes back on each navigation: call it after every ``get``.
    """
    height = height or (844 if width < 576 else 900)
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 576}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    # A phone zooms out of a page wider than its screen: the window then never narrows to the width.
    wait(driver).until(
        lambda d: d.execute_script("return window.innerWidth") == width,
        f"{driver.current_url} is wider than {width} px: "
        f"{driver.execute_script('return document.documentElement.scrollWidth')} px",
    )


def open_at(driver, url: str, width: int) -> None:
    driver.get(url)
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")
    at_width(driver, width)


def axe_violations(driver, impacts=SERIOUS) -> list[str]:
    """Run the vendored axe-core over the current page: one line per violation of those impacts."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    result = driver.execute_async_script(_AXE_RUN)
    return [f"{v['id']} ({v['impact']}): {v['help']} {v['nodes']}" for v in result if v["impact"] in impacts]
