"""Issue 15's new pages in a real browser, in Russian, at 1280, 1366 and 360 px: the
organisation and its texts, the CSV preview, the candidate-experience page and the candidate's
welcome page with the employer's consent. None scrolls sideways."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from app.invitations.invite import Person
from app.invitations.service import create_invitation
from tests.factories import make_user, make_vacancy
from tests.webflow import token_of

pytestmark = pytest.mark.browser

PASSWORD = "organisation pages password"
WIDTHS = (1280, 1366, 360)


def _fits(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_new_pages_fit_every_width_in_russian(
    browser, live_server: str, db: Session, settings, tmp_path: Path
) -> None:
    make_user(db, email="ada@example.com", password=PASSWORD, role="admin")
    vacancy = make_vacancy(db, language="ru")
    _, link = create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("Анна", email=None, language="ru"),
        created_by=None,
    )
    db.commit()
    token = token_of(link)
    csv = tmp_path / "list.csv"
    csv.write_text("имя;почта\nАнна Новикова;anna.n@example.com\nБитая строка;не-почта\n")

    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server}/login?lang=ru")
        page.fill("#email", "ada@example.com")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/vacancies")
        for url in (
            "/admin/organisation",
            "/admin/texts/consent/ru",
            f"/vacancies/{vacancy.id}/experience",
            f"/vacancies/{vacancy.id}/import",
        ):
            page.goto(f"{live_server}{url}?lang=ru")
            assert page.locator("h1").count() == 1, url
            assert _fits(page), (width, url)
        page.set_input_files("#file", str(csv))
        page.click("form[action$='/import'] button[type=submit]")
        page.wait_for_selector("#preview")
        assert "Пока ничего не создано" in page.inner_text("#preview")
        assert _fits(page), (width, "import preview")
        context.close()

        candidate = browser.new_context(viewport={"width": width, "height": 900})
        cpage = candidate.new_page()
        cpage.goto(f"{live_server}/a/{token}")
        consent = cpage.inner_text(".consent-text")
        assert "Northwind Trading LLC" in consent and "privacy@northwind.example" in consent
        assert cpage.inner_text(".brand") == "Northwind"
        assert _fits(cpage), (width, "welcome")
        candidate.close()
