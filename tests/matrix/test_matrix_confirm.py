"""Saving the matrix takes two steps: the editor's form shows, in words, what would change
(nothing is stored), and only the confirmation page's form saves. A second click on the
confirmation saves nothing more, and a confirmation counted against a version that is no
longer in force is shown again instead of saved."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.matrix.service import current
from app.models import AuditEvent, MatrixVersion
from tests.factories import make_user
from tests.htmlq import form_fields, parse
from tests.matrix.test_matrix_versions import edited_form
from tests.webflow import STAFF_PASSWORD, login


@pytest.fixture
def admin(client: TestClient, db: Session):
    user = make_user(db, email="admin@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, user.email, STAFF_PASSWORD)
    current(db)  # the file's version, stored before the pages are opened
    db.commit()
    return user


def _versions(db: Session) -> int:
    db.expire_all()
    return len(db.exec(select(MatrixVersion)).all())


def _edits(db: Session) -> int:
    db.expire_all()
    return len(db.exec(select(AuditEvent).where(AuditEvent.action == "matrix.edit")).all())


def test_the_editor_shows_the_changes_in_words_and_saves_nothing(
    client: TestClient, db: Session, admin
) -> None:
    page = client.get("/admin/matrix?lang=ru")
    changes = {"fit-ESI-farmer": "40", "group-LII": "client_operations", "note": "проверка"}
    r = client.post("/admin/matrix", data=edited_form(page.text, **changes))
    assert r.status_code == 200
    assert _versions(db) == 1 and _edits(db) == 0  # nothing stored yet
    shown = parse(r.text)
    rows = {row.get("data-change") for row in shown.one("table", id="changes").find_all("tr")[1:]}
    assert rows == {"ESI-farmer", "LII-group"}
    summary = shown.one("ul", id="matrix-summary")
    group = summary.one("li", **{"data-summary": "group"}).text
    assert group == (
        "ЛИИ (LII) переходит из группы «не для продаж» в группу «клиентская и операционная работа»."
    )
    fit = summary.one("li", **{"data-summary": "fit"}).text
    assert fit.startswith("Меняется 1 оценка соответствия") and "ЭСИ" in fit and "→ 40" in fit
    assert summary.one("li", **{"data-summary": "types"}).text == "Всего затронуты 2 типа."
    # The roles and groups are named in words, never by their codes.
    assert "client_operations" not in summary.text and "farmer" not in summary.text
    assert "проверка" in r.text


def test_confirming_saves_once_and_a_second_click_saves_nothing(
    client: TestClient, db: Session, admin
) -> None:
    page = client.get("/admin/matrix")
    r = client.post("/admin/matrix", data=edited_form(page.text, **{"fit-ESI-farmer": "40"}))
    confirm = {**form_fields(r.text, id="matrix-confirm-form"), "confirm": "yes"}
    first = client.post("/admin/matrix", data=confirm, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/admin/matrix?saved=1"
    assert _versions(db) == 2 and _edits(db) == 1
    assert current(db).matrix.types["ESI"].fit["farmer"] == 40
    again = client.post("/admin/matrix", data=confirm, follow_redirects=False)
    assert again.status_code == 303
    assert _versions(db) == 2 and _edits(db) == 1  # the double click did nothing


def test_a_confirmation_for_a_version_no_longer_in_force_is_shown_again(
    client: TestClient, db: Session, admin
) -> None:
    page = client.get("/admin/matrix")
    mine = client.post("/admin/matrix", data=edited_form(page.text, **{"fit-ESI-farmer": "40"}))
    mine_confirm = {**form_fields(mine.text, id="matrix-confirm-form"), "confirm": "yes"}
    # Another admin saves a different change in the meantime.
    theirs = client.post("/admin/matrix", data=edited_form(page.text, **{"fit-LII-scout": "30"}))
    client.post(
        "/admin/matrix",
        data={**form_fields(theirs.text, id="matrix-confirm-form"), "confirm": "yes"},
    )
    assert _versions(db) == 2  # theirs is saved
    r = client.post("/admin/matrix", data=mine_confirm)
    assert r.status_code == 200
    page = parse(r.text)
    assert page.one(id="matrix-moved")
    # Against the version in force now, mine changes ESI/farmer and undoes LII/scout.
    rows = {row.get("data-change") for row in page.one("table", id="changes").find_all("tr")[1:]}
    assert rows == {"ESI-farmer", "LII-scout"}
    assert _versions(db) == 2 and current(db).matrix.types["ESI"].fit["farmer"] != 40


def test_back_to_editing_keeps_the_edits_and_an_unchanged_form_saves_nothing(
    client: TestClient, db: Session, admin
) -> None:
    page = client.get("/admin/matrix")
    r = client.post("/admin/matrix", data=edited_form(page.text, **{"fit-ESI-farmer": "40"}))
    back = {**form_fields(r.text, id="matrix-confirm-form"), "action": "edit"}
    editor = client.post("/admin/matrix", data=back)
    assert editor.status_code == 200
    assert parse(editor.text).one("input", id="fit-ESI-farmer").get("value") == "40"
    assert _versions(db) == 1
    same = client.post("/admin/matrix", data=edited_form(page.text), follow_redirects=False)
    assert same.headers["location"] == "/admin/matrix?unchanged=1"
    shown = parse(client.get(same.headers["location"]).text)
    assert shown.one(id="matrix-unchanged")
    assert _versions(db) == 1 and _edits(db) == 0


def test_the_version_page_names_the_changed_cells_in_words(
    client: TestClient, db: Session, admin
) -> None:
    page = client.get("/admin/matrix?lang=ru")
    r = client.post("/admin/matrix", data=edited_form(page.text, **{"fit-ESI-farmer": "40"}))
    client.post(
        "/admin/matrix", data={**form_fields(r.text, id="matrix-confirm-form"), "confirm": "yes"}
    )
    newest = db.exec(select(MatrixVersion).order_by(col(MatrixVersion.id).desc())).first()
    assert newest is not None
    table = parse(client.get(f"/admin/matrix/versions/{newest.id}").text).one("table", id="changes")
    assert "Соответствие роли «фермер (клиентский менеджер)»" in table.text
