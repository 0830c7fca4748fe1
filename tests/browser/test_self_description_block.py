"""The optional self-description block on the socionics questionnaire's last page, in Russian,
in a real browser at 360 and 1280 px: visible, no serious axe-core violation, nothing scrolls
sideways, and a click on "hard to say" is autosaved like any answer. SCREENSHOT_DIR=... keeps
the screenshots."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.config import Settings
from app.invitations.invite import Person
from app.invitations.service import create_invitation
from app.models import Answer
from questionnaires.schema import SELF_UNSURE
from tests.browser.test_browser_candidate_flow import axe_script, check_accessibility
from tests.factories import make_vacancy
from tests.fitflow import SOC, questionnaire
from tests.webflow import token_of

pytestmark = pytest.mark.browser
__all__ = ["axe_script"]  # the fixture, shared with the candidate flow's test
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"default_language": "ru", "rate_limit_candidate": 10_000})


@pytest.mark.parametrize("width", [360, 1280])
def test_the_block_fits_and_autosaves_in_russian(
    browser, live_server: str, db: Session, settings: Settings, width: int, axe_script: Path
) -> None:
    vacancy = make_vacancy(db, language="ru")
    vacancy.questionnaire_ids = [SOC]
    db.add(vacancy)
    db.commit()
    _, link = create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("Анна", email="anna@example.com", language="ru"),
        created_by=None,
    )
    db.commit()
    token = token_of(link)
    q = questionnaire(SOC)
    # bypass_csp: axe-core is injected as a script, which the pages' CSP rightly refuses.
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": width, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server}/a/{token}")
        page.locator("input[name=consent]").check()
        page.locator("form.stack button[type=submit]").click()
        page.wait_for_url(f"**/a/{token}/**")
        page.goto(f"{live_server}/a/{token}/q/{SOC}/{len(q.pages())}")
        block = page.locator("section.self-describe")
        assert block.is_visible()
        assert "Необязательно" in block.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        check_accessibility(page, axe_script, f"self_describe_axe_{width}")
        first = q.self_descriptions[0].id
        page.locator(f"label[for=item-{first}-{SELF_UNSURE}]").click()
        deadline = time.monotonic() + 10
        saved: dict[str, int] = {}
        while time.monotonic() < deadline and first not in saved:
            db.expire_all()
            saved = {a.item_id: a.value for a in db.exec(select(Answer)).all()}
            time.sleep(0.2)
        assert saved.get(first) == SELF_UNSURE
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            block.screenshot(path=str(Path(SCREENSHOTS) / f"self_describe_ru_{width}.png"))
            page.screenshot(
                path=str(Path(SCREENSHOTS) / f"self_describe_page_ru_{width}.png"), full_page=True
            )
    finally:
        context.close()
