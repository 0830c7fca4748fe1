"""The optional self-description block at the end of the socionics questionnaire: shown on its
last page in the candidate's language, saved like answers, never required, and without effect
on the result (questionnaires/README.md, "SelfDescription")."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.invitations.invite import Person
from app.invitations.service import create_invitation
from app.models import Answer, Result
from questionnaires.result import Result as EngineResult
from questionnaires.schema import SELF_HIGH, SELF_UNSURE
from tests.factories import make_vacancy
from tests.fitflow import SOC, questionnaire, socionics_answers
from tests.htmlq import parse
from tests.webflow import consent, token_of

HEADING = {
    "ru": "Необязательно: как вы сами себя видите?",
    "en": "Optional: how do you see yourself?",
}
UNSURE = {"ru": "Трудно сказать", "en": "Hard to say"}


def _invite(db: Session, settings, language: str) -> str:
    vacancy = make_vacancy(db)
    vacancy.questionnaire_ids = [SOC]
    db.add(vacancy)
    db.commit()
    _, link = create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("Anna", email="anna@example.com", language=language),
        created_by=None,
    )
    db.commit()
    return token_of(link)


def _post(client: TestClient, token: str, page: int, answers: dict[str, int], go: str):
    data = {f"item-{k}": str(v) for k, v in answers.items()} | {"go": go}
    r = client.post(f"/a/{token}/q/{SOC}/{page}", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_last_page_shows_the_optional_block_in_the_candidates_language(
    client: TestClient, db: Session, settings, language: str
) -> None:
    token = _invite(db, settings, language)
    consent(client, token)
    q = questionnaire(SOC)
    last = len(q.pages())
    first = parse(client.get(f"/a/{token}/q/{SOC}/1").text)
    assert first.find(id="self-describe-title") is None
    page = parse(client.get(f"/a/{token}/q/{SOC}/{last}").text)
    assert page.one(id="self-describe-title").text == HEADING[language]
    block = page.one("section", class_="self-describe")
    assert "не меняют ваш результат" in block.text or "do not change your result" in block.text
    for sd in q.self_descriptions:
        labels = [el.text for el in page.one("fieldset", id=f"q-{sd.id}").find_all("label")]
        assert labels == [sd.low.get(language), sd.high.get(language), UNSURE[language]]
        assert page.one("input", id=f"item-{sd.id}-{SELF_UNSURE}").get("type") == "radio"


def test_the_block_is_optional_saved_when_given_and_changes_no_result(
    client: TestClient, db: Session, settings
) -> None:
    q = questionnaire(SOC)
    answers = socionics_answers("ILE")
    said = {sd.id: SELF_HIGH for sd in q.self_descriptions} | {"sd_SN": SELF_UNSURE}
    results = []
    for give in (True, False):
        token = _invite(db, settings, "ru")
        consent(client, token)
        pages = q.pages()
        for n, ids in enumerate(pages, start=1):
            on_page = {i: answers[i] for i in ids}
            if give and n == len(pages):
                on_page |= said
            _post(client, token, n, on_page, "review" if n == len(pages) else "next")
        r = client.post(f"/a/{token}/finish", follow_redirects=False)
        assert r.headers["location"] == f"/a/{token}/done"  # nothing missing without them
        db.expire_all()
        rows = db.exec(select(Result).order_by(Result.id.desc())).first()  # type: ignore[union-attr]
        assert rows is not None
        results.append(EngineResult.model_validate(rows.data))
        kept = {
            a.item_id: a.value
            for a in db.exec(select(Answer).where(Answer.invitation_id == rows.invitation_id))
        }
        assert {k: kept.get(k) for k in said} == (said if give else dict.fromkeys(said))
    assert results[0].scales == results[1].scales
    assert results[0].dichotomies == results[1].dichotomies
    assert results[0].quality.level == results[1].quality.level
