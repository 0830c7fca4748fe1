""" "Re-score everything" asks first: its page counts, from a dry run of the same computation,
how many stored results would change their type, placement and fit, and changes nothing.
Confirming changes exactly what was counted; a second click changes nothing more."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.matrix.service import current
from app.models import AuditEvent, FitRecord
from tests.factories import make_user
from tests.htmlq import form_fields, parse
from tests.matrix.matrixhelpers import save_matrix
from tests.matrix.test_matrix_versions import edited_form
from tests.reports.test_report_fit import complete
from tests.webflow import STAFF_PASSWORD, login


@pytest.fixture
def admin(client: TestClient, db: Session):
    user = make_user(db, email="admin@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, user.email, STAFF_PASSWORD)
    return user


def _records(db: Session) -> dict[int, tuple[int, str, str, int, object]]:
    db.expire_all()
    return {
        r.invitation_id: (
            r.matrix_version_id,
            r.type_code,
            r.placement,
            round(r.target_fit if r.target_fit is not None else r.best_fit),
            r.rescored_at,
        )
        for r in db.exec(select(FitRecord)).all()
    }


def _counts(html: str) -> dict[str, int]:
    """The counts the page states; a count it leaves out (no type changes) is zero."""
    items = parse(html).one("ul", id="rescore-counts").find_all("li")
    shown = {li.get("data-count") or "": int(li.get("data-value") or "") for li in items}
    for li in items:  # the sentence says the number its data attribute gives
        value = li.get("data-value") or ""
        assert value == "0" or value in re.findall(r"\d+", li.text), li.text
    return {"type": 0, "placement": 0, "fit": 0, "unchanged": 0, "new": 0} | shown


def _rescores(db: Session) -> list[AuditEvent]:
    db.expire_all()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == "matrix.rescore")).all())


@pytest.fixture
def scored(client: TestClient, db: Session, settings, admin) -> list[int]:
    """Three results scored with the file's matrix, then a matrix edit that moves ESI's fit
    for a farmer vacancy far down (its placement with it) and leaves the others' alone."""
    ids = [
        complete(client, db, settings, type_code="ESI"),
        complete(client, db, settings, type_code="ESI"),
        complete(client, db, settings, type_code="LIE", placement="hunter"),
    ]
    page = client.get("/admin/matrix")
    save_matrix(client, edited_form(page.text, **{"fit-ESI-farmer": "10"}))
    return ids


def test_the_confirmation_counts_what_would_change_and_changes_nothing(
    client: TestClient, db: Session, scored: list[int]
) -> None:
    before = _records(db)
    r = client.get("/admin/matrix/rescore")
    assert r.status_code == 200
    counts = _counts(r.text)
    assert counts["total"] == 3
    assert counts["placement"] == 2 and counts["fit"] == 2 and counts["type"] == 0
    assert counts["unchanged"] == 1
    changed = parse(r.text).one("table", id="rescore-changes").find_all("tr")[1:]
    assert len(changed) == 2
    assert _records(db) == before  # the dry run wrote nothing
    assert _rescores(db) == []
    # Posting without the confirmation's field shows the same question, and changes nothing.
    again = client.post(
        "/admin/matrix/rescore",
        data={"csrf_token": form_fields(r.text, id="rescore-form")["csrf_token"]},
    )
    assert again.status_code == 200 and _counts(again.text) == counts
    assert _records(db) == before


def test_confirming_changes_what_was_counted_once(
    client: TestClient, db: Session, scored: list[int]
) -> None:
    before = _records(db)
    page = client.get("/admin/matrix/rescore")
    counts = _counts(page.text)
    fields = form_fields(page.text, id="rescore-form")
    r = client.post("/admin/matrix/rescore", data=fields, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/matrix?rescored=3"
    after = _records(db)
    in_force = current(db).version.id
    assert all(rec[0] == in_force for rec in after.values())
    moved = {
        name: sum(before[i][k] != after[i][k] for i in before)
        for name, k in (("type", 1), ("placement", 2), ("fit", 3))
    }
    assert moved == {"type": counts["type"], "placement": counts["placement"], "fit": counts["fit"]}
    [event] = _rescores(db)
    assert event.details["rescored"] == counts["total"]
    # A double click: nothing is left to re-score, nothing is written or audited again.
    twice = client.post("/admin/matrix/rescore", data=fields, follow_redirects=False)
    assert twice.status_code == 303
    assert _records(db) == after and len(_rescores(db)) == 1
    done = parse(client.get("/admin/matrix/rescore").text)
    assert done.one(id="rescore-nothing") and not done.find("form", id="rescore-form")


def test_a_confirmation_for_another_matrix_is_asked_again(
    client: TestClient, db: Session, scored: list[int]
) -> None:
    before = _records(db)
    page = client.get("/admin/matrix/rescore")
    fields = form_fields(page.text, id="rescore-form")
    # The matrix changes after the figures were counted.
    editor = client.get("/admin/matrix")
    save_matrix(client, edited_form(editor.text, **{"fit-ESI-farmer": "20"}))
    r = client.post("/admin/matrix/rescore", data=fields)
    assert r.status_code == 200 and parse(r.text).one(id="rescore-moved")
    assert _records(db) == before and _rescores(db) == []


def test_the_russian_counts_agree_with_their_numbers(
    client: TestClient, db: Session, scored: list[int]
) -> None:
    r = client.get("/admin/matrix/rescore?lang=ru")
    counts = parse(r.text).one("ul", id="rescore-counts")
    assert counts.one("li", **{"data-count": "total"}).text == "Будут пересчитаны 3 результата."
    button = parse(r.text).one("form", id="rescore-form").one("button")
    assert button.text == "Пересчитать 3 результата"
