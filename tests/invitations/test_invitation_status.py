"""An invitation's status has one definition (app.models._status_tests); its Python side and
its SQL side (the CASE the table sorts by, the WHERE the table and the API filter by) agree
for every combination of dates, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlmodel import Session, select

from app.config import Settings
from app.db import utcnow
from app.models import Invitation, InvitationStatus, invitation_status, status_is, status_sql
from tests.factories import make_invitation, make_vacancy


def test_python_and_sql_agree_on_every_combination_of_dates(
    db: Session, settings: Settings
) -> None:
    now = utcnow().replace(microsecond=0)
    vacancy = make_vacancy(db)
    moments = {"past": now - timedelta(days=1), "now": now, "future": now + timedelta(days=1)}
    for n, (completed, revoked, started, expires) in enumerate(
        itertools.product([False, True], [False, True], [False, True], moments)
    ):
        inv = make_invitation(
            db, settings, vacancy=vacancy, name=f"Person {n}", email=f"p{n}@example.com"
        ).invitation
        inv.completed_at = now - timedelta(hours=1) if completed else None
        inv.revoked_at = now - timedelta(hours=2) if revoked else None
        inv.started_at = now - timedelta(hours=3) if started else None
        inv.expires_at = moments[expires]
        db.add(inv)
    db.commit()
    invitations = db.exec(select(Invitation)).all()
    assert len(invitations) == 24
    python = {inv.id: invitation_status(inv, now) for inv in invitations}
    # Every status occurs, so every branch of the rule is compared.
    assert set(python.values()) == set(InvitationStatus)
    sql_case = dict(db.exec(select(Invitation.id, status_sql(now))).all())
    assert sql_case == {i: s.value for i, s in python.items()}
    for status in InvitationStatus:
        ids = set(db.exec(select(Invitation.id).where(status_is(status, now))).all())
        assert ids == {i for i, s in python.items() if s == status}, status


def test_the_rule_reads_completed_before_revoked_before_expired_before_started(
    db: Session, settings: Settings
) -> None:
    now = utcnow()
    inv = make_invitation(db, settings).invitation
    inv.completed_at = inv.revoked_at = inv.started_at = now
    inv.expires_at = now - timedelta(days=1)
    assert inv.status(now) == InvitationStatus.completed
    inv.completed_at = None
    assert inv.status(now) == InvitationStatus.revoked
    inv.revoked_at = None
    assert inv.status(now) == InvitationStatus.expired
    inv.expires_at = now + timedelta(days=1)
    assert inv.status(now) == InvitationStatus.started
    inv.started_at = None
    assert inv.status(now) == InvitationStatus.invited
