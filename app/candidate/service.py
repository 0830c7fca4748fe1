"""The candidate's assessment: link resolution, consent, saving answers, scoring on submit.

Scoring is the engine's (``questionnaires.engine``); this module only collects what it needs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Connection, Insert, bindparam, func, insert, update
from sqlmodel import Session, col, select

from app.db import Prepared, upsert_insert
from app.invitations.keys import sync_table_keys
from app.models import Answer, Invitation, PageEvent, Result
from app.scoring.service import (
    calibration_for,
    correlation_for,
    self_knowledge_for,
    update_fit,
)
from app.webhooks import service as webhooks
from questionnaires.engine import check_answer, score
from questionnaires.result import Result as EngineResult
from questionnaires.result import Timing
from questionnaires.schema import Questionnaire

# The default consent version; the running one is Settings.consent_version (see consent.py).
CONSENT_VERSION = "2026-12"
FIELD_PREFIX = "item-"
# A browser-reported answer time outside 0 ms .. 1 h is junk (a clock jump, a tab left open
# overnight, a forged request) and is dropped; the answer itself is still saved.
ANSWER_MS_MAX = 3_600_000


class InvalidAnswers(Exception):
    """A submitted value that no item accepts (unknown item, not an integer, out of range)."""


@dataclass(frozen=True)
class Submission:
    missing: list[str]  # item ids still unanswered; empty when the result was stored
    result: EngineResult | None


def lock_invitation(session: Session, invitation: Invitation) -> bool:
    """Serialise writers of one invitation (two tabs, two instances): on PostgreSQL a row lock
    until commit; SQLite allows one writer at a time anyway. False when it is completed."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(Invitation).where(Invitation.id == invitation.id).with_for_update())
    session.refresh(invitation)
    return invitation.completed_at is None


def record_consent(
    session: Session, *, invitation: Invitation, now: datetime, version: str = CONSENT_VERSION
) -> None:
    if invitation.consent_at is None:
        invitation.consent_at = now
        invitation.consent_version = version
        session.add(invitation)
        session.flush()


def finished_questionnaires(session: Session, invitation_id: int) -> set[str]:
    rows = session.exec(
        select(Result.questionnaire_id).where(Result.invitation_id == invitation_id)
    ).all()
    return set(rows)


def next_questionnaire(session: Session, invitation: Invitation) -> str | None:
    assert invitation.id is not None
    done = finished_questionnaires(session, invitation.id)
    return next((q for q in invitation.questionnaire_ids if q not in done), None)


_PAGE_EVENT = Prepared(
    insert(PageEvent.__table__),  # type: ignore[attr-defined]
    column_keys=["invitation_id", "questionnaire_id", "page", "kind", "at"],
)
_INVITATIONS = Invitation.__table__  # type: ignore[attr-defined]
_STARTED = (
    update(_INVITATIONS)
    .where(_INVITATIONS.c.id == bindparam("iid"), _INVITATIONS.c.started_at.is_(None))
    .values(started_at=bindparam("at"))
)


def record_page(
    db: Connection,
    *,
    invitation_id: int,
    questionnaire_id: str,
    page: int,
    kind: str,
    now: datetime,
    first: bool = False,
) -> None:
    """Server time of a page shown ("view") or saved ("save"), for per-page timing; ``first``
    (the invitation has no start yet) also marks it started."""
    params = {
        "invitation_id": invitation_id,
        "questionnaire_id": questionnaire_id,
        "page": page,
        "kind": kind,
        "at": now,
    }
    _PAGE_EVENT.execute(db, params)
    if first:
        db.execute(_STARTED, {"iid": invitation_id, "at": now})


def parse_answers(q: Questionnaire, form: Mapping[str, object]) -> dict[str, int]:
    """The ``item-<id>`` fields of a form as answers; any invalid value rejects them all."""
    answers: dict[str, int] = {}
    for name, raw in form.items():
        if not name.startswith(FIELD_PREFIX):
            continue
        item_id = name.removeprefix(FIELD_PREFIX)
        text = raw.strip() if isinstance(raw, str) else ""
        if not text.isdecimal() or len(text) > 3:
            raise InvalidAnswers(f"{item_id}: not a whole number")
        try:
            check_answer(q, item_id, int(text))
        except ValueError as exc:
            raise InvalidAnswers(str(exc)) from exc
        answers[item_id] = int(text)
    return answers


@cache
def _result_insert(dialect: str) -> Insert:
    """Store a questionnaire's result unless one is stored (built once: a finish's statements
    run in the writer, where every candidate's save waits behind them)."""
    stmt = upsert_insert(dialect, Result.__table__)  # type: ignore[attr-defined]
    return stmt.on_conflict_do_nothing(index_elements=["invitation_id", "questionnaire_id"])


_ANSWER_KEYS = ["invitation_id", "questionnaire_id", "item_id", "value", "answered_at", "answer_ms"]


@cache
def _answers_upsert(dialect: str) -> Prepared:
    """Insert answers, or overwrite the item's earlier answer."""
    table = Answer.__table__  # type: ignore[attr-defined]
    stmt = upsert_insert(dialect, table)
    excluded = stmt.excluded
    upsert = stmt.on_conflict_do_update(
        index_elements=["invitation_id", "questionnaire_id", "item_id"],
        set_={
            "value": excluded.value,
            "answered_at": excluded.answered_at,
            # The page's form re-sends every answer of the page without times: keep the time
            # the autosave stored rather than erase it.
            "answer_ms": func.coalesce(excluded.answer_ms, table.c.answer_ms),
        },
    )
    return Prepared(upsert, column_keys=_ANSWER_KEYS)


def upsert_answers(
    db: Connection,
    *,
    invitation_id: int | None,
    questionnaire_id: str,
    answers: Mapping[str, int],
    now: datetime,
    item_ms: Mapping[str, int],
) -> None:
    rows = [
        {
            "invitation_id": invitation_id,
            "questionnaire_id": questionnaire_id,
            "item_id": item_id,
            "value": value,
            "answered_at": now,
            "answer_ms": item_ms.get(item_id),
        }
        for item_id, value in answers.items()
    ]
    _answers_upsert(db.dialect.name).execute(db, rows)


def save_answers(
    session: Session,
    *,
    invitation: Invitation,
    questionnaire_id: str,
    answers: Mapping[str, int],
    now: datetime,
    item_ms: Mapping[str, int] | None = None,
) -> None:
    """Upsert answers; ``item_ms`` holds the browser's answer times (already bounded)."""
    if not answers:
        return
    upsert_answers(
        session.connection(),
        invitation_id=invitation.id,
        questionnaire_id=questionnaire_id,
        answers=answers,
        now=now,
        item_ms=item_ms or {},
    )
    invitation.last_activity_at = now
    if invitation.started_at is None:
        invitation.started_at = now
    session.add(invitation)
    session.flush()


# Finishing reads these inside the writer's batch (app/candidate/jobs.py): columns, not ORM
# objects, and statements built once.
_STORED = select(Answer.item_id, Answer.value).where(
    Answer.invitation_id == bindparam("iid"), Answer.questionnaire_id == bindparam("qid")
)
_EVENTS = (
    select(PageEvent.page, PageEvent.kind, PageEvent.at)
    .where(
        PageEvent.invitation_id == bindparam("iid"), PageEvent.questionnaire_id == bindparam("qid")
    )
    .order_by(col(PageEvent.at), col(PageEvent.id))
)


def stored_answers(
    session: Session, *, invitation_id: int, questionnaire_id: str
) -> dict[str, int]:
    rows = session.execute(_STORED, {"iid": invitation_id, "qid": questionnaire_id})
    return {item_id: value for item_id, value in rows}


def answer_ms(raw: object) -> int | None:
    """A browser-reported answer time in whole milliseconds, or None when it is missing or junk
    (not a finite number, negative, above an hour)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    if not math.isfinite(raw) or not 0 <= raw <= ANSWER_MS_MAX:
        return None
    return round(raw)


_ITEM_MS = select(Answer.item_id, Answer.answer_ms).where(
    Answer.invitation_id == bindparam("iid"),
    Answer.questionnaire_id == bindparam("qid"),
    col(Answer.answer_ms).is_not(None),
)


def stored_item_ms(
    session: Session, *, invitation_id: int, questionnaire_id: str
) -> dict[str, int]:
    rows = session.execute(_ITEM_MS, {"iid": invitation_id, "qid": questionnaire_id})
    return {item_id: ms for item_id, ms in rows if ms is not None}


def page_timing(session: Session, *, invitation_id: int, q: Questionnaire) -> tuple[Timing, int]:
    """Per-page seconds (from each view to the save that follows it), the browser's per-item
    milliseconds where it reported them, and the total seconds."""
    events = session.execute(_EVENTS, {"iid": invitation_id, "qid": q.id}).all()
    pages = len(q.pages())
    # A page never shown and saved through the pages (answers that came another way) has no
    # measured time: None, so the quality check does not read it as answered in 0 s.
    seconds: list[float | None] = [None] * pages
    viewed: dict[int, datetime] = {}
    for e in events:
        if e.kind == "view":
            viewed.setdefault(e.page, e.at)
        elif e.kind == "save" and e.page in viewed and 0 <= e.page < pages:
            seconds[e.page] = (seconds[e.page] or 0.0) + (e.at - viewed.pop(e.page)).total_seconds()
    total = (events[-1].at - events[0].at).total_seconds() if events else 0.0
    # Only the scored items' times: the optional self-descriptions enter no timing rule.
    items = {item.id for item in q.items}
    item_ms = {
        k: v
        for k, v in stored_item_ms(
            session, invitation_id=invitation_id, questionnaire_id=q.id
        ).items()
        if k in items
    }
    return Timing(page_seconds=seconds, item_ms=item_ms), round(total)


def submit(
    session: Session,
    *,
    invitation: Invitation,
    q: Questionnaire,
    now: datetime,
    allow_missing: bool = False,
) -> Submission:
    """Score and store the questionnaire once every item is answered (or, with
    ``allow_missing``, with what was answered: the engine prorates or leaves scales unscored).

    The unique (invitation, questionnaire) constraint makes a second or concurrent submit a
    no-op: ON CONFLICT DO NOTHING keeps the first result.
    """
    assert invitation.id is not None
    stored = stored_answers(session, invitation_id=invitation.id, questionnaire_id=q.id)
    # A candidate who started before a new questionnaire version may hold answers to items it
    # no longer has (a reworded item gets a new id): those answered another text, so they are
    # kept in the answers table but not scored; the new items are asked like any unanswered one.
    known = {item.id for item in q.items}
    answers = {item_id: value for item_id, value in stored.items() if item_id in known}
    missing = [item.id for item in q.items if item.id not in answers]
    if missing and not allow_missing:
        return Submission(missing=missing, result=None)
    timing, seconds = page_timing(session, invitation_id=invitation.id, q=q)
    # The sample calibration once the questionnaire has 200 stored results, else the prior.
    calibration = calibration_for(session, q=q)
    result = score(
        q,
        answers,
        timing=timing,
        calibration=calibration,
        latent_correlation=correlation_for(session, q=q),
        learned=self_knowledge_for(session, q=q),
    )
    row = {
        "invitation_id": invitation.id,
        "questionnaire_id": q.id,
        "questionnaire_version": q.version,
        "data": result.model_dump(mode="json"),
        "seconds_taken": seconds,
        "quality_level": result.quality.level,
        "created_at": now,
    }
    session.execute(_result_insert(session.get_bind().dialect.name), row)
    # The table's quality key (from the results until a fit record exists).
    sync_table_keys(session, invitation_ids=[invitation.id])
    if next_questionnaire(session, invitation) is None:
        invitation.completed_at = now
        session.add(invitation)
        session.flush()
        # The recommendation (type, roles, matrix version) once every questionnaire is in.
        fit = update_fit(session, invitation=invitation, now=now)
        # In this transaction, so the event is stored exactly when the result is (outbox).
        webhooks.emit_assessment_completed(session, invitation=invitation, fit=fit)
    session.flush()
    return Submission(missing=[], result=result)


@dataclass(frozen=True)
class PageRef:
    questionnaire_id: str
    page: int  # within the questionnaire, from 1
    index: int  # across every questionnaire of the invitation, from 1
    item_ids: list[str]


def flow_pages(questionnaire_ids: list[str], catalog: Mapping[str, Questionnaire]) -> list[PageRef]:
    """Every page the candidate goes through, questionnaire after questionnaire."""
    pages: list[PageRef] = []
    for qid in questionnaire_ids:
        q = catalog.get(qid)
        if q is None:
            continue
        for n, ids in enumerate(q.pages(), start=1):
            pages.append(PageRef(qid, n, len(pages) + 1, ids))
    return pages


_ANSWERS = Prepared(
    select(Answer.questionnaire_id, Answer.item_id, Answer.value).where(
        Answer.invitation_id == bindparam("invitation_id")
    )
)


def find_page(pages: list[PageRef], qid: str, page: int) -> PageRef | None:
    return next((r for r in pages if r.questionnaire_id == qid and r.page == page), None)


def all_answers(db: Connection, *, invitation_id: int) -> dict[str, dict[str, int]]:
    """Answers by questionnaire, then item."""
    out: dict[str, dict[str, int]] = {}
    for qid, item_id, value in _ANSWERS.rows(db, {"invitation_id": invitation_id}):
        out.setdefault(qid, {})[item_id] = value
    return out


def unanswered(pages: list[PageRef], answers: Mapping[str, Mapping[str, int]]) -> list[PageRef]:
    """The pages that still have an unanswered item (with only those items)."""
    out = []
    for p in pages:
        given = answers.get(p.questionnaire_id, {})
        missing = [i for i in p.item_ids if i not in given]
        if missing:
            out.append(PageRef(p.questionnaire_id, p.page, p.index, missing))
    return out


def finish(
    session: Session, *, invitation: Invitation, catalog: Mapping[str, Questionnaire], now: datetime
) -> None:
    """Score every questionnaire of the invitation with what was answered, and complete it.

    Two tabs finishing at once store one result per questionnaire (ON CONFLICT DO NOTHING).
    """
    for qid in invitation.questionnaire_ids:
        if qid in catalog:
            submit(session, invitation=invitation, q=catalog[qid], now=now, allow_missing=True)
    if invitation.completed_at is None:
        invitation.completed_at = now
        session.add(invitation)
    session.flush()
