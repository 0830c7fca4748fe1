"""Every staff page and the candidate's pages, in Russian, at 1280, 1366 and 360 px: none scrolls
sideways, and no table is cut off inside its frame (on a phone tables become stacked cards).

The staff URLs come from the app's own routes, so a new page is visited as soon as it exists;
the data is the demo's (a vacancy with its candidates, the sales team with a year of deals).
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import make_user
from sqlmodel import Session, select
from webflow import token_of

from app.candidate.service import finish, record_consent, save_answers
from app.config import Settings
from app.db import utcnow
from app.demo import add_demo_candidates
from app.invitations.service import set_open_link
from app.main import create_app, load_questionnaires
from app.matrix.service import current
from app.models import FitRecord, Invitation
from app.outcomes.demo import add_demo_team
from app.staff.service import create_vacancy, invite_candidate
from questionnaires.simulate import leaning_answers

pytestmark = pytest.mark.browser

PASSWORD = "layout test password"
WIDTHS = (1280, 1366, 360)
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")
# Candidates' links, the API and public pages are not staff pages (the candidate's pages are
# visited below); downloads are files, not pages.
NOT_STAFF = ("/a/", "/join/", "/api/", "/static", "/healthz", "/login", "/logout", "/organisation/")
DOWNLOADS = (".zip", ".csv", ".xlsx", ".json", ".pdf")
# A stored email, shown as its raw text; the outbox page that lists them is visited.
SKIPPED = {"/outbox/{name}"}

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


def _get_routes(routes: list[Any], prefix: str = "") -> Iterator[str]:
    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI's lazily included routers
        if inner is not None:
            sub = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            yield from _get_routes(inner.routes, prefix + sub)
        elif "GET" in (getattr(route, "methods", None) or ()):
            yield prefix + route.path


def staff_pages(settings: Settings) -> list[str]:
    paths = set(_get_routes(create_app(settings).routes))
    return sorted(
        p
        for p in paths
        if not p.startswith(NOT_STAFF) and not p.endswith(DOWNLOADS) and p not in SKIPPED
    )


def _completed_link(db: Session, settings: Settings, vacancy, admin) -> str:
    """A candidate who has answered everything, through the demo's own services."""
    new = invite_candidate(
        db, settings=settings, vacancy=vacancy, name="Вера Тестова", created_by=admin
    )
    catalog = load_questionnaires()
    rng = random.Random(7)
    now = utcnow()
    record_consent(db, invitation=new.invitation, now=now, version=settings.consent_version)
    for qid in new.invitation.questionnaire_ids:
        q = catalog[qid]
        answers = leaning_answers(q, {d.scale: True for d in q.dichotomies}, rng=rng)
        save_answers(db, invitation=new.invitation, questionnaire_id=qid, answers=answers, now=now)
    finish(db, invitation=new.invitation, catalog=catalog, now=now)
    return new.link


@pytest.fixture
def demo(db: Session, settings: Settings) -> dict[str, Any]:
    admin = make_user(db, email="ada@example.com", password=PASSWORD, role="admin")
    catalog = load_questionnaires()
    vacancy = create_vacancy(
        db,
        title="Клиентский менеджер (B2B)",
        placement="farmer",
        language="ru",
        questionnaire_ids=["introversion_extraversion", "socionics_16"],
        created_by=admin,
    )
    fresh_link = add_demo_candidates(
        db, settings=settings, vacancy=vacancy, admin=admin, catalog=catalog
    )
    add_demo_team(db, settings=settings, admin=admin, catalog=catalog)
    set_open_link(db, vacancy=vacancy, enabled=True)
    done_link = _completed_link(db, settings, vacancy, admin)
    db.commit()
    completed = db.exec(
        select(Invitation)
        .join(FitRecord, FitRecord.invitation_id == Invitation.id)  # type: ignore[arg-type]
        .where(Invitation.vacancy_id == vacancy.id)
        .order_by(Invitation.id)  # type: ignore[arg-type]
    ).all()
    assert len(completed) >= 4
    return {
        "params": {
            "vacancy_id": vacancy.id,
            "invitation_id": completed[0].id,
            "candidate_id": completed[0].candidate_id,
            "version_id": current(db).version.id,
            "kind": "consent",
            "language": "ru",
        },
        # Pages that need a query to show what they are for.
        "queries": {
            "/vacancies/{vacancy_id}/compare": "?" + "&".join(f"id={i.id}" for i in completed[:4])
        },
        "fresh": token_of(fresh_link),
        "done": token_of(done_link),
        "open": vacancy.open_token,
    }


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
    browser, live_server: str, settings: Settings, demo: dict[str, Any]
) -> None:
    pages = staff_pages(settings)
    urls = []
    for path in pages:
        missing = set(re.findall(r"{(\w+)}", path)) - demo["params"].keys()
        assert not missing, f"{path}: give the layout test a real {missing}"
        urls.append(path.format(**demo["params"]) + demo["queries"].get(path, ""))
    assert len(urls) >= 25  # the walk found the staff pages

    problems: list[str] = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server}/login?lang=ru")
        page.fill("#email", "ada@example.com")
        page.fill("#password", PASSWORD)
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
        cpage.goto(f"{live_server}/join/{demo['open']}")
        problems += _problems(cpage, "join", width)
        cpage.goto(f"{live_server}/a/not-a-real-link-at-all-0000000000000000")
        problems += _problems(cpage, "link problem", width)
        cpage.goto(f"{live_server}/a/{demo['done']}/done")
        assert cpage.locator("h1").count() == 1
        problems += _problems(cpage, "done", width)
        cpage.goto(f"{live_server}/a/{demo['fresh']}")
        problems += _problems(cpage, "welcome", width)
        if width == WIDTHS[0]:  # consent is given once; the question pages are seen at every width
            cpage.check("input[type=checkbox]")
            with cpage.expect_navigation():
                cpage.click("button[type=submit]")
        cpage.goto(f"{live_server}/a/{demo['fresh']}/next")
        assert "/q/" in cpage.url
        problems += _problems(cpage, "questions", width)
        candidate.close()
    assert not problems, "\n".join(problems)
