"""The mapping screen: an admin teaches rolefit another CRM's (or 1C's) columns in three steps,
the mapping is kept for the next import, and every wrong step says what to fix."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import AuditEvent, CrmMapping, Deal
from app.outcomes.crm import (
    DealFileError,
    guess_columns,
    guess_stage,
    mapping_from_choices,
    read_table,
    stage_values,
)
from tests.factories import make_user
from tests.htmlq import csrf_of
from tests.webflow import STAFF_PASSWORD, login

# A 1C-like export: none of the ready mappings' titles, an extra column, Russian stages.
ONE_C = (
    "Номер;Контрагент;Менеджер;Сумма документа;Статус;Дата документа;Дата оплаты;Склад\n"
    "А-1;ООО Лес;Ольга Белова;120 000,00;Оплачен;01.03.2026;05.03.2026;Главный\n"
    "А-2;ООО Поле;Пётр Иванов;80 000,00;Отказ клиента;02.03.2026;;Главный\n"
    "А-3;ООО Река;Ольга Белова;15 500,50;Согласование;03.03.2026;;Северный\n"
)


@pytest.fixture
def admin(client: TestClient, db: Session) -> TestClient:
    make_user(db, email="boss@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, "boss@example.com", STAFF_PASSWORD)
    return client


def _csrf(client: TestClient) -> str:
    return csrf_of(client.get("/account").text)


def _upload(client: TestClient, data: bytes):
    return client.post(
        "/team/deals/mapping",
        data={"csrf_token": _csrf(client)},
        files={"file": ("export.csv", data, "text/csv")},
    )


def _upload_id(html: str) -> str:
    found = re.search(r'name="upload" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


COLUMNS = {"deal_id": 0, "company": 1, "responsible": 2, "amount": 3, "stage": 4, "created": 5}


def _stages(client: TestClient, upload: str, name: str = "1С", **columns: int):
    cols = {f"col_{k}": str(v) for k, v in (columns or COLUMNS).items()}
    return client.post(
        "/team/deals/mapping/stages",
        data={"csrf_token": _csrf(client), "upload": upload, "name": name, **cols},
    )


def _save(client: TestClient, upload: str, meanings: dict[str, str], name: str = "1С"):
    data = {"csrf_token": _csrf(client), "upload": upload, "name": name}
    data |= {f"col_{k}": str(v) for k, v in COLUMNS.items()}
    for i, (value, meaning) in enumerate(meanings.items()):
        data[f"value_{i}"], data[f"means_{i}"] = value, meaning
    return client.post("/team/deals/mapping/save", data=data)


MEANINGS = {"Оплачен": "won", "Отказ клиента": "lost", "Согласование": "qualified"}


def test_an_admin_maps_a_1c_export_imports_it_and_finds_the_mapping_next_time(
    admin: TestClient, db: Session
) -> None:
    first = _upload(admin, ONE_C.encode("cp1251"))
    assert first.status_code == 200
    assert "Сумма документа" in first.text and "ООО Лес" in first.text  # the first rows shown
    upload = _upload_id(first.text)
    stages = _stages(admin, upload)
    assert stages.status_code == 200
    for value in MEANINGS:
        assert value in stages.text
    saved = _save(admin, upload, MEANINGS)
    assert saved.status_code == 200, saved.text
    assert "3 new, 0 updated, 0 unchanged" in saved.text
    deals = {d.crm_id: d for d in db.exec(select(Deal).where(Deal.source == "1С"))}
    assert {k: d.outcome for k, d in deals.items()} == {"А-1": "won", "А-2": "lost", "А-3": "open"}
    assert deals["А-3"].qualified and str(deals["А-1"].amount) == "120000.00"
    row = db.exec(select(CrmMapping)).one()
    assert row.columns["responsible"] == "Менеджер" and row.won == ["Оплачен"]
    actions = set(db.exec(select(AuditEvent.action)).all())
    assert {"deals.mapping_save", "deals.import"} <= actions
    # Next time the saved mapping is offered on the import page, and the same file changes nothing.
    page = admin.get("/team/deals").text
    assert 'value="1С"' in page
    again = admin.post(
        "/team/deals",
        data={"csrf_token": _csrf(admin), "mapping": "1С"},
        files={"file": ("export.csv", ONE_C.encode("utf-8"), "text/csv")},
    )
    assert "0 new, 0 updated, 3 unchanged" in again.text


def test_saving_twice_imports_once(admin: TestClient, db: Session) -> None:
    upload = _upload_id(_upload(admin, ONE_C.encode()).text)
    assert _save(admin, upload, MEANINGS).status_code == 200
    second = _save(admin, upload, MEANINGS)
    assert second.status_code == 409
    assert "no longer here" in second.text
    assert db.exec(select(func.count()).select_from(Deal)).one() == 3
    assert db.exec(select(func.count()).select_from(CrmMapping)).one() == 1


@pytest.mark.parametrize(
    ("columns", "name", "message"),
    [
        ({"deal_id": 0, "stage": 4, "created": 5}, "1С", "every required field"),
        ({**COLUMNS, "company": 2}, "1С", "chosen for two fields"),
        (COLUMNS, "bitrix24", "other than bitrix24"),
        (COLUMNS, "<script>", "Give the mapping a name"),
        # A legal choice, even a strange one: that column's values are offered as the stages.
        ({"deal_id": 0, "stage": 1, "responsible": 2, "created": 5}, "1С", None),
    ],
)
def test_a_wrong_column_step_says_what_to_fix_and_keeps_the_choices(
    admin: TestClient, columns: dict[str, int], name: str, message: str | None
) -> None:
    upload = _upload_id(_upload(admin, ONE_C.encode()).text)
    r = _stages(admin, upload, name, **columns)
    if message is None:
        assert r.status_code == 200 and "ООО Поле" in r.text
        return
    assert r.status_code == 422 and message in r.text
    assert "<script>" not in r.text
    assert f'name="upload" value="{upload}"' in r.text  # the file is still there to retry


def test_a_mapping_without_a_won_stage_saves_and_imports_nothing(
    admin: TestClient, db: Session
) -> None:
    upload = _upload_id(_upload(admin, ONE_C.encode()).text)
    r = _save(admin, upload, {"Оплачен": "open", "Отказ клиента": "lost"})
    assert r.status_code == 422 and "won" in r.text
    assert db.exec(select(func.count()).select_from(CrmMapping)).one() == 0
    assert db.exec(select(func.count()).select_from(Deal)).one() == 0
    assert _save(admin, upload, MEANINGS).status_code == 200  # the file waited for the fix


def test_a_broken_row_refuses_the_file_whole_and_saves_no_mapping(
    admin: TestClient, db: Session
) -> None:
    broken = ONE_C + "А-4;ООО Луг;Ольга Белова;дорого;Оплачен;04.03.2026;;Главный\n"
    upload = _upload_id(_upload(admin, broken.encode()).text)
    r = _save(admin, upload, MEANINGS)
    assert r.status_code == 422 and "Row 5:" in r.text
    assert db.exec(select(func.count()).select_from(CrmMapping)).one() == 0
    assert db.exec(select(func.count()).select_from(Deal)).one() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Choose a file"),
        (b"\x00\x01binary", "not a CSV or XLSX"),
        ("Номер;Статус\n".encode(), "no deals"),
        (b"PK\x03\x04broken", "cannot be read"),
    ],
)
def test_a_file_that_cannot_be_mapped_is_refused_with_a_reason(
    admin: TestClient, data: bytes, message: str
) -> None:
    files = {"file": ("export.csv", data, "text/csv")} if data else {"file": ("", b"", "")}
    r = admin.post("/team/deals/mapping", data={"csrf_token": _csrf(admin)}, files=files)
    assert r.status_code == 422 and message in r.text


def test_an_unknown_upload_says_to_upload_again(admin: TestClient) -> None:
    r = _stages(admin, "x" * 32)
    assert r.status_code == 409 and "Upload it again" in r.text


def test_the_saved_mapping_works_from_the_command_line(
    admin: TestClient, db: Session, tmp_path, monkeypatch, database_url: str
) -> None:
    from app.cli import main

    upload = _upload_id(_upload(admin, ONE_C.encode()).text)
    assert _save(admin, upload, MEANINGS).status_code == 200
    changed = ONE_C.replace("15 500,50;Согласование", "15 500,50;Оплачен")
    (tmp_path / "export.csv").write_text(changed, encoding="cp1251")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("ENV", raising=False)
    assert main(["deals", "import", "export.csv", "--mapping", "1С"]) == 0
    db.expire_all()
    outcome = db.exec(select(Deal.outcome).where(Deal.crm_id == "А-3")).one()
    assert outcome == "won"


# --- the pure helpers behind the screen ---------------------------------------------------------


def test_the_first_guess_takes_known_titles_and_never_one_column_twice() -> None:
    header = read_table(ONE_C.encode())[0]
    guess = guess_columns(header)
    assert guess == {
        "deal_id": 0,
        "responsible": 2,
        "amount": 3,
        "stage": 4,
        "company": 1,
        "created": 5,
        "closed": 6,
    }
    bitrix = "ID;Стадия сделки;Сумма;Ответственный;Компания;Дата создания\n"
    assert guess_columns(read_table(bitrix.encode())[0])["stage"] == 1


def test_stage_meanings_are_guessed_cautiously() -> None:
    assert guess_stage("Сделка успешна") == "won"
    assert guess_stage("Закрыто и не реализовано") == "lost"
    assert guess_stage("Квалифицирован") == "qualified"
    assert guess_stage("Оплачен") == "won" and guess_stage("Отказ клиента") == "lost"
    assert guess_stage("Согласование") == "open"


def test_a_column_with_too_many_values_is_not_taken_for_the_stage() -> None:
    rows = "ID;Сумма\n" + "".join(f"{i};{i}\n" for i in range(100))
    table = read_table(rows.encode())
    with pytest.raises(DealFileError):
        stage_values(table, 1)
    assert stage_values(read_table(ONE_C.encode()), 4) == list(MEANINGS)


def test_a_mapping_keeps_the_titles_and_meanings_chosen() -> None:
    header = read_table(ONE_C.encode())[0]
    m = mapping_from_choices(name=" 1С ", header=header, columns=COLUMNS, stages=MEANINGS)
    assert m.name == "1С" and m.columns["amount"] == ("Сумма документа",)
    assert (m.won, m.lost, m.qualified) == (("Оплачен",), ("Отказ клиента",), ("Согласование",))
