"""Alembic, configured in code: no alembic.ini. ``rolefit migrate`` and ``rolefit db revision``."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from app.db import make_engine

HERE = Path(__file__).resolve().parent

# The 0.1.0 release's revision (7dda273). versions/20261128_baseline.py creates its schema in
# one step; the development migrations before it were squashed into it.
BASELINE = "5a0c3e9d7b21"
# The last commit that still has those development migrations.
SQUASHED_AT = "b241048"
SQUASHED = frozenset(
    {
        "2964fa41f3b2",
        "5e0c7a93b1d4",
        "5e0b7c2d91f4",
        "5e1c0a7b93d4",
        "7c3e9a41d2b5",
        "9b756678cb4a",
        "a8d41f07c3e2",
        "1f2e3d4c5b6a",
        "3b8e51c0a7d2",
        "6d2f0b9a4c17",
        "bf150782d5c8",
    }
)

# The migrations written after 0.1.0 and before the next release, squashed into one
# (versions/20261205_since_010.py). Their two heads, together, are exactly its schema: such a
# database is restamped. One at any other of them is upgraded first with the last commit that
# still has them.
SINCE_010 = "20261205_since_010"
SINCE_010_HEADS = frozenset({"20261205_h18emp", "20261205_replaced_links"})
SINCE_010_AT = "044bd28"
SQUASHED_SINCE_010 = SINCE_010_HEADS | {
    "20261205_hlead",
    "20261205_h15org",
    "20261205_h14rec",
    "20261205_staff_sessions",
    "20261205_h15vac_search",
}
# Revisions no migration file has any more: how the database got them, and the last commit that
# can still upgrade it.
SQUASHED_AWAY = (
    (SQUASHED_SINCE_010, "migrated", "after 0.1.0", SINCE_010_AT),
    (SQUASHED, "created", "before 0.1.0", SQUASHED_AT),
)

log = logging.getLogger(__name__)


class UnknownRevision(Exception):
    """The database is at a revision this code has no migration for; the message says what to
    do, so it is printed without a traceback."""


def alembic_config(db_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("version_locations", str(HERE / "versions"))
    # Migration files are named by date and slug: versions/20250101_add_vacancies.py
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(slug)s")
    cfg.set_main_option("truncate_slug_length", "60")
    cfg.attributes["db_url"] = db_url
    return cfg


def check_known_revision(conn: Connection, cfg: Config) -> set[str]:
    """The database's current revisions, or UnknownRevision if this code cannot upgrade it."""
    current = set(MigrationContext.configure(conn).get_current_heads())
    if current == SINCE_010_HEADS:
        return current  # upgrade() restamps it
    known = {s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()}
    for rev in sorted(current - known):
        for squashed, made, when, at in SQUASHED_AWAY:
            if rev in squashed:
                raise UnknownRevision(
                    f"this database was {made} by a development build of rolefit {when}"
                    f" (revision {rev}). Upgrade it with rolefit at commit {at}"
                    f" (`git checkout {at} && rolefit migrate`), then come back to this version."
                )
        raise UnknownRevision(
            f"this database is at revision {rev}, which this version of rolefit does not know"
            " (was it migrated by a newer version?). Run the version that migrated it."
        )
    return current


def upgrade(db_url: str, revision: str = "heads") -> None:
    # "heads": branches made by parallel work apply together until a merge revision joins them.
    cfg = alembic_config(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            if check_known_revision(conn, cfg) == SINCE_010_HEADS:
                _restamp_since_010(conn)
    finally:
        engine.dispose()
    command.upgrade(cfg, revision)


def _restamp_since_010(conn: Connection) -> None:
    """A database at the two heads of the migrations squashed into SINCE_010 has its schema
    (tests/migrations/squash_check.py proves it): only the revision it records changes."""
    conn.execute(text("DELETE FROM alembic_version"))
    conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": SINCE_010})
    log.warning(
        "rolefit: database restamped from %s to %s (the migrations since 0.1.0 were squashed"
        " into one; the schema is the same)",
        " + ".join(sorted(SINCE_010_HEADS)),
        SINCE_010,
    )


def revision(db_url: str, message: str) -> None:
    """Autogenerate a migration from the difference between app.models and the database."""
    command.revision(alembic_config(db_url), message=message, autogenerate=True)
