"""The migrations build exactly the tables app/models.py describes, with the pragmas we need."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from app.db import make_engine, utcnow
from app.migrations import upgrade
from app.models import metadata


def test_migrations_and_models_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_constraint_names_follow_the_naming_convention(engine: Engine) -> None:
    from sqlalchemy import inspect

    insp = inspect(engine)
    uniques = {u["name"] for u in insp.get_unique_constraints("results")}
    assert "uq_results_invitation_id_questionnaire_id" in uniques


def test_names_saved_before_bidi_controls_were_stripped_are_cleaned(scratch_url: str) -> None:
    """Migration 5a0c3e9d7b21: rows from before app/text.py lose their bidi controls."""
    upgrade(scratch_url, "bf150782d5c8")  # the revision before the cleaning
    engine = make_engine(scratch_url)
    now = utcnow()
    spoofed = "Anna \u202egnp.exe\u202c Ivanova"
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO vacancies (id, title, placement, language, questionnaire_ids,"
                    " created_at, feedback_enabled) VALUES (1, :title, 'farmer', 'en', '[]',"
                    " :now, false)"
                ),
                {"title": "Sales \u2067lead\u2069 100%_", "now": now},
            )
            for n, name in enumerate([spoofed, "Вера"], start=1):
                conn.execute(
                    text("INSERT INTO candidates (id, name, created_at) VALUES (:n, :name, :now)"),
                    {"n": n, "name": name, "now": now},
                )
        upgrade(scratch_url)
        with engine.connect() as conn:
            names = conn.execute(text("SELECT name FROM candidates ORDER BY id")).scalars().all()
            title = conn.execute(text("SELECT title FROM vacancies")).scalar_one()
        assert names == ["Anna gnp.exe Ivanova", "Вера"]
        assert title == "Sales lead 100%_"  # LIKE wildcards in the data change nothing
    finally:
        engine.dispose()
