"""Issue 15, point 8: one time estimate, from the items at the documented pace, the same on the
vacancy form, the candidate's landing page and the invitation email."""

from __future__ import annotations

import math
from email import message_from_bytes
from email.message import Message

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import OutgoingEmail
from questionnaires.loader import product_questionnaires
from tests.factories import make_vacancy
from tests.htmlq import csrf_of, parse
from tests.webflow import token_of

# The pace questionnaires/timing.py documents, counted here independently.
PACE = {"agreement": 10, "bipolar": 15, "forced_choice": 15}


def _minutes(*ids: str) -> int:
    catalog = product_questionnaires()
    return sum(math.ceil(sum(PACE[i.kind] for i in catalog[q].items) / 60) for q in ids)


def _text_part(raw: bytes) -> str:
    msg: Message = message_from_bytes(raw)
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def test_the_form_the_landing_page_and_the_email_give_the_same_minutes(
    staff: TestClient, db: Session
) -> None:
    both = _minutes("introversion_extraversion", "socionics_16")
    assert both == 21  # 27 x 10 s -> 5 min; 42 x 10 + 33 x 15 s -> 16 min

    form = parse(staff.get("/vacancies/new?lang=ru").text)
    assert f"около {both} минуты" in form.one("label", **{"for": "questionnaires-both"}).text
    socionics = _minutes("socionics_16")
    label = form.one("label", **{"for": "questionnaires-socionics"})
    assert f"около {socionics} минут" in label.text

    vacancy = make_vacancy(db, language="ru")
    vacancy.questionnaire_ids = ["introversion_extraversion", "socionics_16"]
    db.add(vacancy)
    db.commit()
    page = staff.get(f"/vacancies/{vacancy.id}")
    data = {
        "name": "Олег",
        "email": "oleg@example.com",
        "language": "ru",
        "csrf_token": csrf_of(page.text),
    }
    r = staff.post(f"/vacancies/{vacancy.id}/invitations", data=data)
    link = parse(r.text).one("input", id="new-link").get("value", "")
    assert link

    email = db.exec(select(OutgoingEmail)).one()
    assert f"Это займёт около {both} минуты" in _text_part(email.message)

    landing = parse(staff.get(f"/a/{token_of(link)}").text)
    assert f"около {both} минуты." in landing.text


def test_an_english_email_and_landing_page_say_the_same_minutes(
    staff: TestClient, db: Session
) -> None:
    ie = _minutes("introversion_extraversion")
    vacancy = make_vacancy(db, language="en")
    page = staff.get(f"/vacancies/{vacancy.id}")
    data = {"name": "Ann", "email": "ann@example.com", "language": "en"}
    r = staff.post(
        f"/vacancies/{vacancy.id}/invitations", data={**data, "csrf_token": csrf_of(page.text)}
    )
    link = parse(r.text).one("input", id="new-link").get("value", "")
    email = db.exec(select(OutgoingEmail)).one()
    assert f"It takes about {ie} minutes" in _text_part(email.message)
    assert f"about {ie} minutes." in parse(staff.get(f"/a/{token_of(link)}").text).text
