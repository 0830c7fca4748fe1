"""Every staff page and the candidate's pages, in Russian, at 1280, 1366 and 360 px: none scrolls
sideways, and no table is cut off inside its frame (on a phone tables become stacked cards).
The pages and their data come from tests/demoworld.py (every staff GET route, the demo's data).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlmodel import Session

from app.config import Settings
from tests.demoworld import ADMIN_EMAIL, ADMIN_PASSWORD, DemoWorld, load_demo

pytestmark = pytest.mark.browser

WIDTHS = (1280, 1366, 360)
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")

# Elements that scroll sideways inside the page (a table cut off in its .table-wrap); a text
# field scrolling its own long value is not a layout problem.
CUT_OFF = """[...document.querySelectorAll('body *')]
  .filter(e => !['INPUT', 'TEXTAREA', 'SELECT'].includes(e.tagName))
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .filter(e => !['visible', 'hidden', 'clip'].includes(getComputedStyle(e).overflowX))
  .map(e => `${e.tagName.toLowerCase()}.${e.className} ${e.scrollWidth}/${e.clientWidth}px`)"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A Russian install; the test opens candidate links faster than a person would.
    return settings.model_copy(update={"default_language": "ru", "rate_limit_candidate": 10_000})


@pytest.fixture
def demo(db: Session, settings: Settings) -> DemoWorld:
    return load_demo(db, settings)


def _shot(page, name: str, width: int) -> None:
    if SCREENSHOTS and width in (360, 1366):
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "home"
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{slug}_{width}.png"), full_page=True)


def _problems(page, name: str, width: int) -> list[str]:
    _shot(page, name, width)
    found = []
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        found.append(f"{width}px {name}: the page is {scroll}px wide")
    found += [f"{width}px {name}: {cut} scrolls inside the page" for cut in page.evaluate(CUT_OFF)]
    return found


def test_no_page_scrolls_sideways_at_1280_1366_or_360_px(
    browser, live_server: str, settings: Settings, demo: DemoWorld
) -> None:
    urls = demo.staff_urls(settings)
    assert len(urls) >= 25  # the walk found the staff pages

    problems: list[str] = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server}/login?lang=ru")
        page.fill("#email", ADMIN_EMAIL)
        page.fill("#password", ADMIN_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/vacancies")
        for url in urls:
            response = page.goto(f"{live_server}{url}")
            assert response is not None and response.ok, (url, response and response.status)
            assert "/login" not in page.url, url
            assert page.locator("h1").count() == 1, url
            problems += _problems(page, url, width)
        context.close()

        # The candidate's side, in a browser of its own.
        candidate = browser.new_context(viewport={"width": width, "height": 800})
        cpage = candidate.new_page()
        cpage.goto(f"{live_server}/join/{demo.open_token}")
        problems += _problems(cpage, "join", width)
        cpage.goto(f"{live_server}/a/not-a-real-link-at-all-0000000000000000")
        problems += _problems(cpage, "link problem", width)
        cpage.goto(f"{live_server}/a/{demo.done_token}/done")
        assert cpage.locator("h1").count() == 1
        problems += _problems(cpage, "done", width)
        cpage.goto(f"{live_server}/a/{demo.fresh_token}")
        problems += _problems(cpage, "welcome", width)
        if width == WIDTHS[0]:  # consent is given once; the question pages are seen at every width
            cpage.check("input[type=checkbox]")
            with cpage.expect_navigation():
                cpage.click("button[type=submit]")
        cpage.goto(f"{live_server}/a/{demo.fresh_token}/next")
        assert "/q/" in cpage.url
        problems += _problems(cpage, "questions", width)
        candidate.close()
    assert not problems, "\n".join(problems)
