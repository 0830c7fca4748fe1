"""The candidate's pages in a real browser at phone size, with axe-core on every page.

axe-core comes from the npm registry (tests/browser/axe/package.json; ``npm ci --prefix
tests/browser/axe``). It is injected into each page and must report no serious or critical
violation. The walk: start page -> consent -> every page (answers by touch and by keyboard) ->
stop on the phone -> resume on a laptop with nothing lost -> review -> finish -> thank you ->
feedback; plus the expired-link and open-link pages.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.config import Settings
from app.db import utcnow
from app.invitations.invite import Person
from app.invitations.service import create_invitation, set_open_link
from app.models import Answer, Invitation, Result
from tests.factories import make_user, make_vacancy

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The test taps far faster than a person (126 answers in seconds, each one autosaved):
    # lift the per-address limit on candidate links, which a real candidate never nears.
    return settings.model_copy(update={"rate_limit_candidate": 10_000})


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.exists():
        message = f"axe-core missing at {AXE}: run npm ci --prefix tests/browser/axe"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return AXE


def check_accessibility(page, axe: Path, name: str) -> None:
    """No serious or critical axe-core violation, and no horizontal scrolling at this width."""
    page.add_script_tag(path=str(axe))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{name}: {bad}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name}: {overflow}px wider than the screen"
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"] if page.viewport_size else 0
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}_{width}.png"), full_page=True)


def _invite(db: Session, settings: Settings, base: str, *, feedback: bool = True):
    user = make_user(db, email="recruiter@northwind.example")
    vacancy = make_vacancy(db, title="Client manager", language="en")
    vacancy.questionnaire_ids = ["introversion_extraversion", "socionics_16"]
    vacancy.feedback_enabled = feedback
    db.add(vacancy)
    db.commit()
    live = settings.model_copy(update={"base_url": base})
    invitation, link = create_invitation(
        db,
        settings=live,
        vacancy=vacancy,
        invitee=Person("Maria", email="maria@example.com", language="en"),
        created_by=user,
    )
    db.commit()
    return vacancy, invitation, link


def answer_page(page, value: int = 2) -> int:
    """Tap one option of every unanswered item on the page; returns how many were tapped."""
    tapped = 0
    for fieldset in page.locator("fieldset.item").all():
        if fieldset.locator("input:checked").count():
            continue
        item_id = (fieldset.get_attribute("id") or "").removeprefix("q-")
        page.locator(f"label[for='item-{item_id}-{value}']").tap()
        tapped += 1
    return tapped


def test_the_whole_candidate_flow_on_a_phone_then_a_laptop_is_accessible(
    browser, live_server: str, db: Session, settings: Settings, axe_script: Path
) -> None:
    _, invitation, link = _invite(db, settings, live_server)
    phone = browser.new_context(**PHONE, bypass_csp=True)
    page = phone.new_page()
    page.goto(link)
    check_accessibility(page, axe_script, "candidate_welcome")
    page.get_by_role("button", name="Start").click()
    assert page.url == link  # the required consent box holds the form back
    page.get_by_label("I agree to the processing").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Start").click()
    assert "/q/introversion_extraversion/1" in page.url
    check_accessibility(page, axe_script, "candidate_questions")

    # Keyboard alone on the first item: Tab into the group, Space picks, arrows move.
    first = page.locator("fieldset.item").first
    item_id = (first.get_attribute("id") or "").removeprefix("q-")
    page.locator(f"[id='item-{item_id}-1']").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    assert page.locator(f"[id='item-{item_id}-2']").is_checked()
    focus_style = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focus_style != "none"
    page.get_by_role("status").filter(has_text="Answer saved").wait_for()

    # The rest of page 1 by touch, then two answers on page 2; then the phone is put away.
    answer_page(page)
    page.get_by_role("status").filter(has_text="Answer saved").wait_for()
    with page.expect_navigation():
        page.get_by_role("button", name="Next").click()
    assert page.url.endswith("/q/introversion_extraversion/2")
    second = page.locator("fieldset.item").nth(0)
    second_id = (second.get_attribute("id") or "").removeprefix("q-")
    page.locator(f"label[for='item-{second_id}-4']").tap()
    page.wait_for_function("document.getElementById('save-status').textContent.length > 0")
    phone.close()
    db.expire_all()
    rows = db.exec(select(Answer)).all()
    saved = {a.item_id: a.value for a in rows}
    assert saved[item_id] == 2 and saved[second_id] == 4
    # app.js reports each answer's time (ms since the page or the previous answer).
    times = {a.item_id: a.answer_ms for a in rows}
    assert times[second_id] is not None and 0 <= times[second_id] <= 3_600_000

    laptop = browser.new_context(**LAPTOP, bypass_csp=True)
    page = laptop.new_page()
    page.goto(link)
    assert page.url.endswith("/q/introversion_extraversion/2"), page.url
    assert page.locator(f"[id='item-{second_id}-4']").is_checked()
    label = page.locator("#progress-label").inner_text()
    assert "Page " in label and "% answered" in label
    # Leave one statement unanswered to see it on the review.
    skipped = None
    while "/q/" in page.url:
        if skipped is None and "/q/socionics_16/" in page.url:
            skipped = page.locator("fieldset.item").last.get_attribute("id") or ""
            for fieldset in page.locator("fieldset.item").all()[:-1]:
                fid = (fieldset.get_attribute("id") or "").removeprefix("q-")
                page.locator(f"label[for='item-{fid}-2']").click()
        else:
            for fieldset in page.locator("fieldset.item").all():
                if fieldset.locator("input:checked").count() == 0:
                    fid = (fieldset.get_attribute("id") or "").removeprefix("q-")
                    page.locator(f"label[for='item-{fid}-2']").click()
        nxt = page.get_by_role("button", name="Next")
        if nxt.count() == 0:
            nxt = page.get_by_role("button", name="Review and finish")
        with page.expect_navigation():
            nxt.click()
    assert page.url.endswith("/review")
    page.set_viewport_size({"width": 360, "height": 740})
    check_accessibility(page, axe_script, "candidate_review")
    assert skipped and page.locator(f"a[href*='#{skipped}']").count() == 1
    with page.expect_navigation():
        page.get_by_role("button", name="Finish anyway").click()
    assert page.url.endswith("/done")
    check_accessibility(page, axe_script, "candidate_done")
    with page.expect_navigation():
        page.get_by_role("link", name="Read a short note").click()
    check_accessibility(page, axe_script, "candidate_feedback")
    page.goto(f"{link}/next?lang=ru")
    check_accessibility(page, axe_script, "candidate_done_ru")
    laptop.close()
    db.expire_all()
    assert len(db.exec(select(Result)).all()) == 2
    assert db.get(Invitation, invitation.id).completed_at is not None  # type: ignore[union-attr]


def test_the_expired_link_and_open_link_pages_are_accessible(
    browser, live_server: str, db: Session, settings: Settings, axe_script: Path
) -> None:
    vacancy, invitation, link = _invite(db, settings, live_server)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.add(invitation)
    set_open_link(db, vacancy=vacancy, enabled=True)
    db.commit()
    context = browser.new_context(**PHONE, bypass_csp=True)
    page = context.new_page()
    page.goto(link)
    assert "recruiter@northwind.example" in page.locator("main").inner_text()
    check_accessibility(page, axe_script, "candidate_expired")
    page.goto(f"{live_server}/join/{vacancy.open_token}")
    check_accessibility(page, axe_script, "candidate_join")
    page.get_by_role("button", name="Register and start").click()
    page.wait_for_load_state()
    check_accessibility(page, axe_script, "candidate_join_errors")
    page.get_by_label("Your name").fill("Pavel")
    page.get_by_label("Your email address").fill("pavel@example.com")
    page.get_by_label("I agree to the processing").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Register and start").click()
    assert "/q/introversion_extraversion/1" in page.url
    context.close()
