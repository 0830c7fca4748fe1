"""Every candidate route does its database work as one job (app/candidate/jobs.py), through the
group-commit writer or a pooled connection (GROUP_COMMIT), and renders on the event loop. The
jobs must store what the pages promise and still say what is wrong with a link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import utcnow
from app.models import Answer, Invitation, PageEvent, Result
from tests.factories import ie_questionnaire, make_invitation, make_user, make_vacancy
from tests.htmlq import parse
from tests.webflow import QID, answer_everything, consent, post_page, token_of


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


def test_the_question_page_shows_saved_answers_and_marks_the_missing_ones(
    client: TestClient, invited
) -> None:
    _, token = invited
    consent(client, token)
    first, second = ie_questionnaire().pages()[0][:2]
    post_page(client, token, 1, {first: 2, second: 4}, "next")
    page = _main(client.get(f"/a/{token}/q/{QID}/1?check=1").text)
    checked = {
        (el.get("name"), el.get("value"))
        for el in page.find_all("input")
        if el.get("checked") is not None
    }
    assert checked == {(f"item-{first}", "2"), (f"item-{second}", "4")}
    marked = page.find_all("fieldset", class_="item-missing")
    assert len(marked) == len(ie_questionnaire().pages()[0]) - 2


def test_a_language_switch_on_a_question_page_is_kept_for_the_link(
    client: TestClient, invited, db: Session
) -> None:
    new, token = invited
    consent(client, token)
    r = client.get(f"/a/{token}/q/{QID}/1?lang=ru")
    assert r.status_code == 200 and parse(r.text).one("html").get("lang") == "ru"
    assert _invitation(db, new).language == "ru"
    assert parse(client.get(f"/a/{token}/review").text).one("html").get("lang") == "ru"


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


def test_with_group_commit_no_candidate_route_takes_a_worker_thread(
    db: Session, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole flow, the feedback page and a bad link: with the writer (GROUP_COMMIT on, the
    default on SQLite) every request's database work is a writer job (under load, worker
    threads queued behind the event loop for the interpreter)."""
    from app.main import create_app

    app = create_app(settings.model_copy(update={"group_commit": "on"}))
    with TestClient(app) as client:
        _whole_flow_without_threads(client, db, settings, monkeypatch)


def _whole_flow_without_threads(
    client: TestClient, db: Session, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import anyio.to_thread

    def no_threads(*_args: object, **_kw: object) -> None:
        raise AssertionError("a candidate route used a worker thread")

    vacancy = make_vacancy(db)
    vacancy.feedback_enabled = True
    db.add(vacancy)
    db.commit()
    new = make_invitation(db, settings, vacancy=vacancy)
    token = token_of(new.link)
    monkeypatch.setattr(anyio.to_thread, "run_sync", no_threads)
    assert client.get(f"/a/{token}").status_code == 200
    consent(client, token)
    assert client.get(f"/a/{token}/next", follow_redirects=False).status_code == 303
    item = ie_questionnaire().pages()[0][0]
    saved = client.post(
        f"/a/{token}/save",
        json={"questionnaire": QID, "item": item, "value": 2},
        headers={"Origin": "http://testserver"},
    )
    assert saved.json() == {"ok": True}
    assert client.get(f"/a/{token}/review").status_code == 200
    answer_everything(client, token, {i.id: 1 for i in ie_questionnaire().items})
    assert client.get(f"/a/{token}/done").status_code == 200
    assert client.get(f"/a/{token}/feedback").status_code == 200
    assert client.get("/a/" + "x" * 43).status_code == 404


def test_welcome_jobs_of_one_batch_share_their_reads_and_the_next_batch_reads_again(
    db: Session, engine, settings
) -> None:
    """Links of one vacancy opened together: the organisation, vacancy, inviter and consent are
    read once per transaction (the writer's batch); each page still has its own link, and a
    later transaction sees an edit."""
    from sqlalchemy import event

    from app.candidate import jobs
    from app.models import Organisation

    vacancy = make_vacancy(db)
    links = [make_invitation(db, settings, vacancy=vacancy, name=f"C {n}") for n in range(3)]
    db.commit()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with engine.begin() as conn:
            pages = [
                jobs.welcome(conn, token=token_of(new.link), settings=settings, now=utcnow())
                for new in links
            ]
        organisation_reads = [s for s in statements if "FROM organisation" in s]
        assert len(organisation_reads) == 1
        assert [p.link.id for p in pages] == [new.invitation.id for new in links]
        assert {p.brand.name for p in pages} == {"Northwind"}
        assert all(p.consent == pages[0].consent for p in pages)
        organisation = db.get(Organisation, 1)
        assert organisation is not None
        organisation.name = "Southwind"
        db.commit()
        with engine.begin() as conn:
            again = jobs.welcome(
                conn, token=token_of(links[0].link), settings=settings, now=utcnow()
            )
        assert again.brand.name == "Southwind"
    finally:
        event.remove(engine, "before_cursor_execute", count)
