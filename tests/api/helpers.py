"""Completing an assessment through the candidate service (the code the web flow calls)."""

from __future__ import annotations

from sqlmodel import Session

from app.candidate.service import save_answers, submit
from app.db import utcnow
from app.models import Invitation
from questionnaires.loader import product_questionnaires
from tests.factories import answers_for


def complete(db: Session, invitation: Invitation, *, extravert: bool = True) -> None:
    """Answer and submit every questionnaire of the invitation, as a candidate would."""
    catalog = product_questionnaires()
    for qid in invitation.questionnaire_ids:
        q = catalog[qid]
        now = utcnow()
        save_answers(
            db,
            invitation=invitation,
            questionnaire_id=q.id,
            answers=answers_for(q, extravert=extravert),
            now=now,
        )
        submit(db, invitation=invitation, q=q, now=now)
    db.commit()
