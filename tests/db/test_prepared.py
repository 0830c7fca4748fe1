"""``Prepared`` (app/db.py): the candidates' hot statements, run on the driver's cursor on
SQLite, store and read exactly what the same statements store and read through SQLAlchemy."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, text
from sqlmodel import Session

from app.candidate import jobs, service
from app.config import Settings
from app.db import Prepared
from app.models import PageEvent
from app.security.hashes import hash_token
from tests.factories import make_invitation

EVENTS = PageEvent.__table__  # type: ignore[attr-defined]
# Whole seconds too: SQLAlchemy writes their microseconds, sqlite3's own adapter would not.
TIMES = (
    datetime(2026, 12, 5, 20, 0, 1, 250, tzinfo=UTC),
    datetime(2026, 12, 5, 20, 0, 2, tzinfo=UTC),
)


def _stored(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    """What the database holds, read as text on SQLite (the stored form itself)."""
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def test_page_events_and_answers_are_stored_as_sqlalchemy_stores_them(
    db: Session, engine: Engine, settings: Settings
) -> None:
    invitation = make_invitation(db, settings).invitation
    db.commit()
    iid = invitation.id
    prepared = Prepared(
        insert(EVENTS), column_keys=["invitation_id", "questionnaire_id", "page", "kind", "at"]
    )
    with engine.begin() as conn:
        for n, at in enumerate(TIMES):
            params = {
                "invitation_id": iid,
                "questionnaire_id": "q",
                "page": n,
                "kind": "view",
                "at": at,
            }
            conn.execute(insert(EVENTS), params)
            prepared.execute(conn, {**params, "kind": "save"})
    cast = "CAST(at AS TEXT)" if engine.dialect.name == "sqlite" else "at"
    rows = _stored(engine, f"SELECT page, kind, {cast} FROM page_events ORDER BY page, kind")
    assert [(page, at) for page, kind, at in rows if kind == "view"] == [
        (page, at) for page, kind, at in rows if kind == "save"
    ]
    assert len(rows) == 4

    upsert = service._answers_upsert(engine.dialect.name)
    row = {"invitation_id": iid, "questionnaire_id": "q", "value": 3, "answered_at": TIMES[1]}
    with engine.begin() as conn:
        conn.execute(upsert.stmt, [{**row, "item_id": "a", "answer_ms": 2500}])
        upsert.execute(conn, [{**row, "item_id": "b", "answer_ms": 2500}])
        # The page's form re-sends answers without times: the stored time is kept.
        upsert.execute(conn, [{**row, "item_id": "b", "answer_ms": None, "value": 4}])
        conn.execute(upsert.stmt, [{**row, "item_id": "a", "answer_ms": None, "value": 4}])
    cast = "CAST(answered_at AS TEXT)" if engine.dialect.name == "sqlite" else "answered_at"
    answers = _stored(
        engine, f"SELECT item_id, value, {cast}, answer_ms FROM answers ORDER BY item_id"
    )
    assert [a[1:] for a in answers] == [(4, answers[0][2], 2500)] * 2
    assert {item_id for item_id, *_ in answers} == {"a", "b"}
    with engine.connect() as conn:
        assert service.all_answers(conn, invitation_id=iid) == {"q": {"a": 4, "b": 4}}


def test_the_link_row_reads_as_sqlalchemy_reads_it(
    db: Session, engine: Engine, settings: Settings
) -> None:
    new = make_invitation(db, settings)
    db.commit()
    token_hash = hash_token(new.link.rsplit("/", 1)[1])
    with engine.begin() as conn:
        assert jobs._TOUCH.execute(conn, {"iid": new.invitation.id, "at": TIMES[0]}).rowcount == 1
        through_sqlalchemy = tuple(conn.execute(jobs._LINK.stmt, {"token_hash": token_hash}).one())
        prepared = jobs._LINK.first(conn, {"token_hash": token_hash})
        assert jobs._LINK.first(conn, {"token_hash": "0" * 64}) is None
    assert prepared == through_sqlalchemy
    link = jobs.Link(**dict(zip(jobs._LINK_COLUMNS, prepared, strict=True)))
    assert link.questionnaire_ids == new.invitation.questionnaire_ids
    assert link.started_at == TIMES[0] and link.expires_at.tzinfo is not None
