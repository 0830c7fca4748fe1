"""The candidate funnel of one vacancy: invited, opened, consented, started, completed; where
those who stopped stopped; how long completing took; what candidates said.

Steps count invitations, whatever their status now (a revoked or expired link still was
invited, and maybe opened). "Opened" is the first view of the welcome page (``opened_at``,
recorded since issue 15); an invitation consented before that column existed counts as opened,
since consent is given on that page. "Started" is the first answer. A candidate who stopped is
placed at the last questionnaire page they were shown (``page_events``), or before the
questions: on the welcome page (opened, no consent) or after consent, before any page.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.models import AssessmentRating, Invitation, PageEvent

RATING_MIN, RATING_MAX = 1, 5
COMMENT_MAX = 2000


@dataclass(frozen=True)
class Step:
    code: str  # invited | opened | consented | started | completed
    count: int
    share: float | None  # of the invited; None when nobody was invited


@dataclass(frozen=True)
class StopPlace:
    code: str  # welcome | before_questions | page
    questionnaire_id: str | None
    page: int | None
    count: int


@dataclass(frozen=True)
class Funnel:
    steps: list[Step]
    stops: list[StopPlace]  # where those who have not completed stopped, most first
    median_minutes: float | None  # from the first answer to completion
    completed_timed: int  # how many completions the median is of
    ratings: int
    average_rating: float | None
    rating_counts: dict[int, int]
    comments: list[tuple[datetime, int | None, str]]  # newest first


def vacancy_funnel(session: Session, *, vacancy_id: int) -> Funnel:
    invitations = session.exec(select(Invitation).where(Invitation.vacancy_id == vacancy_id)).all()
    ids = [i.id for i in invitations if i.id is not None]
    invited = len(invitations)
    opened = sum(1 for i in invitations if i.opened_at or i.consent_at)
    consented = sum(1 for i in invitations if i.consent_at)
    started = sum(1 for i in invitations if i.started_at)
    completed = sum(1 for i in invitations if i.completed_at)

    def share(n: int) -> float | None:
        return n / invited if invited else None

    steps = [
        Step(code, n, share(n))
        for code, n in (
            ("invited", invited),
            ("opened", opened),
            ("consented", consented),
            ("started", started),
            ("completed", completed),
        )
    ]

    last_page: dict[int, tuple[str, int]] = {}
    if ids:
        events = session.exec(
            select(PageEvent.invitation_id, PageEvent.questionnaire_id, PageEvent.page)
            .where(col(PageEvent.invitation_id).in_(ids), PageEvent.kind == "view")
            .order_by(col(PageEvent.at), col(PageEvent.id))
        ).all()
        for invitation_id, qid, page in events:
            last_page[invitation_id] = (qid, page + 1)  # stored from 0; pages read from 1
    stops: dict[tuple[str, str | None, int | None], int] = {}
    for i in invitations:
        if i.completed_at is not None or i.id is None:
            continue
        if i.consent_at is None:
            if i.opened_at is None:
                continue  # never came: not a drop-off on a page
            key: tuple[str, str | None, int | None] = ("welcome", None, None)
        elif i.id in last_page:
            qid, page = last_page[i.id]
            key = ("page", qid, page)
        else:
            key = ("before_questions", None, None)
        stops[key] = stops.get(key, 0) + 1
    stop_list = [
        StopPlace(code, qid, page, n)
        for (code, qid, page), n in sorted(stops.items(), key=lambda kv: (-kv[1], str(kv[0])))
    ]

    durations = [
        (i.completed_at - i.started_at).total_seconds() / 60
        for i in invitations
        if i.completed_at is not None and i.started_at is not None
    ]
    ratings = (
        session.exec(
            select(AssessmentRating)
            .where(col(AssessmentRating.invitation_id).in_(ids))
            .order_by(col(AssessmentRating.created_at).desc())
        ).all()
        if ids
        else []
    )
    scored = [r.rating for r in ratings if r.rating is not None]
    return Funnel(
        steps=steps,
        stops=stop_list,
        median_minutes=statistics.median(durations) if durations else None,
        completed_timed=len(durations),
        ratings=len(scored),
        average_rating=statistics.fmean(scored) if scored else None,
        rating_counts={n: scored.count(n) for n in range(RATING_MIN, RATING_MAX + 1)},
        comments=[(r.created_at, r.rating, r.comment) for r in ratings if r.comment],
    )
