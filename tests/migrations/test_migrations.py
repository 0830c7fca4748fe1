"""The migrations build exactly the tables app/models.py describes, with the pragmas we need;
a database at a development revision squashed away is told how to upgrade, and one at the two
heads the squashed migrations after 0.1.0 left is restamped."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from app.cli import main
from app.db import make_engine
from app.migrations import (
    BASELINE,
    SINCE_010,
    SINCE_010_AT,
    SINCE_010_HEADS,
    SQUASHED,
    SQUASHED_AT,
    SQUASHED_SINCE_010,
    alembic_config,
    upgrade,
)
from app.models import metadata
from tests.migrations.squash_check import differences, schema

# The newest migration: the chain's one head.
HEAD = "20261206_crm_names"


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


def test_one_chain_from_the_baseline_and_no_squashed_id_comes_back() -> None:
    """A database of the 0.1.0 release (tests/upgrade) is at the baseline's own revision, so
    the squash leaves it untouched; a squashed id reused would hide an old database."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_bases() == [BASELINE]
    assert script.get_heads() == [HEAD]
    assert [s.revision for s in script.walk_revisions()] == [
        HEAD,
        SINCE_010,
        BASELINE,
    ]
    known = {s.revision for s in script.walk_revisions()}
    assert not known & (SQUASHED | SQUASHED_SINCE_010)


def test_the_release_database_upgrades_from_the_baseline(scratch_url: str) -> None:
    upgrade(scratch_url, BASELINE)
    upgrade(scratch_url)
    assert _revision_of(scratch_url) == [HEAD]


def test_the_downgrade_returns_to_the_release_schema(scratch_url: str) -> None:
    upgrade(scratch_url, BASELINE)
    release = schema(scratch_url)
    upgrade(scratch_url)
    command.downgrade(alembic_config(scratch_url), BASELINE)
    # SQLite keeps the CREATE text of tables batch copies rebuilt; reflection sees the same.
    assert differences(release, schema(scratch_url), strict_sql=False) == []


def _set_revisions(url: str, revisions: set[str]) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM alembic_version"))
            for r in sorted(revisions):
                conn.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": r})
    finally:
        engine.dispose()


def test_a_database_at_the_two_heads_squashed_after_the_release_is_restamped(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    scratch_url: str,
    capsys,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every install made from main before the squash is at both heads, with the schema the
    squashed migration builds (squash_check proves it on the real old chain), so here it is
    built by this tree and given the old revisions. ``rolefit migrate`` restamps it, says so
    in one line, and every command then runs."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", scratch_url)
    monkeypatch.delenv("ENV", raising=False)
    upgrade(scratch_url, SINCE_010)  # the schema those two heads had
    _set_revisions(scratch_url, set(SINCE_010_HEADS))
    assert main(["stats"]) == 2  # the commands that never migrate ask for `rolefit migrate`
    assert "run `rolefit migrate` first" in capsys.readouterr().err
    with caplog.at_level(logging.WARNING, logger="app.migrations"):
        assert main(["migrate"]) == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "app.migrations"]
    assert lines == [
        "rolefit: database restamped from 20261205_h18emp + 20261205_replaced_links to"
        f" {SINCE_010} (the migrations since 0.1.0 were squashed into one; the schema is the"
        " same)"
    ]
    # Restamped, then taken on to the migrations written since.
    assert _revision_of(scratch_url) == [HEAD]
    assert main(["stats"]) == 0
    caplog.clear()
    assert main(["migrate"]) == 0  # once only
    assert not [r for r in caplog.records if r.name == "app.migrations"]
    engine = make_engine(scratch_url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "revisions",
    [{"20261205_staff_sessions"}, {"20261205_hlead"}, {"20261205_h18emp"}],
    ids=lambda r: " ".join(sorted(r)),
)
def test_a_database_between_the_release_and_the_squash_is_told_which_commit_upgrades_it(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    scratch_url: str,
    capsys,
    revisions: set[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", scratch_url)
    monkeypatch.delenv("ENV", raising=False)
    (rev,) = revisions
    _stamp(scratch_url, rev)
    for argv in (["migrate"], ["stats"]):
        assert main(argv) == 2
        out = capsys.readouterr()
        assert (
            f"migrated by a development build of rolefit after 0.1.0 (revision {rev})"
        ) in out.err
        assert f"`git checkout {SINCE_010_AT} && rolefit migrate`" in out.err
        assert "Traceback" not in out.err + out.out
    assert _revision_of(scratch_url) == [rev]  # left as it was
