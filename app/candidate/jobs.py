"""The candidate's busiest requests as jobs for the writer (``app.writer``): each click's
autosave, each question page shown, each page's form.

A job reads what it needs of the link in one narrow row (not an ORM object), decides, then
writes; it returns a refusal or ``None`` rather than raise, and writes nothing before it
refuses. Statements are built once with bound parameters: building them per request cost more
than running them (bench/load).

The page jobs serve only what they can serve completely: a usable, consented link and a page
that exists. For anything else they return ``None`` and the route takes its full path
(``app/candidate/routes.py``), which says what is wrong.

Consent and finishing run here too: not for speed (once per candidate) but so that no write of
the flow holds SQLite's write lock outside the writer while the writer waits for it (a finish
scores inside its transaction, which stalled every queued answer for tens of milliseconds).
Finishing reuses the scoring services through an ORM session joined to the batch's
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update
from sqlmodel import Session

from app.auth.security import hash_token
from app.candidate.service import (
    FIELD_PREFIX,
    InvalidAnswers,
    PageRef,
    all_answers,
    answer_ms,
    find_link,
    find_page,
    finish,
    flow_pages,
    lock_invitation,
    parse_answers,
    record_page,
    upsert_answers,
)
from app.config import Settings
from app.errors import LinkProblem
from app.models import Invitation, InvitationStatus, invitation_status
from questionnaires.schema import Questionnaire

_INVITATIONS = Invitation.__table__  # type: ignore[attr-defined]
# Marks the invitation active, only while it is not completed. The one write that is also the
# lock: on PostgreSQL it holds the invitation's row until commit (a finish in another tab
# waits, or has already made it match nothing); on SQLite it takes the database's write lock.
# So no answer lands after the result was scored.
_TOUCH = (
    update(_INVITATIONS)
    .where(_INVITATIONS.c.id == bindparam("iid"), _INVITATIONS.c.completed_at.is_(None))
    .values(
        last_activity_at=bindparam("at"),
        started_at=func.coalesce(_INVITATIONS.c.started_at, bindparam("at")),
    )
)
_LINK = select(
    *(
        _INVITATIONS.c[name]
        for name in (
            "id",
            "language",
            "questionnaire_ids",
            "consent_at",
            "started_at",
            "completed_at",
            "revoked_at",
            "expires_at",
        )
    )
).where(_INVITATIONS.c.token_hash == bindparam("token_hash"))
_CONSENT = (
    update(_INVITATIONS)
    .where(_INVITATIONS.c.id == bindparam("iid"), _INVITATIONS.c.consent_at.is_(None))
    .values(consent_at=bindparam("at"), consent_version=bindparam("version"))
)
_OPEN = (InvitationStatus.invited, InvitationStatus.started)


def _link(conn: Connection, token: str) -> Any:
    """The link's row, or None for a token that cannot be one."""
    if not 20 <= len(token) <= 100:
        return None
    return conn.execute(_LINK, {"token_hash": hash_token(token)}).first()


def _usable(conn: Connection, token: str, now: datetime) -> Any:
    """The row of an open, consented link, else None."""
    link = _link(conn, token)
    if link is None or link.consent_at is None or invitation_status(link, now) not in _OPEN:
        return None
    return link


def save_one(
    db: Connection | Session,
    *,
    invitation_id: int,
    language: str,
    q: Questionnaire,
    item_id: str,
    value: object,
    now: datetime,
    ms: object = None,
) -> None:
    """One answer saved as it is given; ``InvalidAnswers`` for anything not valid,
    ``LinkProblem("completed")`` once the assessment is finished (see ``_TOUCH``). ``ms`` is
    the browser's answer time: junk is dropped, never an error."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidAnswers("value must be a whole number")
    answers = parse_answers(q, {FIELD_PREFIX + item_id: str(value)})
    bounded = answer_ms(ms)
    if db.execute(_TOUCH, {"iid": invitation_id, "at": now}).rowcount == 0:  # type: ignore[attr-defined]
        raise LinkProblem("completed", lang=language)
    upsert_answers(
        db,
        invitation_id=invitation_id,
        questionnaire_id=q.id,
        answers=answers,
        now=now,
        item_ms={item_id: bounded} if bounded is not None else {},
    )


@dataclass(frozen=True)
class Refusal:
    """Why an autosave was not stored: the JSON ``error`` and the HTTP status."""

    error: str
    status_code: int


def store_autosave(
    conn: Connection,
    *,
    token: str,
    catalog: Mapping[str, Questionnaire],
    qid: object,
    item_id: object,
    value: object,
    ms: object,
    now: datetime,
) -> Refusal | None:
    """Store one autosaved answer (``POST /a/<token>/save``), or say why not."""
    link = _link(conn, token)
    if link is None:
        return Refusal("unknown", 404)
    status = invitation_status(link, now)
    if status not in _OPEN:
        return Refusal(status.value, 410)
    if link.consent_at is None:
        return Refusal("consent", 409)
    if not isinstance(qid, str) or not isinstance(item_id, str):
        return Refusal("body", 400)
    if qid not in link.questionnaire_ids or qid not in catalog:
        return Refusal("questionnaire", 404)
    try:
        save_one(
            conn,
            invitation_id=link.id,
            language=link.language,
            q=catalog[qid],
            item_id=item_id,
            value=value,
            now=now,
            ms=ms,
        )
    except InvalidAnswers:
        return Refusal("answer", 422)
    except LinkProblem:  # finished meanwhile (another tab)
        return Refusal("completed", 410)
    return None


@dataclass(frozen=True)
class OpenPage:
    """A question page's data: the link's row, the flow, the page, every answer so far."""

    link: Any
    pages: list[PageRef]
    ref: PageRef
    answers: dict[str, dict[str, int]]


def open_page(
    conn: Connection,
    *,
    token: str,
    catalog: Mapping[str, Questionnaire],
    qid: str,
    page: int,
    now: datetime,
) -> OpenPage | None:
    """Read a question page's data and record the time it was shown (``GET /a/<t>/q/..``)."""
    link = _usable(conn, token, now)
    if link is None:
        return None
    pages = flow_pages(link.questionnaire_ids, catalog)
    ref = find_page(pages, qid, page)
    if ref is None:
        return None
    answers = all_answers(conn, invitation_id=link.id)
    record_page(
        conn,
        invitation_id=link.id,
        questionnaire_id=qid,
        page=page - 1,
        kind="view",
        now=now,
        first=link.started_at is None,
    )
    return OpenPage(link, pages, ref, answers)


def store_page(
    conn: Connection,
    *,
    token: str,
    catalog: Mapping[str, Questionnaire],
    qid: str,
    page: int,
    answers: Mapping[str, int],
    now: datetime,
) -> tuple[list[PageRef], PageRef] | None:
    """A page's form (``POST /a/<t>/q/..``): its answers, already checked against the
    questionnaire, and the page's "save" time; the flow and the page for the redirect."""
    link = _usable(conn, token, now)
    if link is None:
        return None
    pages = flow_pages(link.questionnaire_ids, catalog)
    ref = find_page(pages, qid, page)
    if ref is None or set(answers) - set(ref.item_ids):
        return None
    if conn.execute(_TOUCH, {"iid": link.id, "at": now}).rowcount == 0:
        return None  # finished meanwhile (another tab)
    if answers:
        upsert_answers(
            conn,
            invitation_id=link.id,
            questionnaire_id=qid,
            answers=answers,
            now=now,
            item_ms={},
        )
    record_page(
        conn, invitation_id=link.id, questionnaire_id=qid, page=page - 1, kind="save", now=now
    )
    return pages, ref


def give_consent(conn: Connection, *, token: str, version: str, now: datetime) -> bool:
    """Record the candidate's consent (``POST /a/<t>/consent``): True once it is given (now or
    before); False for a link that cannot take it."""
    link = _link(conn, token)
    if link is None or invitation_status(link, now) not in _OPEN:
        return False
    conn.execute(_CONSENT, {"iid": link.id, "at": now, "version": version})
    return True


def finish_assessment(
    conn: Connection,
    *,
    token: str,
    catalog: Mapping[str, Questionnaire],
    settings: Settings,
    now: datetime,
) -> str | LinkProblem:
    """Score what was answered and complete the invitation (``POST /a/<t>/finish``): "done"
    once it is completed (now, or before in another tab), "welcome" without consent, or the
    link's problem. Two finishing at once store one result per questionnaire."""
    with Session(bind=conn) as session:
        try:
            invitation = find_link(session, token, settings=settings, now=now, allow_completed=True)
        except LinkProblem as problem:
            return problem
        if invitation.completed_at is not None:
            return "done"
        if invitation.consent_at is None:
            return "welcome"
        if lock_invitation(session, invitation):
            finish(session, invitation=invitation, catalog=catalog, now=now)
            session.flush()
    return "done"
