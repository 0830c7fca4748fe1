"""The group-commit writer (app/writer.py): jobs that wait together share one transaction, a
caller hears back only after the commit, one failing job rolls back to its own savepoint and
costs the others nothing, a heavy job never shares a batch with another, closing runs what is
queued, and a writer whose thread dies fails /healthz and answers candidates 503 at once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, func, select
from sqlmodel import Session

from app.config import Settings
from app.db import upsert_insert
from app.main import create_app
from app.models import Answer, RateLimit
from app.writer import Direct, Writer, WriterClosed, WriterDead

TABLE = RateLimit.__table__  # type: ignore[attr-defined]


@pytest.fixture
def writer(engine: Engine, db: Session) -> Iterator[Writer]:
    w = Writer(engine)
    yield w
    w.close()


def insert(key: str):
    """A job that returns its batch's connection (the results keep them alive, so two batches'
    connections are never one object and ``id()`` tells the batches apart)."""

    def job(conn: Connection) -> Connection:
        conn.execute(TABLE.insert().values(key=key, count=1, expires_at=2_000_000_000))
        return conn

    return job


def stored_keys(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(TABLE.c.key)).scalars())


class Gate:
    """A job that holds the writer's thread until opened, so the next jobs queue up."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()

    def __call__(self, conn: Connection) -> str:
        self.entered.set()
        assert self.opened.wait(10)
        return "gate"


async def _queue_behind(writer: Writer, gate: Gate, jobs: list, **kw: bool) -> list:
    first = asyncio.ensure_future(writer.run(gate))
    await asyncio.to_thread(gate.entered.wait, 10)
    rest = [asyncio.ensure_future(writer.run(job, **kw)) for job in jobs]
    await asyncio.sleep(0.05)  # every job is queued before the gate opens
    gate.opened.set()
    assert await first == "gate"
    return await asyncio.gather(*rest, return_exceptions=True)


def test_jobs_that_wait_together_share_one_transaction(writer: Writer, engine: Engine) -> None:
    connections = asyncio.run(_queue_behind(writer, Gate(), [insert(f"k{n}") for n in range(20)]))
    assert len({id(c) for c in connections}) == 1
    assert stored_keys(engine) == {f"k{n}" for n in range(20)}


def test_a_caller_hears_back_only_after_the_commit(writer: Writer, engine: Engine) -> None:
    async def main() -> set[str]:
        await writer.run(insert("seen"))
        return await asyncio.to_thread(stored_keys, engine)  # another connection

    assert asyncio.run(main()) == {"seen"}


def test_a_failing_job_rolls_back_to_its_own_savepoint_and_the_batch_commits(
    writer: Writer, engine: Engine
) -> None:
    calls: list[str] = []

    def counted(key: str):
        job = insert(key)

        def run(conn: Connection) -> Connection:
            calls.append(key)
            return job(conn)

        return run

    def broken(conn: Connection) -> None:
        conn.execute(TABLE.insert().values(key="broken", count=1, expires_at=1))
        raise ValueError("a bug in one job")

    results = asyncio.run(
        _queue_behind(writer, Gate(), [counted("a"), broken, counted("b"), counted("c")])
    )
    assert isinstance(results[1], ValueError)
    assert stored_keys(engine) == {"a", "b", "c"}  # the broken job's own insert was rolled back
    # Not rolled back and run again one by one: once each, in the one batch's transaction.
    assert calls == ["a", "b", "c"]
    assert results[0] is results[2] is results[3]


def test_an_orm_flush_that_fails_in_one_job_costs_the_others_nothing(
    writer: Writer, engine: Engine
) -> None:
    """A job's ORM session has a savepoint of its own (``jobs._session``): its failed flush
    must not roll back the batch's transaction under the other jobs."""
    from app.candidate.jobs import _session

    def duplicate(conn: Connection) -> None:
        with _session(conn) as session:
            session.add(RateLimit(key="a", count=1, expires_at=2))
            session.flush()

    results = asyncio.run(_queue_behind(writer, Gate(), [insert("a"), duplicate, insert("b")]))
    assert isinstance(results[1], Exception)
    assert results[0] is results[2]  # one batch, not run again one by one
    assert stored_keys(engine) == {"a", "b"}


def test_a_database_error_fails_only_its_own_job(writer: Writer, engine: Engine) -> None:
    """A duplicate key aborts the batch's transaction; each job then runs alone."""
    results = asyncio.run(
        _queue_behind(writer, Gate(), [insert("twice"), insert("twice"), insert("c")])
    )
    assert not isinstance(results[0], Exception)
    assert isinstance(results[1], Exception)
    assert stored_keys(engine) == {"twice", "c"}


def test_heavy_jobs_never_share_a_batch(writer: Writer, engine: Engine) -> None:
    async def main() -> tuple[list, list]:
        gate = Gate()
        first = asyncio.ensure_future(writer.run(gate))
        await asyncio.to_thread(gate.entered.wait, 10)
        heavy = [asyncio.ensure_future(writer.run(insert(f"h{n}"), heavy=True)) for n in range(3)]
        light = [asyncio.ensure_future(writer.run(insert(f"l{n}"))) for n in range(5)]
        await asyncio.sleep(0.05)
        gate.opened.set()
        await first
        return await asyncio.gather(*heavy), await asyncio.gather(*light)

    heavy, light = asyncio.run(main())
    assert len({id(c) for c in heavy}) == 3  # three batches
    assert len({id(c) for c in light}) == 1 and light[0] is heavy[0]  # all with the first


def test_a_cancelled_caller_does_not_stop_the_write(writer: Writer, engine: Engine) -> None:
    async def main() -> None:
        gate = Gate()
        first = asyncio.ensure_future(writer.run(gate))
        await asyncio.to_thread(gate.entered.wait, 10)
        gone = asyncio.ensure_future(writer.run(insert("kept")))
        await asyncio.sleep(0.05)
        gone.cancel()
        gate.opened.set()
        await first
        await writer.run(lambda conn: None)  # the next batch: the cancelled one has run

    asyncio.run(main())
    assert stored_keys(engine) == {"kept"}


def test_closing_runs_what_is_queued_then_refuses_more(engine: Engine, db: Session) -> None:
    writer = Writer(engine)

    async def main() -> None:
        gate = Gate()
        first = asyncio.ensure_future(writer.run(gate))
        await asyncio.to_thread(gate.entered.wait, 10)
        queued = asyncio.ensure_future(writer.run(insert("queued")))
        await asyncio.sleep(0.05)
        closing = asyncio.ensure_future(asyncio.to_thread(writer.close))
        await asyncio.sleep(0.05)
        gate.opened.set()
        await asyncio.gather(first, queued, closing)
        with pytest.raises(WriterClosed):
            await writer.run(insert("late"))

    asyncio.run(main())
    assert stored_keys(engine) == {"queued"}


def test_many_concurrent_upserts_count_exactly(writer: Writer, engine: Engine) -> None:
    """The rate limiter's shape of job: 200 increments of one counter from 50 callers."""
    stmt = upsert_insert(engine.dialect.name, TABLE).values(key="n", count=1, expires_at=2)
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"count": TABLE.c.count + 1})

    async def main() -> None:
        async def caller() -> None:
            for _ in range(4):
                await writer.run(lambda conn: conn.execute(stmt))

        await asyncio.gather(*(caller() for _ in range(50)))

    asyncio.run(main())
    with engine.connect() as conn:
        assert conn.execute(select(func.sum(TABLE.c.count))).scalar() == 200


def test_two_writers_whose_batches_deadlock_lose_nothing(engine: Engine, db: Session) -> None:
    """Two instances' batches locking the same two rows in opposite orders: PostgreSQL aborts
    one batch, whose jobs then run one by one. Every write arrives."""
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks and deadlock detection are PostgreSQL's; SQLite has one writer")
    with engine.begin() as conn:
        conn.execute(TABLE.insert(), [{"key": k, "count": 0, "expires_at": 2} for k in "xy"])
    both_hold_one = threading.Barrier(2, timeout=10)
    met = threading.Event()

    def bump(key: str, *, then_wait: bool):
        def job(conn: Connection) -> None:
            conn.execute(TABLE.update().where(TABLE.c.key == key).values(count=TABLE.c.count + 1))
            if then_wait and not met.is_set():  # the retries run alone: no waiting then
                both_hold_one.wait()
                met.set()

        return job

    async def instance(writer: Writer, first: str, second: str) -> None:
        await asyncio.gather(
            writer.run(bump(first, then_wait=True)), writer.run(bump(second, then_wait=False))
        )

    a, b = Writer(engine), Writer(engine)
    try:

        async def main() -> None:
            await asyncio.gather(instance(a, "x", "y"), instance(b, "y", "x"))

        asyncio.run(main())
    finally:
        a.close()
        b.close()
    with engine.connect() as conn:
        counts = dict(conn.execute(select(TABLE.c.key, TABLE.c.count)).all())
    assert counts == {"x": 2, "y": 2}


class Fatal(BaseException):
    """What the writer's loop does not catch as a job's failure (like SystemExit)."""


def fatal(conn: Connection) -> None:
    raise Fatal("the thread dies")


def test_a_writer_whose_thread_dies_answers_every_caller_and_refuses_more(
    engine: Engine, db: Session
) -> None:
    writer = Writer(engine)

    async def main() -> list:
        gate = Gate()
        first = asyncio.ensure_future(writer.run(gate))
        await asyncio.to_thread(gate.entered.wait, 10)
        # The fatal job and the two behind it: all queued before the gate opens.
        doomed = asyncio.ensure_future(writer.run(fatal, heavy=True))
        same_batch = asyncio.ensure_future(writer.run(insert("same batch")))
        await asyncio.sleep(0.05)
        gate.opened.set()
        await first
        outcomes = await asyncio.wait_for(
            asyncio.gather(doomed, same_batch, return_exceptions=True), 10
        )
        later = await asyncio.wait_for(
            asyncio.gather(writer.run(insert("later")), return_exceptions=True), 10
        )
        return [*outcomes, *later]

    outcomes = asyncio.run(main())
    assert all(isinstance(o, WriterDead) for o in outcomes), outcomes
    assert not writer.alive
    assert stored_keys(engine) == set()
    writer.close()  # closing a dead writer returns


@pytest.fixture
def group_commit_client(settings: Settings, db: Session) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"group_commit": "on"}))) as c:
        yield c


def test_a_dead_writer_fails_healthz_and_candidate_pages_answer_503_without_hanging(
    group_commit_client: TestClient, db: Session, settings: Settings
) -> None:
    from tests.factories import make_invitation
    from tests.webflow import token_of

    client = group_commit_client
    token = token_of(make_invitation(db, settings).link)
    assert client.get(f"/a/{token}").status_code == 200
    writer = client.app.state.writer  # type: ignore[attr-defined]
    with pytest.raises(WriterDead):
        client.portal.call(writer.run, fatal)  # type: ignore[union-attr]
    assert not writer.alive

    async def get(path: str) -> httpx.Response:
        # Straight to the app on its own event loop, with a bound: a hang fails the test.
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await asyncio.wait_for(c.get(path), 10)

    health = client.portal.call(get, "/healthz")  # type: ignore[union-attr]
    assert health.status_code == 503 and health.json() == {"status": "unavailable"}
    page = client.portal.call(get, f"/a/{token}")  # type: ignore[union-attr]
    assert page.status_code == 503 and page.headers["retry-after"]
    assert "Traceback" not in page.text
    saved = client.portal.call(get, f"/a/{token}/next")  # type: ignore[union-attr]
    assert saved.status_code == 503


@pytest.mark.parametrize(
    ("choice", "runner"),
    [("on", Writer), ("off", Direct), ("auto", None)],
)
def test_group_commit_is_chosen_by_setting_and_a_save_is_stored_either_way(
    settings: Settings, db: Session, engine: Engine, choice: str, runner: type | None
) -> None:
    from tests.factories import ie_questionnaire, make_invitation
    from tests.webflow import QID, consent, token_of

    if choice == "off" and engine.dialect.name == "sqlite":
        # SQLite with a connection per request: a read transaction that turns into a write
        # while the app's workers write fails with "database is locked" at once (busy_timeout
        # cannot help a deferred upgrade). That is why SQLite always gets the writer ("auto").
        pytest.skip("GROUP_COMMIT=off is for PostgreSQL")
    if runner is None:  # auto: the writer on both databases (bench/load/README.md)
        runner = Writer
    token = token_of(make_invitation(db, settings).link)
    item = ie_questionnaire().pages()[0][0]
    with TestClient(create_app(settings.model_copy(update={"group_commit": choice}))) as c:
        assert type(c.app.state.writer) is runner  # type: ignore[attr-defined]
        consent(c, token)
        r = c.post(f"/a/{token}/save", json={"questionnaire": QID, "item": item, "value": 2})
        assert r.json() == {"ok": True}
        assert c.get("/healthz").status_code == 200
    with engine.connect() as conn:
        assert conn.execute(select(Answer.value).where(Answer.item_id == item)).all() == [(2,)]
