"""The audit page shows an event's details in words, in both languages: a label per recorded
key, coded values by their names, an unknown key still readable; the code element only for an
identifier a reader matches elsewhere (an API key's first characters)."""

from __future__ import annotations

import ast
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.audit.details import DETAIL_NAMES, DetailLine, details_in_words
from app.audit.service import record
from tests.factories import make_user
from tests.htmlq import parse
from tests.webflow import STAFF_PASSWORD, login

APP = Path(__file__).resolve().parents[2] / "app"


def shown(details: dict, language: str) -> list[tuple[str, str]]:
    return [(d.label, d.value) for d in details_in_words(details, language)]


def test_counts_and_numbers_read_as_words_in_both_languages() -> None:
    details = {"count": 3, "vacancy_id": 5}
    assert shown(details, "ru") == [("Количество", "3"), ("Вакансия", "#5")]
    assert shown(details, "en") == [("Count", "3"), ("Vacancy", "#5")]
    assert shown({"seconds": 5}, "ru") == [("Пауза", "5 секунд")]
    assert shown({"seconds": 1}, "en") == [("Pause", "1 second")]
    assert shown({"removed": {"answers": 30, "results": 2}}, "ru") == [("Удалено записей", "32")]


def test_coded_values_read_by_their_names() -> None:
    assert shown({"from": "recruiter", "to": "hiring_manager"}, "ru") == [
        ("Было", "Рекрутер"),
        ("Стало", "Руководитель"),
    ]
    assert shown({"role": "farmer"}, "ru") == [("Роль", "фермер (клиентский менеджер)")]
    assert shown({"decision": "advance"}, "en") == [("Decision", "Advance")]
    assert shown({"events": ["assessment.completed", "invitation.expired"]}, "en") == [
        ("Events", "Assessment completed, Invitation expired")
    ]
    fields = shown({"fields": ["legal_entity", "logo"]}, "ru")
    assert fields == [
        ("Изменённые поля", "Юридическое лицо (оператор персональных данных), Логотип")
    ]
    assert shown({"kind": "consent", "language": "ru"}, "en") == [
        ("Text", "Consent to the processing of personal data"),
        ("Language", "Russian"),
    ]
    assert shown({"reason": "retention"}, "ru") == [("Причина", "истёк срок хранения")]
    assert shown({"scope": "read_write"}, "ru")[0][1] == "чтение и запись"


def test_an_unknown_key_still_reads_and_identifiers_stay_as_recorded() -> None:
    assert shown({"new_thing": "x", "flag": True, "ids": [1, 2]}, "en") == [
        ("New thing", "x"),
        ("Flag", "yes"),
        ("Ids", "1, 2"),
    ]
    assert details_in_words({"prefix": "rf_ab12"}, "ru") == [DetailLine("Ключ", "rf_ab12", True)]
    assert details_in_words({}, "ru") == [] and details_in_words(None, "en") == []


def recorded_keys() -> set[str]:
    """Every key the application's source records in an audit event's details."""
    keys: set[str] = set()

    def literal(node: ast.AST | None) -> None:
        if isinstance(node, ast.Dict):
            keys.update(k.value for k in node.keys if isinstance(k, ast.Constant))

    for path in APP.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            passed = isinstance(node, ast.keyword) and node.arg in ("details", "details_base")
            named = isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "details" for t in node.targets
            )
            if passed or named:
                literal(node.value)  # type: ignore[union-attr]
            elif isinstance(node, ast.FunctionDef) and node.name == "audit_details":
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return):
                        literal(ret.value)
    return keys


def test_every_recorded_key_has_a_label() -> None:
    keys = recorded_keys()
    # The scan sees the three ways details are written: a literal, the API key's base, a helper.
    assert {"fields", "api_key_id", "unmatched_names"} <= keys
    assert keys - set(DETAIL_NAMES) == set(), "name these in app.audit.details.DETAIL_NAMES"


def test_the_audit_page_shows_details_in_words_in_russian(client: TestClient, db: Session) -> None:
    admin = make_user(db, email="admin@example.com", password=STAFF_PASSWORD, role="admin")
    record(
        db,
        actor=admin,
        action="invitation.import",
        object_type="vacancy",
        object_id=5,
        vacancy_id=5,
        details={"created": 3, "rejected": 1, "skipped": 0, "reminded": 2},
    )
    record(
        db,
        actor=admin,
        action="api_key.create",
        object_type="api_key",
        object_id=1,
        details={"prefix": "rf_ab12", "scope": "read"},
    )
    db.commit()
    login(client, admin.email, STAFF_PASSWORD)
    page = parse(client.get("/admin/audit?lang=ru").text)
    cells = {
        tr.get("data-action"): tr.one("td", class_="details")
        for tr in page.find_all("tr")
        if tr.get("data-action")
    }
    imported = cells["invitation.import"]
    assert imported.text == (
        "Добавлено: 3 Отклонено строк: 1 Пропущено (уже приглашены): 0 Отправлено напоминаний: 2"
    )
    assert imported.find("code") is None
    key = cells["api_key.create"]
    assert [c.text for c in key.find_all("code")] == ["rf_ab12"]
    assert "Доступ: только чтение" in key.text
