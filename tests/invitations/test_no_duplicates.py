"""Issue 15, point 2: a person already invited to a vacancy (same email, case-insensitively;
or same name and phone without an email) is recognised by the invitation form, the CSV import
(with its preview and a confirmation that works once), the API and the command line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api.keys import create_api_key
from app.invitations.invite import Person
from app.invitations.service import create_invitation
from app.models import AuditEvent, Candidate, Invitation, OutgoingEmail, Vacancy
from tests.factories import make_user, make_vacancy
from tests.htmlq import csrf_of, parse


def _count(db: Session, model: type) -> int:
    db.expire_all()
    return len(db.exec(select(model)).all())


def _invite_form(staff: TestClient, vacancy: Vacancy, **data: str):
    page = staff.get(f"/vacancies/{vacancy.id}?lang=ru")
    values = {"name": "", "email": "", "language": "ru", "phone": ""} | data
    return staff.post(
        f"/vacancies/{vacancy.id}/invitations", data={**values, "csrf_token": csrf_of(page.text)}
    )


def test_the_form_recognises_an_email_already_invited_whatever_its_case(
    staff: TestClient, db: Session
) -> None:
    vacancy = make_vacancy(db)
    assert _invite_form(staff, vacancy, name="Иван", email="Ivan@Example.com").status_code == 200
    r = _invite_form(staff, vacancy, name="Ваня", email="ivan@example.COM")
    assert r.status_code == 409
    notice = parse(r.text).one("div", id="already-invited")
    assert "Иван уже приглашён(а) на эту вакансию" in notice.text
    assert "Ничего не создано" in notice.text
    first = db.exec(select(Invitation)).one()
    assert notice.one("a").get("href") == f"/invitations/{first.id}/report"
    assert _count(db, Invitation) == 1 and _count(db, OutgoingEmail) == 1
    # Another vacancy is another matter.
    other = make_vacancy(db, title="Hunter")
    assert _invite_form(staff, other, name="Иван", email="ivan@example.com").status_code == 200


def test_without_an_email_the_name_and_phone_recognise_a_person(
    staff: TestClient, db: Session
) -> None:
    vacancy = make_vacancy(db)
    assert (
        _invite_form(staff, vacancy, name="Пётр  Ильин", phone="8 (912) 555-01-02").status_code
        == 200
    )
    assert (
        _invite_form(staff, vacancy, name="пётр ильин", phone="+7 912 555 01 02").status_code == 409
    )
    assert (
        _invite_form(staff, vacancy, name="Пётр Ильин", phone="+7 912 555 01 03").status_code == 200
    )
    # Without email or phone there is nothing to recognise a person by.
    assert _invite_form(staff, vacancy, name="Анна").status_code == 200
    assert _invite_form(staff, vacancy, name="Анна").status_code == 200
    assert _count(db, Invitation) == 4
    bad = _invite_form(staff, vacancy, name="Олег", phone="call me")
    assert bad.status_code == 422 and parse(bad.text).find("p", id="phone-error") is not None


CSV = (
    "name;email;phone\n"
    "Анна;anna@example.com;\n"  # row 2: new
    "Борис;BORIS@example.com;\n"  # row 3: already invited (case differs)
    "Вера;not-an-email;\n"  # row 4: broken
    "Глеб;;+7 900 000-00-01\n"  # row 5: new, by name and phone
    "глеб;;8 900 000 00 01\n"  # row 6: the same person as row 5
)


def _preview(staff: TestClient, vacancy: Vacancy, data: bytes):
    page = staff.get(f"/vacancies/{vacancy.id}/import?lang=ru")
    r = staff.post(
        f"/vacancies/{vacancy.id}/import",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": ("list.csv", data, "text/csv")},
    )
    match = re.search(r'name="upload" value="([^"]+)"', r.text)
    return r, match.group(1) if match else None


def test_a_csv_import_previews_then_invites_once_however_often_it_is_confirmed(
    staff: TestClient, db: Session, settings
) -> None:
    vacancy = make_vacancy(db)
    create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("Борис", email="boris@example.com", language="ru"),
        created_by=None,
    )
    db.commit()
    before = (_count(db, Invitation), _count(db, OutgoingEmail))

    r, upload = _preview(staff, vacancy, CSV.encode())
    assert r.status_code == 200 and upload
    preview = parse(r.text).one("section", id="preview")
    counts = {
        li.get("data-count"): li.text for li in preview.find_all("li") if li.get("data-count")
    }
    assert counts["new"].startswith("Будут приглашены 2 новых человека")
    assert counts["known"].startswith("1 человек уже приглашён")
    assert counts["rejected"].startswith("В 2 строках ошибки")
    assert "То же имя и телефон уже указаны в строке 5" in preview.text
    assert (_count(db, Invitation), _count(db, OutgoingEmail)) == before  # nothing yet

    confirm = {"csrf_token": csrf_of(r.text), "upload": upload, "known": "skip"}
    done = staff.post(f"/vacancies/{vacancy.id}/import/confirm", data=confirm)
    assert done.status_code == 200
    names = sorted(c.name for c in db.exec(select(Candidate)).all())
    assert names == ["Анна", "Борис", "Глеб"]
    assert _count(db, OutgoingEmail) == before[1] + 1  # Анна; Глеб has no email, Борис skipped
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "invitation.import")).one()
    assert event.details == {"created": 2, "rejected": 2, "skipped": 1, "reminded": 0}

    again = staff.post(f"/vacancies/{vacancy.id}/import/confirm", data=confirm)
    assert again.status_code == 409
    assert parse(again.text).find("p", id="import-gone") is not None
    assert _count(db, Invitation) == 3 and _count(db, OutgoingEmail) == before[1] + 1

    # The same file uploaded again: everyone is known now, nobody is new.
    r, upload = _preview(staff, vacancy, CSV.encode())
    counts = {
        li.get("data-count"): li.text
        for li in parse(r.text).one("section", id="preview").find_all("li")
        if li.get("data-count")
    }
    assert counts["new"].startswith("Будут приглашены 0 новых")
    assert counts["known"].startswith("4 человека уже приглашены")  # rows 2, 3, 5 and 6


def test_confirming_with_reminders_reminds_only_active_people_with_an_email(
    staff: TestClient, db: Session, settings
) -> None:
    vacancy = make_vacancy(db)
    create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("Борис", email="boris@example.com", language="ru"),
        created_by=None,
    )
    db.commit()
    r, upload = _preview(
        staff, vacancy, b"name,email\nBoris,Boris@example.com\nNew,new@example.com\n"
    )
    confirm = {"csrf_token": csrf_of(r.text), "upload": upload, "known": "remind"}
    assert staff.post(f"/vacancies/{vacancy.id}/import/confirm", data=confirm).status_code == 200
    kinds = sorted(e.kind for e in db.exec(select(OutgoingEmail)).all())
    assert kinds == ["invitation", "invitation", "reminder"]


def test_a_forged_or_foreign_upload_id_imports_nothing(staff: TestClient, db: Session) -> None:
    vacancy, other = make_vacancy(db), make_vacancy(db, title="Other")
    r, upload = _preview(staff, vacancy, b"name\nAnna\n")
    for target, upload_id in ((other, upload), (vacancy, "../../etc/passwd"), (vacancy, "x" * 30)):
        data = {"csrf_token": csrf_of(r.text), "upload": upload_id}
        assert staff.post(f"/vacancies/{target.id}/import/confirm", data=data).status_code == 409
    assert _count(db, Invitation) == 0


@pytest.fixture
def api(app: FastAPI, db: Session) -> Iterator[TestClient]:
    admin = make_user(db, email="ada@example.com", role="admin")
    key = create_api_key(db, name="ats", scope="read_write", created_by=admin).secret
    db.commit()
    with TestClient(app, headers={"Authorization": f"Bearer {key}"}) as c:
        yield c


def test_the_api_answers_409_naming_the_existing_candidate_unless_asked_to_return_it(
    api: TestClient, db: Session
) -> None:
    vacancy = make_vacancy(db)
    url = f"/api/v1/vacancies/{vacancy.id}/invitations"
    first = api.post(url, json={"candidates": [{"name": "Anna", "email": "anna@example.com"}]})
    assert first.status_code == 201
    existing = first.json()["invitations"][0]["id"]

    people = {"candidates": [{"name": "Zoe"}, {"name": "Anna P.", "email": "ANNA@example.com"}]}
    r = api.post(url, json=people)
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["type"] == "urn:rolefit:problem:already-invited"
    assert problem["existing_candidate_id"] == existing
    assert problem["errors"] == [
        {"field": "candidates[1]", "message": f"already invited: candidate {existing}"}
    ]
    assert _count(db, Invitation) == 1  # all or nothing: Zoe was not invited either

    r = api.post(url + "?if_exists=return", json=people)
    assert r.status_code == 201
    out = r.json()["invitations"]
    assert [(o["name"], o["already_invited"]) for o in out] == [("Zoe", False), ("Anna", True)]
    assert out[1]["id"] == existing and out[1]["link"].startswith("http://testserver/a/")
    assert _count(db, Invitation) == 2
    assert _count(db, OutgoingEmail) == 1  # Anna's first invitation only


def test_the_command_line_refuses_to_invite_someone_twice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, db: Session, capsys
) -> None:
    from app.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("ENV", raising=False)
    vacancy = make_vacancy(db)
    args = ["invite", "--vacancy", str(vacancy.id), "--name", "Ivan", "--email", "ivan@example.com"]
    assert main(args) == 0
    capsys.readouterr()
    assert main([*args[:-1], "IVAN@example.com"]) == 2
    assert "Ivan is already invited" in capsys.readouterr().err
    assert _count(db, Invitation) == 1


def test_the_open_link_does_not_register_an_email_twice(client: TestClient, db: Session) -> None:
    from app.invitations.service import set_open_link

    vacancy = make_vacancy(db)
    set_open_link(db, vacancy=vacancy, enabled=True)
    db.commit()
    form = {"name": "Anna", "email": "anna@example.com", "language": "en", "consent": "yes"}
    first = client.post(f"/join/{vacancy.open_token}", data=form, follow_redirects=False)
    assert first.status_code == 303
    again = client.post(f"/join/{vacancy.open_token}", data={**form, "email": "Anna@Example.com"})
    assert again.status_code == 200
    assert _count(db, Invitation) == 1


def test_an_erasure_removes_the_phone_too(db: Session, settings) -> None:
    from app.privacy.service import erase_candidate

    vacancy = make_vacancy(db)
    invitation, _ = create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("Глеб", email=None, language="ru", phone="+7 900 000-00-01"),
        created_by=None,
    )
    db.commit()
    erase_candidate(db, candidate_id=invitation.candidate_id, actor=None)
    db.commit()
    candidate = db.get(Candidate, invitation.candidate_id)
    assert candidate is not None and candidate.phone is None and candidate.email is None
