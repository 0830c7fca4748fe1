"""One candidate's data exported and erased; the retention policy; each logged."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.cli import main
from app.config import Settings
from app.db import utcnow
from app.models import (
    Answer,
    AuditEvent,
    Candidate,
    Erasure,
    Invitation,
    PageEvent,
    Result,
)
from app.privacy.service import (
    ERASED_NAME,
    KEPT,
    apply_retention,
    candidate_tables,
    due_for_retention,
    erase_candidate,
    export_candidate,
)
from tests.factories import answers_for, ie_questionnaire, make_invitation, make_user, make_vacancy
from tests.webflow import answer_everything, consent, token_of


def _completed(client: TestClient, db: Session, settings: Settings, **kw) -> Invitation:
    new = make_invitation(db, settings, **kw)
    token = token_of(new.link)
    consent(client, token)
    answer_everything(client, token, answers_for(ie_questionnaire()))
    db.expire_all()
    return db.get(Invitation, new.invitation.id)  # type: ignore[return-value]


def test_the_export_holds_every_table_that_refers_to_the_candidate(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, role="admin")
    inv = _completed(client, db, settings, name="Olga <b>Ivanova</b>", email="olga@example.com")
    data = export_candidate(db, candidate_id=inv.candidate_id, actor=admin)
    db.commit()
    assert data["candidate"]["name"] == "Olga <b>Ivanova</b>"
    assert data["candidate"]["email"] == "olga@example.com"
    by_candidate, by_invitation = candidate_tables()
    # New tables referring to a candidate or an invitation are found through the metadata.
    assert {t.name for t, _ in by_candidate + by_invitation} <= set(data["tables"])
    assert {"invitations", "answers", "results", "page_events"} <= set(data["tables"])
    assert len(data["tables"]["answers"]) == len(ie_questionnaire().items)
    assert data["tables"]["invitations"][0]["consent_at"] is not None
    assert "token_hash" not in data["tables"]["invitations"][0]
    json.dumps(data)  # JSON-ready as it is
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "data.export")).all()
    assert [(e.actor_id, e.object_id) for e in events] == [(admin.id, str(inv.candidate_id))]


def test_erasure_removes_personal_data_and_keeps_scores_and_consent(
    client: TestClient, db: Session, settings: Settings
) -> None:
    inv = _completed(client, db, settings, name="Olga Ivanova", email="olga@example.com")
    other = _completed(client, db, settings, name="Pavel", email="pavel@example.com")
    cid = inv.candidate_id
    erasure = erase_candidate(db, candidate_id=cid, actor=None)
    db.commit()
    db.expire_all()
    candidate = db.get(Candidate, cid)
    assert candidate is not None
    assert (candidate.name, candidate.email) == (ERASED_NAME, None)
    assert db.exec(select(Answer).where(Answer.invitation_id == inv.id)).all() == []
    assert db.exec(select(PageEvent).where(PageEvent.invitation_id == inv.id)).all() == []
    # Scores stay for the statistics, the consent stays as proof.
    assert len(db.exec(select(Result).where(Result.invitation_id == inv.id)).all()) == 1
    kept = db.get(Invitation, inv.id)
    assert kept is not None and kept.consent_at is not None and kept.consent_version
    assert erasure.removed["answers"] == len(ie_questionnaire().items)
    assert db.exec(select(Erasure)).one().candidate_id == cid
    # Every table referring to the invitation, except the kept ones, is empty for it.
    _, by_invitation = candidate_tables()
    for table, column in by_invitation:
        if table.name not in KEPT:
            rows = db.execute(table.select().where(table.c[column] == inv.id)).all()
            assert rows == [], table.name
    # The other candidate is untouched.
    assert db.exec(select(Answer).where(Answer.invitation_id == other.id)).all() != []
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "data.erase")).one()
    assert event.object_id == str(cid) and "Olga" not in json.dumps(event.details)


def test_the_erased_candidates_link_stops_working(
    client: TestClient, db: Session, settings: Settings
) -> None:
    new = make_invitation(db, settings)
    token = token_of(new.link)
    assert client.get(f"/a/{token}").status_code == 200
    erase_candidate(db, candidate_id=new.invitation.candidate_id, actor=None)
    db.commit()
    assert client.get(f"/a/{token}").status_code == 404


def test_retention_erases_only_after_every_vacancy_closed_long_enough(
    client: TestClient, db: Session, settings: Settings
) -> None:
    old = make_vacancy(db, title="Closed long ago")
    recent = make_vacancy(db, title="Closed last month")
    open_ = make_vacancy(db, title="Still open")
    # Invited (and one finished) while the vacancies were open; closed afterwards.
    gone = _completed(client, db, settings, vacancy=old, name="Gone")
    stays = make_invitation(db, settings, vacancy=recent, name="Stays").invitation
    also_open = make_invitation(db, settings, vacancy=open_, name="Open").invitation
    now = utcnow()
    old.archived_at = now - timedelta(days=200)
    recent.archived_at = now - timedelta(days=30)
    db.add(old)
    db.add(recent)
    db.commit()
    assert due_for_retention(db, days=180, now=now) == [gone.candidate_id]
    assert apply_retention(db, days=180, now=now) == [gone.candidate_id]
    db.commit()
    assert due_for_retention(db, days=180, now=now) == []  # erased once, not again
    names = {c.id: c.name for c in db.exec(select(Candidate)).all()}
    assert names[gone.candidate_id] == ERASED_NAME
    assert names[stays.candidate_id] == "Stays" and names[also_open.candidate_id] == "Open"
    assert db.exec(select(Erasure)).one().reason == "retention"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Path:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("ENV", raising=False)
    return tmp_path


def test_the_cli_exports_and_erases_on_request(
    cli_env: Path, db: Session, settings: Settings, capsys
) -> None:
    inv = make_invitation(db, settings, name="Olga", email="olga@example.com").invitation
    out = cli_env / "olga.json"
    assert main(["export-candidate", str(inv.candidate_id), "-o", str(out)]) == 0
    assert json.loads(out.read_text())["candidate"]["email"] == "olga@example.com"
    assert main(["erase-candidate", str(inv.candidate_id)]) == 2
    assert "--yes" in capsys.readouterr().err
    assert main(["erase-candidate", str(inv.candidate_id), "--yes"]) == 0
    assert main(["erase-candidate", "999999", "--yes"]) == 2
    db.expire_all()
    assert db.get(Candidate, inv.candidate_id).name == ERASED_NAME  # type: ignore[union-attr]
    assert main(["retention"]) == 0
