"""Issue 15, point 1: the organisation is the employer everywhere candidates look (consent,
pages, emails, PDF header); its texts are versioned per language; without one, candidate links
wait and staff pages say so."""

from __future__ import annotations

from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.invitations.invite import Person
from app.invitations.service import create_invitation
from app.models import AuditEvent, Invitation, Organisation, OutgoingEmail, TextTemplate
from tests.factories import answers_for, make_user, make_vacancy
from tests.htmlq import csrf_of, parse
from tests.webflow import STAFF_PASSWORD, answer_everything, consent, login, token_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def admin(client: TestClient, db: Session) -> TestClient:
    user = make_user(db, email="ada@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, user.email, STAFF_PASSWORD)
    return client


def _invite(db: Session, settings, *, language: str = "ru", email: str | None = None):
    vacancy = make_vacancy(db, language=language)
    invitation, link = create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("Анна", email=email, language=language),
        created_by=None,
    )
    db.commit()
    return invitation, token_of(link)


def _text_part(raw: bytes) -> tuple[Message, str]:
    msg = message_from_bytes(raw)
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return msg, payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def _drop_organisation(db: Session) -> None:
    org = db.get(Organisation, 1)
    assert org is not None
    db.delete(org)
    db.commit()


def test_without_an_organisation_links_wait_and_staff_pages_say_so(
    admin: TestClient, db: Session, settings
) -> None:
    _, token = _invite(db, settings)
    _drop_organisation(db)
    admin.app.state.organisation_set = False  # type: ignore[attr-defined]
    r = admin.get(f"/a/{token}")
    assert r.status_code == 503
    page = parse(r.text)
    assert "Опросник пока недоступен" in page.one("h1").text
    assert page.find("form") is None and page.find("div", class_="consent-text") is None
    vacancies = parse(admin.get("/vacancies?lang=ru").text)
    banner = vacancies.one("p", class_="alert-error")
    assert "Организация не указана" in banner.text
    assert banner.one("a").get("href") == "/admin/organisation"


def test_the_consent_names_the_operator_and_the_pages_the_employer(
    client: TestClient, db: Session, settings
) -> None:
    invitation, token = _invite(db, settings)
    page = parse(client.get(f"/a/{token}").text)
    consent_text = page.one("div", class_="consent-text").text
    assert "Northwind Trading LLC" in consent_text
    assert "1 Harbour Street, Saint Petersburg" in consent_text
    assert "privacy@northwind.example" in consent_text
    assert "{" not in consent_text
    assert page.one("span", class_="brand").text.strip() == "Northwind"
    assert "rolefit" not in client.get(f"/a/{token}").text.lower()
    consent(client, token)
    db.refresh(invitation)
    assert invitation.consent_version == settings.consent_version == "2026-12"
    assert invitation.opened_at is not None


def test_the_thank_you_page_names_the_employer_not_the_product(
    client: TestClient, db: Session, settings
) -> None:
    _, token = _invite(db, settings, language="en")
    consent(client, token)
    answer_everything(client, token, answers_for(_ie()))
    r = client.get(f"/a/{token}/done")
    text = parse(r.text).one("main").text
    assert "Northwind will get back to you" in text
    assert "rolefit" not in r.text.lower()


def _ie():
    from tests.factories import ie_questionnaire

    return ie_questionnaire()


def test_an_admin_sets_the_organisation_on_its_page_and_it_is_audited(
    admin: TestClient, db: Session
) -> None:
    page = admin.get("/admin/organisation?lang=ru")
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_of(page.text),
        "name": "Ромашка",
        "legal_entity": "ООО «Ромашка»",
        "address": "Москва, ул. Цветочная, 5",
        "contact_email": "pd@romashka.example",
        "sender_name": "Ромашка, отдел подбора",
        "reply_to": "hr@romashka.example",
    }
    r = admin.post("/admin/organisation", data=data, files={"logo": ("logo.png", PNG, "image/png")})
    assert r.status_code == 200
    db.expire_all()
    org = db.get(Organisation, 1)
    assert org is not None and org.legal_entity == "ООО «Ромашка»" and org.logo == PNG
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "organisation.update")).one()
    assert set(event.details["fields"]) >= {"name", "legal_entity", "logo"}
    logo = admin.get("/organisation/logo")
    assert logo.status_code == 200 and logo.content == PNG
    assert logo.headers["content-type"] == "image/png"

    bad = admin.post(
        "/admin/organisation",
        data={
            **data,
            "csrf_token": csrf_of(admin.get("/admin/organisation").text),
            "legal_entity": "",
        },
        files={"logo": ("logo.svg", b"<svg onload='x'/>", "image/svg+xml")},
    )
    assert bad.status_code == 422
    errors = parse(bad.text).find_all("p", class_="field-error")
    assert {e.get("id") for e in errors} == {"legal_entity-error", "logo-error"}
    db.expire_all()
    assert db.get(Organisation, 1).legal_entity == "ООО «Ромашка»"  # type: ignore[union-attr]


def test_an_edited_consent_is_a_new_version_and_the_record_keeps_it(
    admin: TestClient, db: Session, settings
) -> None:
    url = "/admin/texts/consent/ru"
    page = admin.get(url)
    body = parse(page.text).one("textarea").text
    assert "{operator}" in body
    missing = admin.post(url, data={"csrf_token": csrf_of(page.text), "body": "Просто текст."})
    assert missing.status_code == 422
    assert db.exec(select(TextTemplate)).all() == []

    new_body = body + "\n\nМы храним данные в России. Оператор: {operator}."
    r = admin.post(url, data={"csrf_token": csrf_of(page.text), "body": new_body})
    assert r.status_code == 200
    again = admin.post(url, data={"csrf_token": csrf_of(r.text), "body": new_body})
    assert again.status_code == 200
    saved = db.exec(select(TextTemplate)).all()
    assert [(t.kind, t.language, t.version) for t in saved] == [("consent", "ru", 1)]
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "text.update")).one()

    invitation, token = _invite(db, settings)
    welcome = parse(admin.get(f"/a/{token}").text)
    assert "Мы храним данные в России. Оператор: Northwind Trading LLC." in welcome.text
    assert welcome.one("input", name="consent_version").get("value") == "ru.1"
    consent(admin, token)
    db.refresh(invitation)
    assert invitation.consent_version == "ru.1"

    # A later version does not change what the first candidate agreed to.
    page = admin.get(url)
    admin.post(url, data={"csrf_token": csrf_of(page.text), "body": new_body + " Ещё."})
    db.refresh(invitation)
    assert invitation.consent_version == "ru.1"
    assert len(db.exec(select(TextTemplate)).all()) == 2


def test_emails_come_from_the_organisation_with_its_reply_to_and_its_own_words(
    admin: TestClient, db: Session, settings
) -> None:
    org = db.get(Organisation, 1)
    assert org is not None
    org.sender_name, org.reply_to = "Northwind Hiring", "jobs@northwind.example"
    db.add(org)
    db.commit()
    page = admin.get("/admin/texts/invitation/ru")
    body = "{candidate}, {company} приглашает вас на вакансию «{vacancy}»: {duration}."
    admin.post("/admin/texts/invitation/ru", data={"csrf_token": csrf_of(page.text), "body": body})
    _invite(db, settings, email="anna@example.com")
    email = db.exec(select(OutgoingEmail)).one()
    msg, text = _text_part(email.message)
    assert msg["From"].startswith("Northwind Hiring <")
    assert msg["Reply-To"] == "jobs@northwind.example"
    assert "Northwind приглашает вас на вакансию «Client manager»: около 5 минут." in text
    assert "Анна, Northwind" in text
    assert "Northwind Trading LLC, 1 Harbour Street" in text  # the operator, in the footer
    assert "rolefit" not in text.lower()


def test_without_an_organisation_no_email_is_queued(admin: TestClient, db: Session) -> None:
    vacancy = make_vacancy(db)
    _drop_organisation(db)
    page = admin.get(f"/vacancies/{vacancy.id}?lang=ru")
    data = {"name": "Олег", "email": "oleg@example.com", "language": "ru"}
    r = admin.post(
        f"/vacancies/{vacancy.id}/invitations", data={**data, "csrf_token": csrf_of(page.text)}
    )
    assert r.status_code == 422
    assert "Сначала укажите организацию" in parse(r.text).one("main").text
    assert db.exec(select(OutgoingEmail)).all() == []
    assert db.exec(select(Invitation)).all() == []


def test_the_cli_sets_the_organisation_and_the_demo_has_a_fictional_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, db: Session, capsys
) -> None:
    from app.cli import DEMO_ORGANISATION, main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("ENV", raising=False)
    _drop_organisation(db)
    assert main(["organisation"]) == 2
    assert "no organisation is set" in capsys.readouterr().err
    assert main(["organisation", "--name", "Acme"]) == 2
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    args = ["--name", "Acme", "--legal-entity", "Acme LLC", "--address", "Kazan"]
    assert (
        main(["organisation", *args, "--contact-email", "pd@acme.example", "--logo", str(logo)])
        == 0
    )
    db.expire_all()
    org = db.get(Organisation, 1)
    assert org is not None and (org.legal_entity, org.logo) == ("Acme LLC", PNG)
    assert main(["organisation", "--contact-email", "not-an-email"]) == 2
    assert "contact-email" in capsys.readouterr().err
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "organisation.update")).one()

    _drop_organisation(db)
    assert main(["demo"]) == 0
    db.expire_all()
    demo = db.get(Organisation, 1)
    assert demo is not None and demo.legal_entity == DEMO_ORGANISATION["legal_entity"]
    assert "ООО" in demo.legal_entity


def test_the_pdf_is_headed_with_the_employer(client: TestClient, db: Session, settings) -> None:
    from app.exports.pdf import report_html
    from app.reports.build import build_report
    from tests.exports.test_exports import complete, vacancy_with_both

    invitation_id = complete(client, db, settings, vacancy_with_both(db), name="Анна")
    text = report_html(build_report(db, invitation_id=invitation_id, language="ru"))
    html = parse(text)
    # The running header is written into the page rule (every page's top-left margin box).
    assert '@top-left { content: "Northwind · Анна' in text
    assert html.one("p", class_="kicker").text.startswith("Northwind · ")
