"""Demo candidates for `rolefit demo` (which `make run` calls): a vacancy's table and reports
to look at on a fresh install, and one open link to try the candidate's side.

The candidates are fictional. Their answers come from ``questionnaires.simulate`` (consistent
respondents leaning towards a type's poles) and go through the same services as a real
candidate's: consent, page times, saved answers, finish (scoring, fit, table keys). They are
loaded only when the demo vacancy is first created, and never with ENV=production (the command
refuses).

The careless candidate answers the extraversion questionnaire with care, then clicks through
the socionics one: at random, about 1.4 s per item, two of its three attention checks answered
wrongly. Those are exactly the flags the report shows ("too fast", "attention checks",
"answers follow no direction"), and together they make the socionics answers unusable.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlmodel import Session

from app.candidate.service import finish, record_consent, record_page, save_answers
from app.config import Settings
from app.db import utcnow
from app.invitations.invite import invite_candidate
from app.models import User, Vacancy
from questionnaires.quality import assess_quality
from questionnaires.schema import Questionnaire
from questionnaires.simulate import leaning_answers, random_answers
from socionics.model import get_type

# (name, socionics type, extravert on the IE questionnaire, consistency of the answers, the
# questionnaire answered carelessly or None): a likely client manager, a hunter, the universal
# type, a type the matrix advises against, and a careless one.
COMPLETED: tuple[tuple[str, str, bool, float, str | None], ...] = (
    ("Анна Смирнова", "ESI", False, 0.85, None),
    ("Игорь Волков", "SLE", True, 0.85, None),
    ("Мария Ким", "ESE", True, 0.8, None),
    ("Олег Левин", "ILI", False, 0.85, None),
    ("Павел Орлов", "LSI", False, 0.85, "socionics_16"),
)
NOT_STARTED = "Вы (демо-кандидат)"
# Seconds per item: a careful reader, and the careless candidate (below the 2 s of
# questionnaires.quality.FAST_DOUBTFUL_SECONDS, above its 1 s for unusable).
CAREFUL_SECONDS = (6.0, 10.0)
CARELESS_SECONDS = 1.4
# What the careless answers must show, and nothing else.
CARELESS_FLAGS = {"too_fast", "attention_failed", "random_like"}


def careless_answers(q: Questionnaire, *, rng: random.Random) -> dict[str, int]:
    """Random clicks with the first two attention checks missed. A random draw can by chance
    also look like yea-saying or like contradicting pairs; the demo shows one clear case, so
    draws are taken until the answers show just random clicking and the missed checks."""
    checks = [i for i in q.items if i.attention_check is not None]
    for _ in range(200):
        answers = random_answers(q, rng=rng)
        for n, item in enumerate(checks):
            assert item.attention_check is not None
            right = item.attention_check.expected
            wrong = right % q.points_of(item) + 1
            answers[item.id] = wrong if n < 2 else right
        codes = {f.code for f in assess_quality(q, answers).flags}
        if codes == CARELESS_FLAGS - {"too_fast"}:
            return answers
    raise RuntimeError(f"{q.id}: no careless draw shows exactly {sorted(CARELESS_FLAGS)}")


def _page_times(
    session: Session,
    *,
    invitation_id: int,
    q: Questionnaire,
    start: datetime,
    seconds_per_item: float | None,
    rng: random.Random,
) -> datetime:
    """A view and a save per page, as the candidate's pages record them; returns the end."""
    at = start
    for page, ids in enumerate(q.pages()):
        per_item = seconds_per_item or rng.uniform(*CAREFUL_SECONDS)
        for kind in ("view", "save"):
            if kind == "save":
                at += timedelta(seconds=per_item * len(ids))
            record_page(
                session.connection(),
                invitation_id=invitation_id,
                questionnaire_id=q.id,
                page=page,
                kind=kind,
                now=at,
            )
        at += timedelta(seconds=2)
    return at


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
    for n, (name, code, extravert, consistency, careless) in enumerate(COMPLETED):
        when = now - timedelta(days=len(COMPLETED) - n)
        new = invite_candidate(
            session, settings=settings, vacancy=vacancy, name=name, created_by=admin, now=when
        )
        invitation = new.invitation
        record_consent(session, invitation=invitation, now=when, version=settings.consent_version)
        assert invitation.id is not None
        poles = get_type(code).poles
        at = when
        for qid in invitation.questionnaire_ids:
            q = catalog[qid]
            if qid == careless:
                answers = careless_answers(q, rng=rng)
            elif qid == "introversion_extraversion":
                lean = {d.scale: extravert for d in q.dichotomies}
                answers = leaning_answers(q, lean, rng=rng, consistency=consistency)
            else:
                lean = {d.scale: poles[d.id] == d.high.code for d in q.dichotomies}
                answers = leaning_answers(q, lean, rng=rng, consistency=consistency)
            end = _page_times(
                session,
                invitation_id=invitation.id,
                q=q,
                start=at,
                seconds_per_item=CARELESS_SECONDS if qid == careless else None,
                rng=rng,
            )
            save_answers(
                session, invitation=invitation, questionnaire_id=qid, answers=answers, now=at
            )
            at = end
        finish(session, invitation=invitation, catalog=catalog, now=at)
    return invite_candidate(
        session, settings=settings, vacancy=vacancy, name=NOT_STARTED, created_by=admin
    ).link
