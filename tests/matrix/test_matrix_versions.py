"""The role-fit matrix: the file seeds version 1, admin edits make versions with author and time,
results keep the version they were scored with until re-scored, bad input saves nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.cli import main
from app.matrix.service import current, form_values
from app.models import FitRecord, MatrixVersion
from socionics.matrix import ROLES, default_matrix
from socionics.model import type_codes
from tests.factories import make_user
from tests.htmlq import csrf_of, parse
from tests.matrix.matrixhelpers import rescore, save_matrix
from tests.reports.test_report_fit import complete
from tests.webflow import STAFF_PASSWORD, login


@pytest.fixture
def admin(client: TestClient, db: Session):
    user = make_user(db, email="admin@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, user.email, STAFF_PASSWORD)
    return user


def edited_form(page_text: str, **changes: str) -> dict[str, str]:
    form = form_values(default_matrix())
    form.update(changes)
    form["csrf_token"] = csrf_of(page_text)
    return form


def test_the_file_is_the_first_version_and_the_matrix_in_force(db: Session) -> None:
    in_force = current(db)
    assert in_force.version.author == "file"
    assert in_force.version.content_hash == default_matrix().content_hash()
    current(db)
    assert len(db.exec(select(MatrixVersion)).all()) == 1  # stored once


def test_an_edited_file_becomes_a_new_version_at_the_next_use(db: Session, tmp_path: Path) -> None:
    """The parsed file is cached by modification time and size: an edit must still be seen."""
    from app.matrix.service import sync_file
    from socionics.matrix import MATRIX_FILE

    path = tmp_path / "role_fit.yaml"
    original = Path(MATRIX_FILE).read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    assert sync_file(db, path=path) is not None  # first sight: stored
    assert sync_file(db, path=path) is None  # unchanged: nothing new
    path.write_text(original + "\n# reviewed again\n", encoding="utf-8")
    assert sync_file(db, path=path) is None  # a comment changes no content: nothing new
    edited = original.replace("version:", "version: edited-", 1)
    assert edited != original
    path.write_text(edited, encoding="utf-8")
    row = sync_file(db, path=path)
    assert row is not None and row.label.startswith("edited-")


def test_an_admin_edit_makes_a_new_version_with_author_and_time(
    client: TestClient, db: Session, admin
) -> None:
    page = client.get("/admin/matrix")
    assert page.status_code == 200
    r = save_matrix(
        client,
        edited_form(page.text, **{"fit-ESI-hunter": "55", "note": "ESI hunts a little"}),
        follow_redirects=False,
    )
    assert r.status_code == 303
    rows = db.exec(select(MatrixVersion).order_by(MatrixVersion.id)).all()  # type: ignore[arg-type]
    assert len(rows) == 2
    new = rows[-1]
    assert new.author == admin.email and new.created_by_id == admin.id
    assert new.created_at is not None and new.note == "ESI hunts a little"
    assert new.content["types"]["ESI"]["fit"]["hunter"] == 55
    history = parse(client.get("/admin/matrix").text).one("table", id="versions")
    assert len(history.find_all("tr", **{"data-version": str(new.id)})) == 1
    diff = parse(client.get(f"/admin/matrix/versions/{new.id}").text).one("table", id="changes")
    assert "55" in diff.text


def test_invalid_matrix_input_shows_errors_and_stores_nothing(
    client: TestClient, db: Session, admin
) -> None:
    page = client.get("/admin/matrix")
    r = client.post(
        "/admin/matrix",
        data=edited_form(
            page.text, **{"fit-ESE-scout": "150", "fit-LII-farmer": "abc", "reason_en-SLE": ""}
        ),
    )
    assert r.status_code == 422
    form = parse(r.text)
    assert form.one("input", id="fit-ESE-scout").get("aria-invalid") == "true"
    assert form.one("input", id="fit-ESE-scout").get("value") == "150"  # nothing lost
    assert form.one("input", id="fit-LII-farmer").get("aria-invalid") == "true"
    assert form.one("textarea", id="reason_en-SLE").get("aria-invalid") == "true"
    assert form.one(id="matrix-errors")
    assert len(db.exec(select(MatrixVersion)).all()) == 1


def test_group_sizes_unlike_the_book_are_allowed_with_a_warning(
    client: TestClient, db: Session, admin
) -> None:
    page = client.get("/admin/matrix")
    r = save_matrix(client, edited_form(page.text, **{"group-LII": "client_operations"}))
    assert r.status_code == 200
    assert parse(r.text).find_all(id="matrix-warning")
    assert len(db.exec(select(MatrixVersion)).all()) == 2


def test_the_matrix_editor_is_for_admins_only(staff: TestClient) -> None:
    assert staff.get("/admin/matrix").status_code == 403
    assert staff.post("/admin/matrix/rescore", data={}).status_code in (400, 403)


def test_a_result_keeps_its_matrix_version_until_re_scored(
    client: TestClient, db: Session, settings, admin
) -> None:
    invitation_id = complete(client, db, settings, type_code="ESI")
    first = db.exec(select(FitRecord)).one()
    old_version = first.matrix_version_id
    page = client.get("/admin/matrix")
    save_matrix(client, edited_form(page.text, **{"fit-ESI-farmer": "40"}))
    db.expire_all()
    record = db.exec(select(FitRecord)).one()
    assert record.matrix_version_id == old_version  # the edit does not move old results
    report = parse(client.get(f"/invitations/{invitation_id}/report").text)
    assert report.one(id="matrix-version").get("data-matrix-version") == str(old_version)

    r = rescore(client, follow_redirects=True)
    assert parse(r.text).one(id="rescored")
    db.expire_all()
    record = db.exec(select(FitRecord)).one()
    assert record.matrix_version_id != old_version and record.rescored_at is not None
    assert record.matrix_version_id == current(db).version.id
    report = parse(client.get(f"/invitations/{invitation_id}/report").text)
    assert report.one(id="matrix-version").get("data-matrix-version") == str(
        record.matrix_version_id
    )


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, db: Session) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", database_url)


def test_rolefit_matrix_json_prints_the_matrix_in_force(env, capsys) -> None:
    assert main(["matrix", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert sorted(data) == sorted(type_codes())
    for entry in data.values():
        assert set(entry) == {"group", "fit"}
        assert set(entry["fit"]) == set(ROLES)
        assert all(isinstance(v, int) and 0 <= v <= 100 for v in entry["fit"].values())
    assert data["ESE"]["group"] == "universal"


def test_rolefit_rescore_reports_what_it_did(env, capsys) -> None:
    assert main(["rescore"]) == 0
    assert "re-scored 0 results" in capsys.readouterr().out


def test_rolefit_validate_runs_on_the_public_data(env, capsys) -> None:
    data = Path(__file__).resolve().parents[2] / ".." / "shared" / "validation"
    if not (data / "oejts" / "data.csv").is_file():
        pytest.skip("../shared/validation is absent")
    assert main(["validate", "--data", str(data)]) == 0
    assert "All exact checks passed." in capsys.readouterr().out
