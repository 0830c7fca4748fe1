"""The migrations build exactly the tables app/models.py describes, with the pragmas we need."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

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
