"""Decisions on candidates: advance, hold or reject, with a note. History is kept; the newest
is ``current`` and is what the candidate table shows."""

from __future__ import annotations

from sqlmodel import Session, col, select, update

from app.i18n import N_
from app.invitations.keys import sync_table_keys
from app.models import Decision, DecisionKind, Invitation, User

NOTE_MAX = 2000


class DecisionError(Exception):
    """A message id, translated by the page."""


def record_decision(
    session: Session, *, invitation: Invitation, author: User, decision: str, note: str
) -> Decision:
    note = note.strip()
    if decision not in {d.value for d in DecisionKind}:
        raise DecisionError(N_("Choose advance, hold or reject."))
    if len(note) > NOTE_MAX:
        raise DecisionError(N_("The note is too long: at most 2000 characters."))
    assert invitation.id is not None
    session.exec(
        update(Decision)
        .where(col(Decision.invitation_id) == invitation.id, col(Decision.current))
        .values(current=False)
    )
    row = Decision(
        invitation_id=invitation.id,
        decision=decision,
        note=note,
        author_id=author.id,
        author_email=author.email,
        current=True,
    )
    session.add(row)
    session.flush()
    sync_table_keys(session, invitation_ids=[invitation.id])
    return row


def decision_history(session: Session, *, invitation_id: int) -> list[Decision]:
    """Every decision on the invitation, newest first."""
    return list(
        session.exec(
            select(Decision)
            .where(Decision.invitation_id == invitation_id)
            .order_by(col(Decision.id).desc())
        ).all()
    )


def current_decision(session: Session, *, invitation_id: int) -> Decision | None:
    return session.exec(
        select(Decision).where(Decision.invitation_id == invitation_id, col(Decision.current))
    ).first()
