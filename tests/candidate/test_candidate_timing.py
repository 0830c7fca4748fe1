"""Per-item answer times (issue 3): app.js reports the milliseconds of each answer with the
autosave, the server keeps them within 0..1 h (junk dropped, the answer still saved) and hands
them to the engine, whose quality check flags answers given too fast."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.invitations.invite import Person
from app.invitations.service import create_invitation
from app.models import Answer, PageEvent, Result
from tests.factories import answers_for, ie_questionnaire, make_vacancy
from tests.webflow import QID, answer_everything, consent, token_of


def invite(db: Session, settings) -> str:
    _, link = create_invitation(
        db,
        settings=settings,
        vacancy=make_vacancy(db),
        invitee=Person("Anna", email="anna@example.com", language="en"),
        created_by=None,
    )
    db.commit()
    return token_of(link)


def autosave(client: TestClient, token: str, item: str, value: int, ms: object):
    # Raw JSON so that junk such as NaN reaches the server as a browser could send it.
    body = json.dumps({"questionnaire": QID, "item": item, "value": value, "ms": ms})
    return client.post(
        f"/a/{token}/save",
        content=body,
        headers={"Content-Type": "application/json", "Origin": "http://testserver"},
    )


def too_fast(db: Session) -> list[str]:
    """The too-fast flags' details of the stored result."""
    db.expire_all()
    result = db.exec(select(Result).where(Result.questionnaire_id == QID)).one()
    return [f["detail"] for f in result.data["quality"]["flags"] if f["code"] == "too_fast"]


def item_ms(db: Session) -> dict[str, int | None]:
    db.expire_all()
    return {a.item_id: a.answer_ms for a in db.exec(select(Answer)).all()}


def slow_pages(db: Session) -> None:
    """Move every page view ten minutes back, so the server's page times are careful."""
    for event in db.exec(select(PageEvent).where(col(PageEvent.kind) == "view")).all():
        event.at = event.at - timedelta(minutes=10)
        db.add(event)
    db.commit()


def test_small_item_times_give_the_too_fast_flag_by_item_times(
    client: TestClient, db: Session, settings
) -> None:
    token = invite(db, settings)
    consent(client, token)
    answers = answers_for(ie_questionnaire())
    for item, value in answers.items():
        assert autosave(client, token, item, value, 400).json() == {"ok": True}
    # The page forms re-send every answer without times: the browser's times stay.
    answer_everything(client, token, answers)
    assert set(item_ms(db).values()) == {400}
    details = too_fast(db)
    assert any("by item times" in d for d in details), details


def test_careful_item_and_page_times_raise_no_too_fast_flag(
    client: TestClient, db: Session, settings
) -> None:
    token = invite(db, settings)
    consent(client, token)
    answers = answers_for(ie_questionnaire())
    pages = ie_questionnaire().pages()
    for n, ids in enumerate(pages, start=1):
        client.get(f"/a/{token}/q/{QID}/{n}")
        for item in ids:
            assert autosave(client, token, item, answers[item], 6500.4).status_code == 200
    slow_pages(db)
    # Post the pages without the GETs (a fresh view would be "now" again).
    for n, ids in enumerate(pages, start=1):
        data = {f"item-{i}": str(answers[i]) for i in ids} | {"go": "next"}
        r = client.post(f"/a/{token}/q/{QID}/{n}", data=data, follow_redirects=False)
        assert r.status_code == 303
    assert client.post(f"/a/{token}/finish", follow_redirects=False).status_code == 303
    assert set(item_ms(db).values()) == {6500}
    assert too_fast(db) == []


def test_junk_item_times_are_ignored_and_the_answer_is_saved(
    client: TestClient, db: Session, settings
) -> None:
    token = invite(db, settings)
    consent(client, token)
    answers = answers_for(ie_questionnaire())
    junk = [-5, 10**12, 3_600_001, "fast", None, True, [1], {"ms": 1}, float("nan")]
    items = list(answers)
    for n, item in enumerate(items):
        r = autosave(client, token, item, answers[item], junk[n % len(junk)])
        assert r.json() == {"ok": True}, (junk[n % len(junk)], r.text)
    assert item_ms(db) == dict.fromkeys(items)
    # Without item times the server's page times still give the flag (the test client answers
    # each page within milliseconds of showing it).
    answer_everything(client, token, answers)
    details = too_fast(db)
    assert details and all("by page times" in d for d in details), details


def test_the_bounds_are_inclusive(client: TestClient, db: Session, settings) -> None:
    token = invite(db, settings)
    consent(client, token)
    first, second = ie_questionnaire().pages()[0][:2]
    assert autosave(client, token, first, 3, 0).status_code == 200
    assert autosave(client, token, second, 3, 3_600_000).status_code == 200
    assert item_ms(db) == {first: 0, second: 3_600_000}


def test_answers_saved_without_page_views_are_not_called_too_fast(
    client: TestClient, db: Session, settings
) -> None:
    """Only autosaves, then finish from the review: no page was viewed and saved through its
    form, so no page time was measured. Unknown is not 0 s per item."""
    token = invite(db, settings)
    consent(client, token)
    for item, value in answers_for(ie_questionnaire()).items():
        assert autosave(client, token, item, value, None).json() == {"ok": True}
    assert client.post(f"/a/{token}/finish", follow_redirects=False).status_code == 303
    assert db.exec(select(PageEvent)).all() == []
    assert too_fast(db) == []


def test_the_report_lists_answering_too_fast_once_with_its_figure(
    staff: TestClient, db: Session, settings
) -> None:
    # Page times and item times are both fast: the engine used to add one too_fast flag for
    # each, and the report listed "Answered very fast" twice.
    from app.models import Invitation
    from tests.htmlq import parse

    token = invite(db, settings)
    consent(staff, token)
    answers = answers_for(ie_questionnaire())
    for item, value in answers.items():
        assert autosave(staff, token, item, value, 400).json() == {"ok": True}
    answer_everything(staff, token, answers)
    assert len(too_fast(db)) == 1
    invitation = db.exec(select(Invitation)).one()
    page = parse(staff.get(f"/invitations/{invitation.id}/report").text)
    flags = page.one("div", id="quality-warning").find_all("li")
    codes = [li.get("data-flag") for li in flags]
    assert codes.count("too_fast") == 1 and len(codes) == len(set(codes))
    (fast,) = [li for li in flags if li.get("data-flag") == "too_fast"]
    assert fast.text.startswith("Answered very fast: a median of 0.") and "s per item" in fast.text
    # listed once in the whole report: the answer-quality section points up to it
    assert page.text.count("Answered very fast") == 1 and page.find(id="quality-see-above")


def test_a_doubtful_report_says_first_what_exactly_was_doubtful(
    staff: TestClient, db: Session, settings
) -> None:
    # A careful pace, but one step more agreement with every statement (yea-saying).
    from app.models import Invitation
    from questionnaires.simulate import acquiesce
    from tests.htmlq import parse

    token = invite(db, settings)
    consent(staff, token)
    q = ie_questionnaire()
    answers = acquiesce(q, answers_for(q))
    for n, ids in enumerate(q.pages(), start=1):
        staff.get(f"/a/{token}/q/{QID}/{n}")
        data = {f"item-{i}": str(answers[i]) for i in ids} | {"go": "next"}
        assert staff.post(f"/a/{token}/q/{QID}/{n}", data=data).status_code in (200, 303)
    slow_pages(db)
    assert staff.post(f"/a/{token}/finish", follow_redirects=False).status_code == 303
    invitation = db.exec(select(Invitation)).one()
    page = parse(staff.get(f"/invitations/{invitation.id}/report").text)
    answer = page.one("section", id="answer")
    warning = answer.one("div", id="quality-warning")
    assert warning.get("data-level") == "doubtful"
    # first in the answer, before any placement or type
    assert next(e for e in answer.iter() if e.tag in ("div", "p", "dl")) is warning
    (line,) = warning.find_all("li")
    assert line.get("data-flag") == "acquiescence"
    assert "yea-saying" in line.text and "0.5 points" in line.text
