"""Every page type under the strict Content-Security-Policy: Chromium reports no violation."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import Session

from app.config import Settings
from tests.factories import answers_for, ie_questionnaire, make_invitation, make_user
from tests.webflow import QID, token_of

PASSWORD = "csp walkthrough password"
WATCH = (
    "window.violations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit_candidate": 10_000})


def _complete(base: str, token: str) -> None:
    q = ie_questionnaire()
    answers = answers_for(q)
    pages = q.pages()
    with httpx.Client(base_url=base) as client:
        client.post(f"/a/{token}/consent", data={"consent": "yes"})
        for n, ids in enumerate(pages, start=1):
            go = "review" if n == len(pages) else "next"
            data = {f"item-{i}": str(answers[i]) for i in ids} | {"go": go}
            client.post(f"/a/{token}/q/{QID}/{n}", data=data)
        assert client.post(f"/a/{token}/finish").status_code == 303


@pytest.mark.browser
def test_no_page_violates_the_content_security_policy(
    browser, live_server: str, db: Session, settings: Settings
) -> None:
    live = settings.model_copy(update={"base_url": live_server})
    make_user(db, email="staff@example.com", password=PASSWORD, role="admin")
    done = make_invitation(db, live, name="Done Candidate")
    fresh = make_invitation(db, live, vacancy=None, name="Fresh Candidate")
    _complete(live_server, token_of(done.link))
    visited: dict[str, list[str]] = {}
    messages: list[str] = []

    def visit(page, url: str) -> None:
        page.goto(url)
        page.wait_for_load_state("load")
        visited[url] = page.evaluate("window.violations")

    staff = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    staff.add_init_script(WATCH)
    page = staff.new_page()
    page.on("console", lambda m: messages.append(m.text))
    visit(page, f"{live_server}/login")
    page.get_by_label("Email").fill("staff@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")
    for path in (
        "/vacancies",
        f"/vacancies/{done.invitation.vacancy_id}",
        "/account",
        f"/invitations/{done.invitation.id}/report",
        "/no-such-page",
    ):
        visit(page, live_server + path)
    # The pages really rendered (a redirect to the login page would prove nothing).
    assert (
        "Done Candidate"
        in page.goto(f"{live_server}/invitations/{done.invitation.id}/report").text()
    )
    # The policy is in force: an inline script is refused and reported.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = 1'; document.body.append(s); }"
    )
    assert page.evaluate("window.ran") is None
    assert page.evaluate("window.violations") != []
    messages.clear()  # that refusal was ours

    candidate = browser.new_context(viewport={"width": 360, "height": 740})
    candidate.add_init_script(WATCH)
    cpage = candidate.new_page()
    cpage.on("console", lambda m: messages.append(m.text))
    token = token_of(fresh.link)
    visit(cpage, fresh.link)
    cpage.get_by_role("checkbox").first.check()
    cpage.get_by_role("button", name="Start").click()
    cpage.wait_for_load_state("load")
    for path in (f"/a/{token}/q/{QID}/1", f"/a/{token}/review", f"/a/{token}/x"):
        visit(cpage, live_server + path)
    visit(cpage, f"{live_server}/a/{token_of(done.link)}/done")
    visit(cpage, f"{live_server}/a/{'u' * 43}")  # an unknown link

    violations = {url: v for url, v in visited.items() if v}
    csp_console = [m for m in messages if "Content Security Policy" in m]
    assert violations == {} and csp_console == [], (violations, csp_console)
    staff.close()
    candidate.close()
