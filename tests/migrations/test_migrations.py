"""The migrations build exactly the tables app/models.py describes, with the pragmas we need;
a database at a development revision squashed into the baseline is told how to upgrade."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from app.cli import main
from app.db import make_engine
from app.migrations import BASELINE, SQUASHED, SQUASHED_AT, alembic_config, upgrade
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


def _stamp(url: str, revision: str) -> None:
    """A database as an older build left it: only its Alembic revision matters here."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            conn.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})
    finally:
        engine.dispose()


def _revision_of(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


@pytest.mark.parametrize("argv", [["migrate"], ["stats"], ["demo"]], ids=" ".join)
def test_a_database_of_a_squashed_development_revision_is_told_which_commit_upgrades_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, scratch_url: str, capsys, argv: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", scratch_url)
    monkeypatch.delenv("ENV", raising=False)
    _stamp(scratch_url, "bf150782d5c8")
    assert main(argv) == 2
    out = capsys.readouterr()
    assert (
        "created by a development build of rolefit before 0.1.0 (revision bf150782d5c8)" in out.err
    )
    assert f"`git checkout {SQUASHED_AT} && rolefit migrate`" in out.err
    assert "Traceback" not in out.err + out.out
    assert _revision_of(scratch_url) == ["bf150782d5c8"]  # left as it was


def test_a_revision_no_version_ever_had_is_named_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, scratch_url: str, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", scratch_url)
    monkeypatch.delenv("ENV", raising=False)
    _stamp(scratch_url, "20991231_future")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert "revision 20991231_future, which this version of rolefit does not know" in err
    assert "Traceback" not in err


def test_the_baseline_keeps_the_release_revision_and_no_squashed_one_comes_back() -> None:
    """A database of the 0.1.0 release (tests/upgrade) is at the baseline's own revision, so
    the squash leaves it untouched; a squashed id reused would hide an old database."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_bases() == [BASELINE]
    known = {s.revision for s in script.walk_revisions()}
    assert not known & SQUASHED


def test_the_release_database_upgrades_from_the_baseline(scratch_url: str) -> None:
    upgrade(scratch_url, BASELINE)
    upgrade(scratch_url)
    heads = ScriptDirectory.from_config(alembic_config(scratch_url)).get_heads()
    assert sorted(_revision_of(scratch_url)) == sorted(heads)
