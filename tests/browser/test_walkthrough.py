"""The README's walkthrough in a real browser: staff login -> vacancy -> invitation -> the
candidate answers everything -> the staff report."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import Session

from tests.factories import answers_for, ie_questionnaire, make_user
from tests.fitflow import socionics_answers

pytestmark = pytest.mark.browser

PASSWORD = "walkthrough password"
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


@pytest.fixture
def settings(settings):
    # Every tap autosaves; the test taps far faster than the per-address limit on candidate
    # links expects of a person.
    return settings.model_copy(update={"rate_limit_candidate": 10_000})


def test_from_login_to_the_candidates_report(browser, live_server: str, db: Session) -> None:
    make_user(db, email="hr@example.com", password=PASSWORD, role="recruiter")
    staff = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    page = staff.new_page()

    page.goto(f"{live_server}/vacancies")
    assert "/login" in page.url
    page.get_by_label("Email").fill("hr@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/vacancies")

    page.get_by_role("link", name="New vacancy").click()
    page.get_by_label("Title").fill("Client manager, Kazan")
    page.get_by_label("Target placement").select_option("farmer")
    page.get_by_label("Default language for candidates").select_option("en")
    page.get_by_role("button", name="Create vacancy").click()
    page.wait_for_url("**/vacancies/*")
    assert page.get_by_role("heading", name="Client manager, Kazan").is_visible()

    page.get_by_label("Name", exact=True).fill("Maria Sokolova")
    page.get_by_label("Email (optional)").fill("maria@example.com")
    page.get_by_role("button", name="Create invitation link").click()
    link = page.get_by_label("Candidate's link").input_value()
    assert link.startswith(f"{live_server}/a/")

    # The candidate, in a browser of their own: a phone-sized screen.
    candidate = browser.new_context(viewport={"width": 360, "height": 740})
    cpage = candidate.new_page()
    cpage.goto(link)
    assert cpage.get_by_role("heading", name="Your consent").is_visible()
    cpage.get_by_role("button", name="Start").click()
    assert cpage.url == link  # the required consent box holds the form back
    cpage.get_by_label("I agree to the processing").check()
    with cpage.expect_navigation():
        cpage.get_by_role("button", name="Start").click()

    q = ie_questionnaire()
    # A consistent respondent on both questionnaires (careless answers are flagged unusable
    # now, and an unusable report hides its scores behind "show the scores anyway").
    answers = answers_for(q, extravert=True) | socionics_answers("ESE")
    shot(cpage, "candidate_questions_360.png")
    # Every page of every questionnaire the vacancy sends; the extraversion items lean one way.
    while "/q/" in cpage.url:
        for fieldset in cpage.locator("fieldset.item").all():
            item_id = (fieldset.get_attribute("id") or "").removeprefix("q-")
            value = answers.get(item_id, 1)
            cpage.locator(f"label[for='item-{item_id}-{value}']").click()
            assert cpage.locator(f"[id='item-{item_id}-{value}']").is_checked()
        button = cpage.get_by_role("button", name="Next")
        if button.count() == 0:
            button = cpage.get_by_role("button", name="Review and finish")
        with cpage.expect_navigation():
            button.click()
    assert cpage.url.endswith("/review"), cpage.url
    assert "Every statement is answered" in cpage.locator("main").inner_text()
    with cpage.expect_navigation():
        cpage.get_by_role("button", name="Finish").click()
    assert cpage.url.endswith("/done"), cpage.url
    assert cpage.get_by_role("heading", name="Thank you!").is_visible()
    candidate.close()

    page.reload()
    row = page.locator("tbody tr", has_text="Maria Sokolova")
    assert row.locator(".status").inner_text() == "Completed"
    row.get_by_role("link", name="Open report").click()
    page.wait_for_url("**/report")
    # A script clicks far faster than anyone reads: the report says so first, gives no
    # placement, and keeps the scores behind "Show the scores anyway".
    assert page.get_by_text("Not interpretable: ask for a retake").is_visible()
    assert page.locator("#answer [data-placement]").count() == 0
    page.get_by_text("Show the scores anyway").click()
    assert page.locator(".band").inner_text() == "Clear extravert"
    assert page.locator(".score").inner_text() == "100"
    assert page.locator("figure.chart svg[role='img']").count() >= 3
    assert page.locator("#disclaimer").is_visible()
    shot(page, "staff_report.png")
    page.set_viewport_size({"width": 360, "height": 740})
    shot(page, "staff_report_360.png")
    staff.close()
