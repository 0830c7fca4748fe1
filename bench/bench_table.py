"""Benchmark: a vacancy's candidate table with 100,000 candidates, on SQLite and PostgreSQL.

Seeds a throwaway database (a temporary SQLite file; the PostgreSQL database ``rf_bench``,
dropped and re-created, at BENCH_PG_URL or postgresql+psycopg://postgres@127.0.0.1:5432) with
the real migrations and 100,000 invitations of one vacancy (candidates, fit records for the 80%
who completed, decisions for a fifth of those), by bulk inserts. Then times
``app.dashboard.service.candidate_table`` (the query behind the page: the count and one page
of 50 rows) for several sorts and filters, 30 runs each after a warm-up, and prints p50/p95.
Baseline in the same run: a ``SELECT 1`` round trip on the same connection pool.
Checks first that the answers are right (row counts, order). Target: every p95 < 100 ms.

PostgreSQL is measured after ``VACUUM ANALYZE`` (what autovacuum does to a table after such
inserts and updates; a server with autovacuum off never gets there): without it, every count
reads the heap, half of which is the dead row versions the key sync left. ``--no-vacuum``
measures that state (ANALYZE only).

    .venv/bin/python bench/bench_table.py [--rows 100000] [--skip-pg] [--no-vacuum]
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, event, text  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from app.dashboard.service import TableQuery, candidate_table  # noqa: E402
from app.db import make_engine, utcnow  # noqa: E402
from app.invitations.keys import sync_table_keys  # noqa: E402
from app.migrations import upgrade  # noqa: E402
from app.models import (  # noqa: E402
    Candidate,
    Decision,
    FitRecord,
    Invitation,
    MatrixVersion,
    User,
    Vacancy,
)
from app.staff.service import search_candidates  # noqa: E402
from app.text import candidate_search_text  # noqa: E402

RUNS = 30
TARGET_MS = 100.0
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
CASES: list[tuple[str, dict[str, str]]] = [
    ("newest first (default)", {}),
    ("by name", {"sort": "name", "dir": "asc"}),
    ("by fit for the target role", {"sort": "fit"}),
    ("by quality", {"sort": "quality"}),
    ("by decision", {"sort": "decision"}),
    ("by status", {"sort": "status"}),
    ("status = completed, by fit", {"status": "completed", "sort": "fit"}),
    ("placement = farmer, by fit", {"placement": "farmer", "sort": "fit"}),
    ("quality = doubtful", {"quality": "doubtful"}),
    ("decision = advance", {"decision": "advance"}),
    ("page 1000 (offset 49,950)", {"page": "1000"}),
    # Past the candidates with a fit: the page starts in the second segment of the sort.
    ("by fit, page 1800 (no fit yet)", {"sort": "fit", "page": "1800"}),
]

# The staff's candidate search (issue 15): a substring scan of candidates.search_text in the
# vacancies the user sees, newest first, at most 50 (+1) rows.
SEARCHES: list[tuple[str, str]] = [
    ("search: common name (stops at 51)", "ОЛЬГА"),
    ("search: one candidate", "012345"),
    ("search: nobody (whole scan)", "никого нет"),
]

# The page views whose query plans are printed.
PLANS: list[dict[str, str]] = [
    {"sort": "fit"},
    {"sort": "quality", "page": "1000"},
    {"sort": "name"},
    {"placement": "farmer", "sort": "fit"},
]


def seed(engine: Engine, rows: int, *, vacuum: bool = True) -> int:
    """Bulk-insert ``rows`` candidates of one vacancy; returns the vacancy id."""
    rng = random.Random(6)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            User.__table__.insert(),  # type: ignore[attr-defined]
            [{"email": "bench@example.com", "password_hash": "x", "role": "admin"}],
        )
        conn.execute(
            Vacancy.__table__.insert(),  # type: ignore[attr-defined]
            [{"title": "Bench", "placement": "farmer", "questionnaire_ids": ["socionics_16"]}],
        )
        vacancy_id = conn.execute(text("SELECT max(id) FROM vacancies")).scalar_one()
        conn.execute(
            MatrixVersion.__table__.insert(),  # type: ignore[attr-defined]
            [{"label": "b", "content": {}, "content_hash": "b" * 64, "author": "file"}],
        )
        matrix_id = conn.execute(text("SELECT max(id) FROM matrix_versions")).scalar_one()
        first_names = ["Анна", "Иван", "Ольга", "Пётр", "Мария", "Олег", "Нина", "Sergey"]
        batch = 10_000
        for start in range(0, rows, batch):
            n = min(batch, rows - start)
            conn.execute(
                Candidate.__table__.insert(),  # type: ignore[attr-defined]
                [
                    {
                        "name": name,
                        "created_at": now,
                        "search_text": candidate_search_text(name, None),
                    }
                    for name in (f"{rng.choice(first_names)} {start + i:06d}" for i in range(n))
                ],
            )
            first_id = conn.execute(text("SELECT max(id) FROM candidates")).scalar_one() - n + 1
            invitations = []
            for i in range(n):
                created = now - timedelta(minutes=rows - start - i)
                done = rng.random() < 0.8
                invitations.append(
                    {
                        "candidate_id": first_id + i,
                        "vacancy_id": vacancy_id,
                        "token_hash": f"{start + i:064d}",
                        "questionnaire_ids": ["socionics_16"],
                        "created_at": created,
                        "expires_at": created + timedelta(days=14),
                        "started_at": created if done else None,
                        "completed_at": created + timedelta(minutes=20) if done else None,
                    }
                )
            conn.execute(Invitation.__table__.insert(), invitations)  # type: ignore[attr-defined]
            last = conn.execute(text("SELECT max(id) FROM invitations")).scalar_one()
            ids = range(last - n + 1, last + 1)
            fits, decisions = [], []
            for inv, row in zip(ids, invitations, strict=True):
                if row["completed_at"] is None:
                    continue
                placement = rng.choice(["hunter", "farmer", "sales_operations"])
                fit = round(rng.uniform(5, 95), 1)
                fits.append(
                    {
                        "invitation_id": inv,
                        "matrix_version_id": matrix_id,
                        "type_code": "ESI",
                        "type_probability": rng.random(),
                        "placement": placement,
                        "best_role": placement,
                        "best_fit": fit,
                        "target_fit": fit,
                        "too_close": False,
                        "quality_level": rng.choice(["good"] * 8 + ["doubtful", "unusable"]),
                        "data": {},
                        "created_at": now,
                    }
                )
                if rng.random() < 0.2:
                    decisions.append(
                        {
                            "invitation_id": inv,
                            "decision": rng.choice(["advance", "hold", "reject"]),
                            "note": "",
                            "author_email": "bench@example.com",
                            "current": True,
                            "created_at": now,
                        }
                    )
            conn.execute(FitRecord.__table__.insert(), fits)  # type: ignore[attr-defined]
            if decisions:
                conn.execute(Decision.__table__.insert(), decisions)  # type: ignore[attr-defined]
            # The table's copied keys, by the function the app's writers call.
            with Session(bind=conn) as session:
                sync_table_keys(session, invitation_ids=list(ids))
        if engine.dialect.name != "postgresql" or not vacuum:
            conn.execute(text("ANALYZE"))
    if engine.dialect.name == "postgresql" and vacuum:
        # VACUUM cannot run inside a transaction.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return int(vacancy_id)


def timed(fn: Callable[[], object]) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def check(engine: Engine, vacancy_id: int, rows: int) -> None:
    now = utcnow()
    with Session(engine) as s:
        page = candidate_table(s, vacancy_id=vacancy_id, query=TableQuery(), now=now)
        assert page.total == rows and len(page.rows) == 50, (page.total, len(page.rows))
        dates = [r.invited_at for r in page.rows]
        assert dates == sorted(dates, reverse=True)
        by_fit = candidate_table(
            s, vacancy_id=vacancy_id, query=TableQuery(sort="fit"), now=now
        ).rows
        fits = [r.target_fit for r in by_fit]
        assert all(f is not None for f in fits) and fits == sorted(fits, reverse=True)  # type: ignore[type-var]
        farmers = candidate_table(
            s, vacancy_id=vacancy_id, query=TableQuery.parse({"placement": "farmer"}), now=now
        )
        assert {r.placement for r in farmers.rows} == {"farmer"}
        assert 0.2 * rows < farmers.total < 0.35 * rows
        # The name sort reads the copied key: its order must be the candidates' own names'.
        for descending in (False, True):
            by_name = candidate_table(
                s,
                vacancy_id=vacancy_id,
                query=TableQuery(sort="name", descending=descending),
                now=now,
            ).rows
            order = col(Candidate.name).desc() if descending else col(Candidate.name).asc()
            names = s.exec(select(Candidate.name).order_by(order).limit(50)).all()
            assert [r.name for r in by_name] == list(names)
        # A page past the candidates with a fit: those without one, newest first.
        no_fit = candidate_table(
            s, vacancy_id=vacancy_id, query=TableQuery(sort="fit", page=1800), now=now
        ).rows
        assert len(no_fit) == 50 and all(r.target_fit is None for r in no_fit)


def explain(engine: Engine, vacancy_id: int, label: str, params: dict[str, str]) -> None:
    """Print the plan of each query one page view runs (captured as the service sends them)."""
    sent: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    with Session(engine) as s:
        candidate_table(s, vacancy_id=vacancy_id, query=TableQuery.parse(params), now=utcnow())
    event.remove(engine, "before_cursor_execute", capture)
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
    print(f"[{label}] plan for {params}:")
    with engine.connect() as conn:
        for statement, parameters in sent:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            cur = raw.cursor()
            cur.execute(prefix + statement, parameters)
            lines = [" | ".join(str(c) for c in row) for row in cur.fetchall()]
            print("   ", " ".join(statement.split())[:110])
            for line in lines:
                print("       ", line)


def run(engine: Engine, label: str, rows: int, *, vacuum: bool = True) -> bool:
    t0 = time.perf_counter()
    vacancy_id = seed(engine, rows, vacuum=vacuum)
    print(f"[{label}] seeded {rows:,} candidates in {time.perf_counter() - t0:.1f} s")
    check(engine, vacancy_id, rows)
    with engine.connect() as conn:
        base = timed(lambda: conn.execute(text("SELECT 1")).scalar())
    print(
        f"[{label}] baseline SELECT 1: p50 {statistics.median(base):.2f} ms, p95 {p95(base):.2f} ms"
    )
    for params in PLANS:
        explain(engine, vacancy_id, label, params)
    ok = True
    now = utcnow()
    with Session(engine) as s:
        for name, params in CASES:
            query = TableQuery.parse(params)
            times = timed(
                functools.partial(candidate_table, s, vacancy_id=vacancy_id, query=query, now=now)
            )
            worst = p95(times)
            ok &= worst < TARGET_MS
            mark = "ok" if worst < TARGET_MS else "MISSED"
            print(
                f"[{label}] {name:32s} p50 {statistics.median(times):7.1f} ms"
                f"  p95 {worst:7.1f} ms  {mark}"
            )
        admin = s.exec(select(User)).first()
        assert admin is not None
        for name, q in SEARCHES:
            times = timed(functools.partial(search_candidates, s, user=admin, query=q, now=now))
            worst = p95(times)
            ok &= worst < TARGET_MS
            mark = "ok" if worst < TARGET_MS else "MISSED"
            print(
                f"[{label}] {name:32s} p50 {statistics.median(times):7.1f} ms"
                f"  p95 {worst:7.1f} ms  {mark}"
            )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--no-vacuum", action="store_true", help="PostgreSQL: ANALYZE only")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        ok &= run(engine, "sqlite", args.rows)
        engine.dispose()
    if not args.skip_pg:
        admin = make_engine(f"{PG_SERVER}/postgres")
        try:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("DROP DATABASE IF EXISTS rf_bench"))
                conn.execute(text("CREATE DATABASE rf_bench"))
        except Exception as exc:  # no server: say so, and skip
            print(f"[postgresql] skipped: {exc.__class__.__name__}: {exc}".splitlines()[0])
            admin.dispose()
            return 0 if ok else 1
        url = f"{PG_SERVER}/rf_bench"
        upgrade(url)
        engine = make_engine(url)
        ok &= run(engine, "postgresql", args.rows, vacuum=not args.no_vacuum)
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("DROP DATABASE IF EXISTS rf_bench"))
        admin.dispose()
    print("target: every p95 < 100 ms:", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
