"""Employees who left: the daily retention run erases their personal data and assessment
RETENTION_DAYS_AFTER_LEAVING days after their end date, with an erasure record and an audit
event; their deals stay, without a name. The run's clock is moved by hand (tests/clock.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings
from app.models import (
    Answer,
    AuditEvent,
    Candidate,
    Deal,
    Employee,
    Erasure,
    FitRecord,
    Invitation,
    Result,
)
from app.outcomes.service import hire
from app.privacy.service import ERASED_NAME, apply_retention, due_for_retention, leavers_due
from app.privacy.worker import run_retention
from tests.clock import Clock
from tests.factories import answers_for, ie_questionnaire, make_invitation, make_vacancy
from tests.webflow import answer_everything, consent, token_of

DAY = 24 * 3600.0


def _when(clock: Clock) -> datetime:
    return datetime.fromtimestamp(clock(), UTC)


def _hired(
    client: TestClient, db: Session, settings: Settings, *, name: str, ended_on: date | None
) -> Employee:
    new = make_invitation(db, settings, name=name, email=f"{name.lower()}@example.com")
    token = token_of(new.link)
    consent(client, token)
    answer_everything(client, token, answers_for(ie_questionnaire()))
    db.expire_all()
    invitation = db.get(Invitation, new.invitation.id)
    assert invitation is not None and invitation.completed_at is not None
    row = hire(db, invitation=invitation, role="farmer", team="North", started_on=date(2024, 1, 1))
    row.ended_on = ended_on
    db.add(row)
    db.add(
        Deal(
            source="bitrix24",
            crm_id=f"d-{name}",
            employee_id=row.id,
            outcome="won",
            created_on=date(2025, 3, 1),
            company="Forest LLC",
        )
    )
    db.commit()
    return row


def test_an_employee_who_left_long_enough_ago_is_erased_by_the_daily_run(
    client: TestClient, db: Session, settings: Settings
) -> None:
    clock = Clock(now=datetime(2026, 6, 1, 3, 0, tzinfo=UTC).timestamp())
    left = _hired(client, db, settings, name="Leaver", ended_on=date(2025, 6, 1))
    stays = _hired(client, db, settings, name="Stayer", ended_on=None)
    recent = _hired(client, db, settings, name="Recent", ended_on=date(2026, 1, 10))
    left_cid, left_inv = left.candidate_id, left.invitation_id
    # 365 days after 2025-06-01 is 2026-06-01: not yet more than that.
    assert leavers_due(db, days=365, now=_when(clock)) == []
    clock.now += DAY
    now = _when(clock)
    assert leavers_due(db, days=365, now=now) == [left_cid]
    # The hiring vacancy's own rule never takes an employee, even when the vacancy closed.
    assert due_for_retention(db, days=0, now=now + timedelta(days=1)) == []

    assert run_retention(db, days=180, now=now, leaver_days=365) == [left_cid]
    db.expire_all()
    person = db.get(Candidate, left_cid)
    assert person is not None and (person.name, person.email) == (ERASED_NAME, None)
    assert db.exec(select(Employee).where(Employee.candidate_id == left_cid)).first() is None
    # The assessment goes too: no answers, results or fit record of the leaver's link.
    for table in (Answer, Result, FitRecord):
        assert db.exec(select(table).where(table.invitation_id == left_inv)).all() == []
    # The deal stays for the team's figures, with no one's name on it.
    deal = db.exec(select(Deal).where(Deal.crm_id == "d-Leaver")).one()
    assert (deal.employee_id, deal.responsible) == (None, "")
    erasure = db.exec(select(Erasure)).one()
    assert (erasure.candidate_id, erasure.reason) == (left_cid, "retention")
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "data.erase")).one()
    assert event.object_id == str(left_cid) and event.actor_id is None
    assert event.details["reason"] == "retention" and event.details["scores_kept"] is False

    # The others keep everything; a second run erases nobody twice.
    for kept in (stays, recent):
        assert db.get(Employee, kept.id) is not None
        assert db.exec(select(Result).where(Result.invitation_id == kept.invitation_id)).all()
    clock.now += DAY
    assert apply_retention(db, days=180, now=_when(clock), leaver_days=365) == []
    assert len(db.exec(select(Erasure)).all()) == 1


def test_a_closed_vacancy_still_erases_its_candidates_who_were_not_hired(
    client: TestClient, db: Session, settings: Settings
) -> None:
    old = make_vacancy(db, title="Closed long ago")
    hired = make_invitation(db, settings, vacancy=old, name="Hired", email="h@example.com")
    other = make_invitation(db, settings, vacancy=old, name="Other", email="o@example.com")
    db.add(
        Employee(
            candidate_id=hired.invitation.candidate_id, role="hunter", started_on=date(2025, 1, 1)
        )
    )
    old = db.merge(old)
    clock = Clock(now=datetime(2026, 6, 1, tzinfo=UTC).timestamp())
    old.archived_at = _when(clock) - timedelta(days=200)
    db.add(old)
    db.commit()
    assert due_for_retention(db, days=180, now=_when(clock)) == [other.invitation.candidate_id]
