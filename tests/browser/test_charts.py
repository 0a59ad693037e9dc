"""The dashboard's charts in headless Chromium at 1,366 and 390 px (issue 16): every chart container holds
an ECharts instance with its series drawn on a canvas, the page raises no JavaScript error, axe finds no
serious or critical violation, and the wall display draws its first chart. Screenshots are kept."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from dangjian.points.models import PointBalance
from tests import factories
from tests.support.browser import DESKTOP, PHONE, axe_violations, full_page_screenshot, log_in, open_at, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

CATCH_ERRORS = "window.__errors = []; window.addEventListener('error', e => window.__errors.push(String(e.message)));"

DRAWN = """
return Array.from(document.querySelectorAll('[data-chart]')).map(el => {
  const chart = echarts.getInstanceByDom(el);
  const series = chart ? chart.getOption().series : [];
  return [el.id, series.length ? series[0].data.length : 0, !!el.querySelector('canvas, svg')];
});
"""


def test_the_charts_render_at_desktop_and_phone_widths(world, live_server, browser, tmp_path):
    factories.session(factories.programme(world.town_a), present=[world.zhang, world.li])
    PointBalance.objects.update_or_create(
        member=world.wang,
        year=2026,
        defaults={"org": world.branch_b1, "org_path": world.branch_b1.path, "total": Decimal("12")},
    )
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_ERRORS})
    shots = screenshot_dir(tmp_path)
    log_in(browser, live_server, world.organizer)
    url = f"{live_server.url}{reverse('dashboard-charts')}?org={world.root.pk}&period=2026"
    for width in (DESKTOP, PHONE):
        open_at(browser, url, width)
        drawn = browser.execute_script(DRAWN)
        assert {key for key, _n, _canvas in drawn} >= {"chart-gender", "chart-age", "chart-training", "chart-points"}
        assert all(n > 0 and canvas for _key, n, canvas in drawn), drawn
        assert browser.execute_script("return window.__errors") == []
        full_page_screenshot(browser, shots / f"charts-{width}.png")
        assert axe_violations(browser) == []
    open_at(browser, f"{live_server.url}{reverse('dashboard-wall')}?org={world.root.pk}&period=2026", DESKTOP)
    shown = browser.execute_script("return document.querySelector('.dj-wall-slide:not([hidden]) [data-chart]').id")
    assert shown == "chart-gender"
    assert browser.execute_script(DRAWN)[0][1] > 0
    assert browser.execute_script("return window.__errors") == []
    full_page_screenshot(browser, shots / "charts-wall.png")
    assert axe_violations(browser) == []
