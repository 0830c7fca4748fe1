"""A page a role may not open says so in the user's language, and the menu does not offer it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import make_user
from tests.htmlq import csrf_of, parse
from tests.webflow import STAFF_PASSWORD, login


def test_a_hiring_manager_is_told_to_ask_an_administrator(client: TestClient, db: Session) -> None:
    make_user(db, email="mila@example.com", password=STAFF_PASSWORD, role="hiring_manager")
    login(client, "mila@example.com", STAFF_PASSWORD)
    r = client.get("/emails?lang=ru")
    assert r.status_code == 403
    assert "У вас нет доступа к этой странице" in r.text
    assert "обратитесь к администратору" in r.text
    assert "Форма устарела" not in r.text and "expired" not in r.text
    nav = parse(client.get("/vacancies").text).find("nav", **{"class": "nav"})
    assert nav is not None
    links = {a.get("href") for a in nav.find_all("a")}
    assert "/emails" not in links and "/admin/users" not in links
    assert "/vacancies" in links


def test_a_form_without_its_token_still_says_the_form_expired(
    client: TestClient, db: Session
) -> None:
    make_user(db, email="rita@example.com", password=STAFF_PASSWORD, role="recruiter")
    login(client, "rita@example.com", STAFF_PASSWORD)
    csrf_of(client.get("/account").text)
    r = client.post("/vacancies", data={"title": "x", "csrf_token": "wrong"})
    assert r.status_code == 403
    assert "This form has expired" in r.text and "ask an administrator" not in r.text


def test_a_recruiter_sees_the_emails_link(client: TestClient, db: Session) -> None:
    make_user(db, email="rita@example.com", password=STAFF_PASSWORD, role="recruiter")
    login(client, "rita@example.com", STAFF_PASSWORD)
    nav = parse(client.get("/vacancies").text).find("nav", **{"class": "nav"})
    assert nav is not None and "/emails" in {a.get("href") for a in nav.find_all("a")}


def test_the_report_offers_pdf_decision_comparison_and_its_neighbours(
    client: TestClient, db: Session, settings
) -> None:
    from app.db import utcnow
    from tests.factories import make_invitation, make_vacancy

    make_user(db, email="rita@example.com", password=STAFF_PASSWORD, role="recruiter")
    vacancy = make_vacancy(db)
    ids = []
    for name in ("Анна", "Борис", "Вера"):
        inv = make_invitation(db, settings, vacancy=vacancy, name=name, email=None).invitation
        inv.completed_at = utcnow()
        db.add(inv)
        ids.append(inv.id)
    db.commit()
    login(client, "rita@example.com", STAFF_PASSWORD)
    page = parse(client.get(f"/invitations/{ids[1]}/report").text)
    prev, nxt = page.find("a", id="prev-link"), page.find("a", id="next-link")
    assert prev is not None and prev.get("href") == f"/invitations/{ids[0]}/report"
    assert nxt is not None and nxt.get("href") == f"/invitations/{ids[2]}/report"
    first = parse(client.get(f"/invitations/{ids[0]}/report").text)
    assert first.find("a", id="prev-link") is None


def test_every_audit_action_has_a_name_and_the_page_shows_names_not_codes(
    client: TestClient, db: Session
) -> None:
    import re

    from app.audit.service import ACTION_NAMES, ACTIONS, record

    assert set(ACTION_NAMES) == set(ACTIONS), "name every new audit action in ACTION_NAMES"
    admin = make_user(db, email="boss@example.com", password=STAFF_PASSWORD, role="admin")
    record(db, actor=admin, action="vacancy.export_csv", object_type="vacancy", object_id=1)
    db.commit()
    login(client, "boss@example.com", STAFF_PASSWORD)
    page = client.get("/admin/audit?lang=ru").text
    assert "Выгрузка вакансии в CSV" in page
    cells = [td.text for tr in parse(page).find_all("tr") for td in tr.find_all("td")]
    assert not [c for c in cells if re.fullmatch(r"[a-z_]+\.[a-z_]+", c.strip())]
