"""The candidate's busiest routes have a fast path (one writer job, app/candidate/jobs.py) and
a full path for everything else (app/candidate/routes.py). Both must give the same page and
store the same rows; the full path must still say what is wrong."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import ie_questionnaire, make_invitation, make_user
from fastapi.testclient import TestClient
from htmlq import parse
from sqlmodel import Session, select
from webflow import QID, answer_everything, consent, post_page, token_of

from app.db import utcnow
from app.models import Answer, Invitation, PageEvent, Result


@pytest.fixture
def invited(db: Session, settings):
    new = make_invitation(db, settings)
    return new, token_of(new.link)


def _invitation(db: Session, token_holder) -> Invitation:
    db.expire_all()
    found = db.get(Invitation, token_holder.invitation.id)
    assert found is not None
    return found


def _main(html: str):
    return parse(html).one("main")


def test_the_question_page_is_the_same_by_either_path(client: TestClient, invited) -> None:
    _, token = invited
    consent(client, token)
    first, second = ie_questionnaire().pages()[0][:2]
    post_page(client, token, 1, {first: 2, second: 4}, "next")
    fast = client.get(f"/a/{token}/q/{QID}/1?check=1")
    full = client.get(f"/a/{token}/q/{QID}/1?check=1&lang=en")  # a language switch: full path
    assert fast.status_code == full.status_code == 200
    assert _main(fast.text).text == _main(full.text).text
    checked = {
        (el.get("name"), el.get("value"))
        for el in _main(fast.text).find_all("input")
        if el.get("checked") is not None
    }
    assert checked == {(f"item-{first}", "2"), (f"item-{second}", "4")}
    marked = _main(fast.text).find_all("fieldset", class_="item-missing")
    assert len(marked) == len(ie_questionnaire().pages()[0]) - 2


def test_showing_a_page_records_its_view_and_marks_the_start(
    client: TestClient, invited, db: Session
) -> None:
    new, token = invited
    consent(client, token)
    assert _invitation(db, new).started_at is None
    assert client.get(f"/a/{token}/q/{QID}/2").status_code == 200
    events = db.exec(select(PageEvent)).all()
    assert [(e.questionnaire_id, e.page, e.kind) for e in events] == [(QID, 1, "view")]
    assert _invitation(db, new).started_at is not None


def test_a_page_form_from_a_tab_left_open_after_finishing_is_refused(
    client: TestClient, invited, db: Session
) -> None:
    _, token = invited
    consent(client, token)
    answer_everything(client, token, {i.id: 1 for i in ie_questionnaire().items})
    first = ie_questionnaire().pages()[0][0]
    r = post_page(client, token, 1, {first: 5}, "next")
    assert r.status_code == 410
    assert parse(r.text).one("h1").text == "You have already completed this assessment"
    db.expire_all()
    assert {a.value for a in db.exec(select(Answer).where(Answer.item_id == first)).all()} == {1}


def test_a_page_form_with_an_item_of_another_page_is_refused(
    client: TestClient, invited, db: Session
) -> None:
    _, token = invited
    consent(client, token)
    other_page_item = ie_questionnaire().pages()[1][0]
    assert post_page(client, token, 1, {other_page_item: 2}, "next").status_code == 422
    assert post_page(client, token, 1, {"nope": 2}, "next").status_code == 422
    assert db.exec(select(Answer)).all() == []


def test_consent_on_an_expired_link_names_whom_to_contact(
    client: TestClient, db: Session, settings
) -> None:
    new = make_invitation(db, settings, expired=True)
    new.invitation.created_by_id = make_user(db, email="hr@example.com").id
    db.add(new.invitation)
    db.commit()
    token = token_of(new.link)
    r = client.post(f"/a/{token}/consent", data={"consent": "yes"}, follow_redirects=False)
    assert r.status_code == 410
    assert "hr@example.com" in parse(r.text).one("main").text
    assert _invitation(db, new).consent_at is None


def test_consent_without_the_box_ticked_shows_the_form_again(
    client: TestClient, invited, db: Session
) -> None:
    new, token = invited
    r = client.post(f"/a/{token}/consent", data={}, follow_redirects=False)
    assert r.status_code == 400
    assert parse(r.text).find("form", action=f"/a/{token}/consent") is not None
    assert _invitation(db, new).consent_at is None


def test_finishing_needs_consent_and_a_usable_link(
    client: TestClient, invited, db: Session, settings
) -> None:
    _, token = invited
    r = client.post(f"/a/{token}/finish", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/a/{token}"
    expired = make_invitation(db, settings)
    consent(client, token_of(expired.link))
    row = db.get(Invitation, expired.invitation.id)
    assert row is not None
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.add(row)
    db.commit()
    r = client.post(f"/a/{token_of(expired.link)}/finish", follow_redirects=False)
    assert r.status_code == 410
    assert db.exec(select(Result)).all() == []


def test_finishing_twice_stores_one_result_and_both_go_to_the_thank_you_page(
    client: TestClient, invited, db: Session
) -> None:
    _, token = invited
    consent(client, token)
    answer_everything(client, token, {i.id: 2 for i in ie_questionnaire().items})
    again = client.post(f"/a/{token}/finish", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"/a/{token}/done"
    assert len(db.exec(select(Result)).all()) == 1


def test_a_usable_links_busy_routes_never_take_the_full_path(
    client: TestClient, invited, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Consent, the pages, their forms, the answers and the finish of an ordinary candidate are
    all served by the writer's jobs: no worker thread, no ORM session of the request's."""
    from app.candidate import routes

    def full_path(*_args: object) -> None:
        raise AssertionError("the full path was taken")

    monkeypatch.setattr(routes, "_in_thread", full_path)
    _, token = invited
    consent(client, token)
    item = ie_questionnaire().pages()[0][0]
    saved = client.post(
        f"/a/{token}/save",
        json={"questionnaire": QID, "item": item, "value": 2},
        headers={"Origin": "http://testserver"},
    )
    assert saved.json() == {"ok": True}
    answer_everything(client, token, {i.id: 1 for i in ie_questionnaire().items})
