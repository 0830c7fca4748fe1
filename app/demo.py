"""Demo candidates for `rolefit demo` (which `make run` calls): a vacancy's table and reports
to look at on a fresh install, and one open link to try the candidate's side.

The candidates are fictional. Their answers come from ``questionnaires.simulate`` (consistent
respondents leaning towards a type's poles) and go through the same services as a real
candidate's: consent, saved answers, finish (scoring, fit, table keys). They are loaded only
when the demo vacancy is first created, and never with ENV=production (the command refuses).
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlmodel import Session

from app.candidate.service import finish, record_consent, save_answers
from app.config import Settings
from app.db import utcnow
from app.models import User, Vacancy
from app.staff.service import invite_candidate
from questionnaires.schema import Questionnaire
from questionnaires.simulate import leaning_answers
from socionics.model import get_type

# (name, socionics type, extravert on the IE questionnaire, consistency of the answers):
# a likely client manager, a hunter, the universal type, a type the matrix advises against,
# and a careless, self-contradicting one.
COMPLETED = (
    ("Анна Смирнова", "ESI", False, 0.85),
    ("Игорь Волков", "SLE", True, 0.85),
    ("Мария Ким", "ESE", True, 0.8),
    ("Олег Левин", "ILI", False, 0.85),
    ("Павел Орлов", "LSI", False, 0.6),
)
NOT_STARTED = "Вы (демо-кандидат)"


def add_demo_candidates(
    session: Session,
    *,
    settings: Settings,
    vacancy: Vacancy,
    admin: User,
    catalog: dict[str, Questionnaire],
) -> str:
    """Five completed candidates and one who has not started; returns that one's link."""
    rng = random.Random(2026)  # noqa: S311  (fictional answers, the same on every install)
    now = utcnow()
    for n, (name, code, extravert, consistency) in enumerate(COMPLETED):
        when = now - timedelta(days=len(COMPLETED) - n)
        new = invite_candidate(
            session, settings=settings, vacancy=vacancy, name=name, created_by=admin, now=when
        )
        invitation = new.invitation
        record_consent(session, invitation=invitation, now=when, version=settings.consent_version)
        poles = get_type(code).poles
        for qid in invitation.questionnaire_ids:
            q = catalog[qid]
            if qid == "introversion_extraversion":
                lean = {d.scale: extravert for d in q.dichotomies}
            else:
                lean = {d.scale: poles[d.id] == d.high.code for d in q.dichotomies}
            answers = leaning_answers(q, lean, rng=rng, consistency=consistency)
            save_answers(
                session, invitation=invitation, questionnaire_id=qid, answers=answers, now=when
            )
        finish(session, invitation=invitation, catalog=catalog, now=when + timedelta(minutes=25))
    return invite_candidate(
        session, settings=settings, vacancy=vacancy, name=NOT_STARTED, created_by=admin
    ).link
