"""The dashboard's counts by status, the candidate table (sort, filter, pages), decisions,
the comparison page and the audit log with its append-only guarantee."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from app.audit.service import AuditFilter, record, search
from app.dashboard.service import TableQuery, candidate_table
from app.db import utcnow
from app.invitations.keys import sync_table_keys
from app.models import AuditEvent, Decision, FitRecord, MatrixVersion, VacancyAssignment
from tests.factories import make_invitation, make_user, make_vacancy
from tests.htmlq import csrf_of, parse
from tests.webflow import STAFF_PASSWORD, login


def _fit(db: Session, invitation_id: int, *, placement: str, fit: float, quality: str) -> None:
    matrix = db.exec(select(MatrixVersion)).first()
    if matrix is None:
        matrix = MatrixVersion(label="t", content={}, content_hash="x" * 64, author="file")
        db.add(matrix)
        db.flush()
    assert matrix.id is not None
    db.add(
        FitRecord(
            invitation_id=invitation_id,
            matrix_version_id=matrix.id,
            type_code="ESI",
            type_probability=0.8,
            placement=placement,
            best_role=placement,
            best_fit=fit,
            target_fit=fit,
            too_close=False,
            quality_level=quality,
            data={},
        )
    )
    db.flush()
    # What update_fit does after writing a fit record (this stand-in skips the scoring).
    sync_table_keys(db, invitation_ids=[invitation_id])
    db.commit()


def test_the_dashboard_counts_candidates_by_status(staff: TestClient, db, settings) -> None:
    vacancy = make_vacancy(db, title="Фермер")
    make_invitation(db, settings, vacancy=vacancy, name="A")
    make_invitation(db, settings, vacancy=vacancy, name="B")
    make_invitation(db, settings, vacancy=vacancy, name="C", expired=True)
    done = make_invitation(db, settings, vacancy=vacancy, name="D")
    done.invitation.completed_at = utcnow()
    db.add(done.invitation)
    db.commit()
    row = parse(staff.get("/vacancies").text).one("tr", **{"data-vacancy": str(vacancy.id)})
    counts = {td.get("data-status"): td.text for td in row.find_all("td") if td.get("data-status")}
    assert counts == {
        "invited": "2",
        "started": "0",
        "completed": "1",
        "expired": "1",
        "revoked": "0",
        "total": "4",
    }


def test_a_hiring_manager_sees_only_assigned_vacancies(client, db, settings) -> None:
    manager = make_user(
        db, email="mila.manager@example.com", password=STAFF_PASSWORD, role="hiring_manager"
    )
    mine = make_vacancy(db, title="Мой отдел")
    make_vacancy(db, title="Чужой отдел")
    db.add(VacancyAssignment(vacancy_id=mine.id, user_id=manager.id))
    db.commit()
    login(client, manager.email, STAFF_PASSWORD)
    page = parse(client.get("/vacancies").text)
    assert [tr.get("data-vacancy") for tr in page.find_all("tr") if tr.get("data-vacancy")] == [
        str(mine.id)
    ]
    assert page.find("a", href="/vacancies/new") is None


def test_the_table_sorts_filters_and_pages_in_the_database(db, settings) -> None:
    vacancy = make_vacancy(db)
    ids = []
    for n, (placement, fit, quality) in enumerate(
        [("farmer", 90, "good"), ("hunter", 40, "doubtful"), ("farmer", 70, "good")]
    ):
        new = make_invitation(db, settings, vacancy=vacancy, name=f"Кандидат {n}")
        new.invitation.completed_at = utcnow() + timedelta(seconds=n)
        db.add(new.invitation)
        db.commit()
        assert new.invitation.id is not None
        _fit(db, new.invitation.id, placement=placement, fit=fit, quality=quality)
        ids.append(new.invitation.id)
    make_invitation(db, settings, vacancy=vacancy, name="Без результата")
    assert vacancy.id is not None
    now = utcnow()

    def table(**params: str) -> list[str]:
        page = candidate_table(db, vacancy_id=vacancy.id, query=TableQuery.parse(params), now=now)
        return [r.name for r in page.rows]

    assert table(sort="fit") == ["Кандидат 0", "Кандидат 2", "Кандидат 1", "Без результата"]
    assert table(sort="fit", dir="asc") == [
        "Кандидат 1",
        "Кандидат 2",
        "Кандидат 0",
        "Без результата",
    ]
    assert table(placement="farmer", sort="name", dir="asc") == ["Кандидат 0", "Кандидат 2"]
    assert table(quality="doubtful") == ["Кандидат 1"]
    assert table(status="invited") == ["Без результата"]
    assert table(sort="nonsense", status="bogus") == table()  # unknown values: defaults
    paged = candidate_table(
        db, vacancy_id=vacancy.id, query=TableQuery.parse({"page": "2"}), now=now, page_size=3
    )
    assert (paged.total, paged.pages, paged.page, len(paged.rows)) == (4, 2, 2, 1)


def test_a_decision_is_recorded_kept_in_history_and_shown_in_the_table(
    client, db, settings
) -> None:
    manager = make_user(
        db, email="mila.manager@example.com", password=STAFF_PASSWORD, role="hiring_manager"
    )
    vacancy = make_vacancy(db)
    new = make_invitation(db, settings, vacancy=vacancy, name="Олег")
    db.add(VacancyAssignment(vacancy_id=vacancy.id, user_id=manager.id))
    db.commit()
    login(client, manager.email, STAFF_PASSWORD)
    url = f"/invitations/{new.invitation.id}/decision"
    for decision, note in [("hold", "Ждём рекомендации"), ("advance", "На второе интервью")]:
        csrf = csrf_of(client.get(url).text)
        r = client.post(url, data={"decision": decision, "note": note, "csrf_token": csrf})
        assert r.status_code == 200  # redirected to the table
    bad = client.post(url, data={"decision": "hire!", "csrf_token": csrf})
    assert bad.status_code == 422
    rows = db.exec(select(Decision).order_by(Decision.id)).all()  # type: ignore[arg-type]
    assert [(d.decision, d.current) for d in rows] == [("hold", False), ("advance", True)]
    page = parse(client.get(f"/vacancies/{vacancy.id}/candidates").text)
    cell = page.one("tr", **{"data-invitation": str(new.invitation.id)}).one(
        "td", **{"data-col": "decision"}
    )
    assert cell.find("span", class_="decision-advance") is not None
    filtered = parse(client.get(f"/vacancies/{vacancy.id}/candidates?decision=reject").text)
    assert filtered.find("tr", **{"data-invitation": str(new.invitation.id)}) is None
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "decision.record")).first()
    assert event is not None and event.actor_email == manager.email


def test_comparison_takes_two_to_five_candidates_of_the_vacancy(staff, db, settings) -> None:
    vacancy = make_vacancy(db)
    other = make_vacancy(db)
    a = make_invitation(db, settings, vacancy=vacancy, name="Анна").invitation.id
    b = make_invitation(db, settings, vacancy=vacancy, name="Борис").invitation.id
    stranger = make_invitation(db, settings, vacancy=other, name="Чужой").invitation.id
    url = f"/vacancies/{vacancy.id}/compare"
    page = staff.get(f"{url}?id={a}&id={b}&id={stranger}")
    assert page.status_code == 200
    heads = [th.text for th in parse(page.text).one("table", class_="compare").find_all("th")]
    assert "Анна" in heads and "Борис" in heads and "Чужой" not in heads
    one = staff.get(f"{url}?id={a}")  # the report's "Compare with…" sends one: pick the others
    assert one.status_code == 200 and "Choose from 2 to 5" in one.text
    assert "has finished the assessment yet" in one.text  # neither has finished
    six = "&".join(
        f"id={make_invitation(db, settings, vacancy=vacancy, name=f'N{i}').invitation.id}"
        for i in range(6)
    )
    assert staff.get(f"{url}?{six}").status_code == 422


def test_compare_with_offers_the_vacancys_finished_candidates_to_pick(staff, db, settings) -> None:
    vacancy = make_vacancy(db)
    done = []
    for name in ("Анна", "Борис"):
        invitation = make_invitation(db, settings, vacancy=vacancy, name=name).invitation
        invitation.completed_at = utcnow()
        db.add(invitation)
        done.append(invitation.id)
    make_invitation(db, settings, vacancy=vacancy, name="Вера")  # not finished: not offered
    db.commit()
    page = staff.get(f"/vacancies/{vacancy.id}/compare?id={done[0]}")
    assert page.status_code == 200
    boxes = dict(re.findall(r'name="id" value="(\d+)" ?(checked)?', page.text))
    assert boxes == {str(done[0]): "checked", str(done[1]): ""}
    assert "Вера" not in page.text


def test_the_audit_log_refuses_updates_and_deletes(db) -> None:
    event = record(db, actor=None, action="report.view", object_type="invitation", object_id=1)
    db.commit()
    for statement in (
        "UPDATE audit_events SET action = 'nothing' WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(statement), {"id": event.id})
        db.rollback()
    assert db.exec(select(AuditEvent)).one().action == "report.view"


def test_deleting_a_user_keeps_their_events_with_the_email(db) -> None:
    user = make_user(db, email="gone.user@example.com")
    record(db, actor=user, action="user.create", object_type="user", object_id=5)
    db.commit()
    db.delete(user)
    db.commit()
    event = db.exec(select(AuditEvent)).one()
    assert (event.actor_id, event.actor_email) == (None, "gone.user@example.com")


def test_admins_filter_the_audit_log(client, db) -> None:
    admin = make_user(db, email="boss.admin@example.com", password=STAFF_PASSWORD, role="admin")
    record(db, actor=admin, action="vacancy.export_csv", object_type="vacancy", object_id=3)
    record(db, actor=None, action="report.view", object_type="invitation", object_id=9)
    db.commit()
    found = search(db, where=AuditFilter(action="vacancy.export_csv"))
    assert [e.object_id for e in found.events] == ["3"]
    assert search(db, where=AuditFilter(actor="boss")).total == 1
    login(client, admin.email, STAFF_PASSWORD)
    page = parse(client.get("/admin/audit?action=report.view&from=2000-01-01").text)
    assert [tr.get("data-action") for tr in page.find_all("tr") if tr.get("data-action")] == [
        "report.view"
    ]
    assert client.get("/admin/audit?from=not-a-date").status_code == 200


def test_an_admin_creates_a_user_changes_the_role_and_deactivates(client, db) -> None:
    admin = make_user(db, email="boss.admin@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, admin.email, STAFF_PASSWORD)
    csrf = csrf_of(client.get("/admin/users").text)
    weak = client.post(
        "/admin/users",
        data={"email": "new.hm@example.com", "role": "hiring_manager", "password": "short"},
    )
    assert weak.status_code == 403  # no CSRF token: refused before anything
    weak = client.post(
        "/admin/users",
        data={
            "email": "new.hm@example.com",
            "role": "hiring_manager",
            "password": "short",
            "csrf_token": csrf,
        },
    )
    assert weak.status_code == 422
    assert parse(weak.text).one("p", id="password-error")
    good = {
        "email": "new.hm@example.com",
        "full_name": "Нина Котова",
        "role": "hiring_manager",
        "password": "plum violin harbour seventeen",
        "csrf_token": csrf,
    }
    assert client.post("/admin/users", data=good).status_code == 200
    from app.models import User

    new = db.exec(select(User).where(User.email == "new.hm@example.com")).one()
    assert new.role == "hiring_manager"
    client.post(f"/admin/users/{new.id}/role", data={"role": "recruiter", "csrf_token": csrf})
    client.post(f"/admin/users/{new.id}/active", data={"active": "no", "csrf_token": csrf})
    db.refresh(new)
    assert (new.role, new.is_active) == ("recruiter", False)
    actions = [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]  # type: ignore[arg-type]
    assert actions == ["user.create", "user.role", "user.deactivate"]
    # An admin cannot lock themselves out.
    assert (
        client.post(f"/admin/users/{admin.id}/active", data={"active": "no", "csrf_token": csrf})
    ).status_code == 422
