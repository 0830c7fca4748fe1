"""Audit events for the matrix (edit, re-score: web and CLI), API keys and webhook endpoints
(pages and CLI) and CLI invitations; the admin filter's action list names every action the code
records; the admin-only pages go through the central permission table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.audit.service import ACTIONS
from app.auth.permissions import ACTIONS as PERMISSIONS
from app.cli import CLI_ACTOR, main
from app.matrix.service import current
from app.models import ApiKey, AuditEvent, EmailStatus, OutgoingEmail, WebhookEndpoint
from tests.factories import make_user, make_vacancy
from tests.htmlq import csrf_of, parse
from tests.matrix.matrixhelpers import rescore, save_matrix
from tests.matrix.test_matrix_versions import edited_form
from tests.reports.test_report_fit import complete
from tests.webflow import STAFF_PASSWORD, login

APP = Path(__file__).resolve().parents[2] / "app"


@pytest.fixture
def admin(client: TestClient, db: Session):
    user = make_user(db, email="root@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, user.email, STAFF_PASSWORD)
    return user


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, db: Session) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)


def events(db: Session, action: str | None = None) -> list[AuditEvent]:
    db.expire_all()
    query = select(AuditEvent).order_by(col(AuditEvent.id))
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(db.exec(query).all())


def csrf(client: TestClient, path: str) -> str:
    return csrf_of(client.get(path).text)


# --- the matrix ----------------------------------------------------------------------------


def test_a_matrix_edit_is_audited_and_an_unchanged_save_is_not(
    client: TestClient, db: Session, admin
) -> None:
    first = current(db).version.id
    db.commit()  # storing the file's version takes SQLite's write lock until then
    page = client.get("/admin/matrix")
    save_matrix(client, edited_form(page.text, **{"fit-ESI-hunter": "55"}))
    page = client.get("/admin/matrix")
    save_matrix(client, edited_form(page.text, **{"fit-ESI-hunter": "55"}))
    [event] = events(db, "matrix.edit")
    new = current(db).version
    assert (event.actor_id, event.object_type, event.object_id) == (admin.id, "matrix", str(new.id))
    assert event.details == {"label": new.label, "previous_version_id": first}


def test_a_rescore_from_the_page_is_audited_with_its_count(
    client: TestClient, db: Session, settings, admin
) -> None:
    complete(client, db, settings, type_code="ESI")
    page = client.get("/admin/matrix")
    save_matrix(client, edited_form(page.text, **{"fit-ESI-farmer": "40"}))
    rescore(client)
    [event] = events(db, "matrix.rescore")
    in_force = current(db).version
    assert (event.actor_email, event.object_id) == (admin.email, str(in_force.id))
    assert event.details == {"label": in_force.label, "rescored": 1}


def test_rolefit_rescore_is_audited_as_the_command_line(env, db: Session, capsys) -> None:
    assert main(["rescore"]) == 0
    [event] = events(db, "matrix.rescore")
    assert event.actor_id is None and event.actor_email == CLI_ACTOR
    assert event.object_id == str(current(db).version.id) and event.details["rescored"] == 0


# --- API keys and webhooks -----------------------------------------------------------------


def test_api_key_create_and_revoke_on_the_page_are_audited(
    client: TestClient, db: Session, admin
) -> None:
    token = csrf(client, "/admin/api-keys")
    client.post("/admin/api-keys", data={"csrf_token": token, "name": "ATS", "scope": "read"})
    key = db.exec(select(ApiKey)).one()
    client.post(f"/admin/api-keys/{key.id}/revoke", data={"csrf_token": token})
    made, revoked = events(db, "api_key.create"), events(db, "api_key.revoke")
    assert [(e.actor_id, e.object_type, e.object_id) for e in made + revoked] == [
        (admin.id, "api_key", str(key.id))
    ] * 2
    assert made[0].details == {"prefix": key.prefix, "scope": "read"}
    assert revoked[0].details == {"prefix": key.prefix}


def test_rolefit_api_key_create_and_revoke_are_audited(env, db: Session, capsys) -> None:
    assert main(["api-key", "create", "--name", "ATS", "--scope", "read_write"]) == 0
    key = db.exec(select(ApiKey)).one()
    assert main(["api-key", "revoke", str(key.id)]) == 0
    rows = events(db)
    assert [(e.action, e.object_id, e.actor_email) for e in rows] == [
        ("api_key.create", str(key.id), CLI_ACTOR),
        ("api_key.revoke", str(key.id), CLI_ACTOR),
    ]


def test_webhook_create_disable_enable_and_test_are_audited(
    client: TestClient, db: Session, admin
) -> None:
    token = csrf(client, "/admin/webhooks")
    r = client.post(
        "/admin/webhooks",
        data={
            "csrf_token": token,
            "url": "https://ats.example.com/hook?token=private",
            "events": ["assessment.completed"],
        },
    )
    assert r.status_code == 201
    endpoint = db.exec(select(WebhookEndpoint)).one()
    base = f"/admin/webhooks/{endpoint.id}"
    client.post(f"{base}/active", data={"csrf_token": token, "active": "no"})
    client.post(f"{base}/active", data={"csrf_token": token, "active": "no"})  # no change
    client.post(f"{base}/active", data={"csrf_token": token, "active": "yes"})
    client.post(f"{base}/test", data={"csrf_token": token})
    rows = events(db)
    assert [(e.action, e.object_type, e.object_id, e.actor_id) for e in rows] == [
        (action, "webhook_endpoint", str(endpoint.id), admin.id)
        for action in ("webhook.create", "webhook.disable", "webhook.enable", "webhook.test")
    ]
    assert rows[0].details == {"events": ["assessment.completed"]}
    assert "private" not in str([e.details for e in rows])  # the URL stays out of the log
    assert isinstance(rows[-1].details["event_id"], int)


# --- the CLI's invitations -----------------------------------------------------------------


def test_rolefit_invite_queues_the_email_and_is_audited(env, db: Session, capsys) -> None:
    vacancy = make_vacancy(db)
    code = main(
        ["invite", "--vacancy", str(vacancy.id), "--name", "Ivan", "--email", "ivan@example.com"]
    )
    assert code == 0
    out = capsys.readouterr()
    assert re.fullmatch(r"\S+/a/[A-Za-z0-9_-]{43}", out.out.strip())
    assert "queued" in out.err
    email = db.exec(select(OutgoingEmail)).one()
    assert email.to_email == "ivan@example.com" and email.status == EmailStatus.queued
    [event] = events(db, "invitation.create")
    assert event.actor_email == CLI_ACTOR and event.vacancy_id == vacancy.id
    assert event.object_id == str(email.invitation_id)


def test_rolefit_invite_refuses_an_implausible_address(env, db: Session, capsys) -> None:
    vacancy = make_vacancy(db)
    code = main(["invite", "--vacancy", str(vacancy.id), "--name", "Ivan", "--email", "ivan@x"])
    assert code == 2 and "email" in capsys.readouterr().err
    assert events(db) == [] and db.exec(select(OutgoingEmail)).all() == []


# --- one list of actions, one permission table ---------------------------------------------


def recorded_actions() -> set[str]:
    """Every action string the application passes to ``record(..., action=...)`` or to an
    ``Audit`` (``audit("vacancy.close", vacancy)``)."""
    found: set[str] = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if isinstance(node.func, ast.Call):  # cli_audit(session)("action", ...)
                name = getattr(node.func.func, "id", "")
            values = [kw.value for kw in node.keywords if kw.arg == "action"]
            if name in ("audit", "Audit", "cli_audit") and node.args:  # audit("action", target)
                values.append(node.args[0])
            for value in values if name in ("record", "audit", "Audit", "cli_audit") else []:
                for const in ast.walk(value):
                    if isinstance(const, ast.Constant) and isinstance(const.value, str):
                        found.add(const.value)
    # The exports pass their action through a helper; its literals look like "vacancy.export_*".
    for path in APP.rglob("*.py"):
        found |= set(re.findall(r'"(vacancy\.export_\w+|report\.export_\w+)"', path.read_text()))
    return found


def test_the_audit_filter_offers_every_recorded_action() -> None:
    recorded = recorded_actions()
    for action in ("matrix.rescore", "api_key.create", "webhook.test", "user.login_locked"):
        assert action in recorded  # the scan itself works
    assert recorded - set(ACTIONS) == set()
    assert len(ACTIONS) == len(set(ACTIONS))


def test_the_admin_page_filter_lists_the_new_actions(client: TestClient, db: Session, admin):
    page = parse(client.get("/admin/audit").text)
    offered = {o.get("value") for o in page.find_all("option") if o.get("value")}
    assert {"matrix.rescore", "webhook.disable", "data.export", "user.password_change"} <= offered


def test_integrations_matrix_and_statistics_are_admin_actions() -> None:
    for action in ("integrations.manage", "matrix.edit", "stats.view"):
        assert PERMISSIONS[action] == {"admin"}


NAV_LINKS = {"/admin/api-keys", "/admin/matrix", "/admin/stats"}


def nav_links(client: TestClient) -> set[str]:
    page = parse(client.get("/vacancies").text)
    return {a.get("href") for a in page.one("nav", class_="nav").find_all("a")} & NAV_LINKS


def test_only_admins_see_the_admin_links(client: TestClient, db: Session) -> None:
    for role in ("admin", "recruiter", "hiring_manager"):
        email = f"{role}@example.com".replace("_", "")
        make_user(db, email=email, password=STAFF_PASSWORD, role=role)
        client.cookies.clear()
        login(client, email, STAFF_PASSWORD)
        assert nav_links(client) == (NAV_LINKS if role == "admin" else set()), role
