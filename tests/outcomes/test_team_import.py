"""The team from a CSV file: a preview that writes nothing, a confirmation that writes once,
employees matched by email, and the same from the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.cli import main
from app.models import AuditEvent, Candidate, Employee
from app.outcomes.service import add_employee
from tests.factories import make_user
from tests.htmlq import csrf_of, parse
from tests.webflow import STAFF_PASSWORD, login

FILE = (
    "ФИО;Почта;Роль;Команда;Дата начала;Дата окончания\n"
    "Ольга Белова;olga@example.com;Клиентский менеджер;Москва;01.02.2024;\n"
    "Пётр Иванов;petr@example.com;охотник;Казань;15.03.2023;\n"
    "Сломанная дата;broken@example.com;охотник;Казань;32.13.2023;\n"
).encode("cp1251")


@pytest.fixture
def admin(client: TestClient, db: Session) -> TestClient:
    make_user(db, email="boss@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, "boss@example.com", STAFF_PASSWORD)
    client.get("/team?lang=ru")  # the pages speak Russian from here on (a cookie)
    return client


def _csrf(client: TestClient) -> str:
    return csrf_of(client.get("/account").text)


def _preview(client: TestClient, data: bytes):
    return client.post(
        "/team/import",
        data={"csrf_token": _csrf(client)},
        files={"file": ("team.csv", data, "text/csv")},
    )


def _upload_id(html: str) -> str:
    return parse(html).one("input", name="upload").attrs["value"]


def _employees(db: Session) -> int:
    return db.exec(select(func.count()).select_from(Employee)).one()


def test_the_preview_counts_new_updated_and_broken_rows_and_writes_nothing(
    admin: TestClient, db: Session
) -> None:
    add_employee(
        db,
        name="Петр Иванов",
        email="Petr@Example.com",
        role="closer",
        team="Казань",
        started_on=date(2023, 3, 15),
    )
    db.commit()
    r = _preview(admin, FILE)
    assert r.status_code == 200
    doc = parse(r.text)
    assert "1 новый сотрудник" in doc.one(data_count="new").text
    assert "1 сотрудник" in doc.one(data_count="updated").text
    assert "В 1 строке" in doc.one(data_count="rejected").text
    broken = doc.one("tr", data_row="4").text
    assert "32.13.2023" in broken and "ДД.ММ.ГГГГ" in broken
    db.expire_all()
    assert _employees(db) == 1  # nothing written by the preview

    upload = _upload_id(r.text)
    done = admin.post("/team/import/confirm", data={"csrf_token": _csrf(admin), "upload": upload})
    assert done.status_code == 200 and parse(done.text).one(id="import-done")
    db.expire_all()
    rows = db.exec(
        select(Candidate.name, Employee.role, Employee.team).join(
            Employee, Employee.candidate_id == Candidate.id
        )
    ).all()
    assert sorted(rows) == [
        ("Ольга Белова", "farmer", "Москва"),
        ("Пётр Иванов", "hunter", "Казань"),
    ]
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "employee.import")).one()
    assert event.details == {"created": 1, "updated": 1, "unchanged": 0, "rejected": 1}

    # The same confirmation again (a double click) writes nothing.
    again = admin.post("/team/import/confirm", data={"csrf_token": _csrf(admin), "upload": upload})
    assert again.status_code == 409 and parse(again.text).one(id="import-gone")
    # The same file uploaded and confirmed again changes nothing either.
    second = _preview(admin, FILE)
    assert "0 новых сотрудников" in parse(second.text).one(data_count="new").text
    admin.post(
        "/team/import/confirm",
        data={"csrf_token": _csrf(admin), "upload": _upload_id(second.text)},
    )
    db.expire_all()
    assert _employees(db) == 2


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("ФИО;Почта\nОльга;o@example.com\n".encode(), "нет столбцов"),
        ("name;email;role;start date\n".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04 xlsx", "Excel"),
        (b"", "пуст"),
    ],
)
def test_a_file_that_cannot_be_used_says_why_and_writes_nothing(
    admin: TestClient, db: Session, data: bytes, words: str
) -> None:
    r = _preview(admin, data)
    assert r.status_code == 422
    assert words in parse(r.text).one(id="file-error").text
    assert _employees(db) == 0


def test_a_recruiter_may_not_import_the_team(client: TestClient, db: Session) -> None:
    make_user(db, email="hr@example.com", password=STAFF_PASSWORD, role="recruiter")
    login(client, "hr@example.com", STAFF_PASSWORD)
    assert client.get("/team/import").status_code == 403
    confirm = client.post("/team/import/confirm", data={"csrf_token": _csrf(client), "upload": "x"})
    assert confirm.status_code == 403


def test_the_import_page_is_linked_from_the_team_page_in_russian(admin: TestClient) -> None:
    page = parse(admin.get("/team").text)
    assert page.one("a", href="/team/import").text.strip() == "Загрузить команду из CSV-файла"
    assert admin.get("/team/import").status_code == 200


def test_the_cli_previews_then_imports_the_team(
    tmp_path: Path, db: Session, monkeypatch: pytest.MonkeyPatch, database_url: str, capsys
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("ENV", raising=False)
    path = tmp_path / "team.csv"
    path.write_bytes(FILE)
    assert main(["employees", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "2 new, 0 updated" in out and "row 4:" in out and "nothing changed" in out
    db.expire_all()
    assert _employees(db) == 0
    assert main(["employees", "import", str(path), "--apply"]) == 0
    assert main(["employees", "import", str(path), "--apply"]) == 0
    assert "0 new, 0 updated, 2 unchanged" in capsys.readouterr().out
    db.expire_all()
    assert _employees(db) == 2


def _hand_added(db: Session, name: str) -> Employee:
    return add_employee(
        db, name=name, email=None, role="hunter", team="", started_on=date(2022, 1, 10)
    )


def test_an_employee_added_by_hand_without_an_email_is_found_by_name_not_added_again(
    admin: TestClient, db: Session
) -> None:
    # Spacing and case aside, as the deals import matches names.
    olga = _hand_added(db, "  ольга   БЕЛОВА ")
    db.commit()
    r = _preview(admin, FILE)
    doc = parse(r.text)
    assert "1 новый сотрудник" in doc.one(data_count="new").text  # Пётр only
    assert "1 сотрудник" in doc.one(data_count="updated").text
    row = doc.one("li", data_row="2").text
    assert "olga@example.com" in row and "почта" in row and "Найден по имени" in row
    done = admin.post(
        "/team/import/confirm", data={"csrf_token": _csrf(admin), "upload": _upload_id(r.text)}
    )
    assert done.status_code == 200
    db.expire_all()
    assert _employees(db) == 2
    person = db.exec(select(Candidate).where(Candidate.id == olga.candidate_id)).one()
    assert (person.name, person.email) == ("Ольга Белова", "olga@example.com")
    assert db.get(Employee, olga.id).role == "farmer"
    # From now on the email finds her: the same file again changes nothing.
    again = parse(_preview(admin, FILE).text)
    assert "0 новых сотрудников" in again.one(data_count="new").text
    assert "У 2 сотрудников всё уже как в файле" in again.one(data_count="unchanged").text


def test_a_name_two_employees_without_an_email_share_is_not_guessed(
    admin: TestClient, db: Session
) -> None:
    _hand_added(db, "Ольга Белова")
    _hand_added(db, "Ольга Белова")
    db.commit()
    r = _preview(admin, FILE)
    doc = parse(r.text)
    assert "1 новый сотрудник" in doc.one(data_count="new").text
    assert "0 сотрудников" in doc.one(data_count="updated").text
    assert "В 2 строках" in doc.one(data_count="rejected").text
    reason = doc.one("tr", data_row="2").text
    assert "несколько сотрудников без почты с таким именем" in reason
    assert "olga@example.com" in reason
    admin.post(
        "/team/import/confirm", data={"csrf_token": _csrf(admin), "upload": _upload_id(r.text)}
    )
    db.expire_all()
    assert _employees(db) == 3  # the two by hand, and Пётр
    assert db.exec(select(Candidate).where(Candidate.email == "olga@example.com")).first() is None


def test_two_rows_of_the_name_of_an_employee_without_an_email_are_not_guessed(
    admin: TestClient, db: Session
) -> None:
    _hand_added(db, "Ольга Белова")
    db.commit()
    data = FILE + "Ольга Белова;olga2@example.com;охотник;Казань;01.02.2024;\n".encode("cp1251")
    doc = parse(_preview(admin, data).text)
    assert "0 сотрудников" in doc.one(data_count="updated").text
    for line in ("2", "5"):
        assert "В строках 2, 5 одно и то же имя" in doc.one("tr", data_row=line).text
