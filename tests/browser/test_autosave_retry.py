"""The candidate's autosave while the server is briefly away: the answer stays on the page, the
page says it is not saved yet and retries, and the answer is stored once the server is back."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from app.config import Settings
from app.models import Answer
from tests.factories import make_invitation

pytestmark = pytest.mark.browser


def test_a_failed_save_is_retried_until_the_server_answers(
    browser, live_server: str, db: Session, settings: Settings
) -> None:
    live = settings.model_copy(update={"base_url": live_server})
    new = make_invitation(db, live, language="en")
    page = browser.new_page()
    page.goto(new.link)
    page.get_by_label("I agree to the processing").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Start").click()

    refused: list[str] = []

    def outage(route) -> None:
        if len(refused) < 2:  # the database is away for the first two tries
            refused.append(route.request.url)
            route.fulfill(status=503, headers={"Retry-After": "1"}, body="")
        else:
            route.continue_()

    page.route("**/save", outage)
    first = page.locator("fieldset.item").first
    item_id = (first.get_attribute("id") or "").removeprefix("q-")
    page.locator(f"label[for='item-{item_id}-4']").click()
    page.get_by_role("status").filter(has_text="Not saved yet, retrying").wait_for()
    assert page.locator(f"[id='item-{item_id}-4']").is_checked()  # still on the page
    page.get_by_role("status").filter(has_text="Answer saved").wait_for(timeout=15000)
    assert len(refused) == 2
    db.expire_all()
    saved = db.exec(select(Answer).where(Answer.item_id == item_id)).all()
    assert [a.value for a in saved] == [4]
