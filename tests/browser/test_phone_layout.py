"""The pages issue 14 found squeezed on a 390 px phone (and the member filters cut off at 1,366 px): no
text breaks to one character per line, a wide table scrolls inside its box with its key column (the first)
still in view, and the page itself never scrolls sideways. Screenshots of every page are kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.support.browser import DESKTOP, PHONE, full_page_screenshot, log_in, open_at, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

# Elements whose text wraps one character per line: as many lines (distinct tops of the text's line boxes)
# as characters. Table cells, the section's tabs, buttons and links.
SQUEEZED = """
const lines = el => {
  const tops = new Set();
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
  }
  return tops.size;
};
return [...document.querySelectorAll('main td, main th, main .nav-link, main .btn, main a')]
  .filter(el => el.offsetParent !== null)
  .filter(el => {
    const chars = el.innerText.replace(/\\s/g, '').length;
    return chars >= 2 && lines(el) >= chars;
  })
  .map(el => el.tagName + ' "' + el.innerText.trim().slice(0, 20) + '"');
"""

# After scrolling every table box to its right end, the first cell of each row is still within the screen.
KEY_COLUMN = """
const out = [];
document.querySelectorAll('main .table-responsive').forEach(box => {
  box.scrollLeft = box.scrollWidth;
  box.querySelectorAll('tbody > tr > :first-child').forEach(cell => {
    const r = cell.getBoundingClientRect();
    if (r.width && (r.left < -1 || r.right > window.innerWidth + 1)) out.push(cell.innerText.trim().slice(0, 20));
  });
  box.scrollLeft = 0;
});
return out;
"""

# A drop-down narrower than the option it shows cuts its text off.
CUT_SELECTS = """
const ctx = document.createElement('canvas').getContext('2d');
return [...document.querySelectorAll('main form select')].filter(s => s.offsetParent !== null).filter(s => {
  const st = getComputedStyle(s);
  ctx.font = st.font;
  const text = s.options[s.selectedIndex] ? s.options[s.selectedIndex].text : '';
  const room = s.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
  return ctx.measureText(text).width > room + 1;
}).map(s => s.name + ': ' + (s.options[s.selectedIndex] || {}).text);
"""

# A cell of prose kept on one line is wider than the screen: it must wrap (core/tables.js marks it .wrap).
TOO_WIDE = """
return [...document.querySelectorAll('main .table-responsive td')]
  .filter(td => td.getBoundingClientRect().width > window.innerWidth)
  .map(td => td.innerText.trim().slice(0, 20));
"""
TOPIC = "学习贯彻党的二十届四中全会精神暨开展党纪学习教育专题组织生活会并对照检查查摆问题制定整改措施"
SIDEWAYS = "const w = document.documentElement.scrollWidth; return w > window.innerWidth + 1 ? [w] : [];"


def check(browser, url, width, shot):
    open_at(browser, url, width)
    assert "/login/" not in browser.current_url
    full_page_screenshot(browser, shot)
    problems = {
        "one character per line": browser.execute_script(SQUEEZED),
        "key column out of view": browser.execute_script(KEY_COLUMN),
        "cell wider than the screen": browser.execute_script(TOO_WIDE),
        "drop-down cuts its text": browser.execute_script(CUT_SELECTS),
        "page scrolls sideways": browser.execute_script(SIDEWAYS),
    }
    return {f"{url} at {width} px: {k}": v for k, v in problems.items() if v}


def test_the_pages_issue_14_found_squeezed_read_well_on_a_phone(live_server, browser, tmp_path, world):
    factories.meeting(world.branch_a1, ["theme_day"])  # attendance points: rows on 我的积分 and in the balances
    factories.meeting(world.branch_a1, ["general_meeting"], topic=TOPIC)  # prose in a list table
    for n in range(6):  # a list long enough to be a list
        factories.member(world.branch_a1, f"欧阳{'一二三四五六'[n]}")
    shots = screenshot_dir(tmp_path)
    found = {}
    log_in(browser, live_server, world.town_organizer)
    for n, path in enumerate(
        [
            reverse("points-balances") + f"?org={world.branch_a1.pk}",
            reverse("community-index"),
            reverse("orglife-compliance-orgs") + f"?org={world.town_a.pk}",
            reverse("orglife-compliance"),
            reverse("member-list"),
            reverse("orglife-meetings"),
        ]
    ):
        for width in (PHONE, DESKTOP):
            found.update(check(browser, live_server.url + path, width, shots / f"phone-town-{n}-{width}.png"))
    browser.delete_all_cookies()
    log_in(browser, live_server, world.member_user)
    found.update(check(browser, live_server.url + reverse("points-me"), PHONE, shots / "phone-member-points.png"))
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())
