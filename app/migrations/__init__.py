"""Alembic, configured in code: no alembic.ini. ``rolefit migrate`` and ``rolefit db revision``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).resolve().parent


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


def upgrade(db_url: str, revision: str = "heads") -> None:
    # "heads": branches made by parallel work apply together until a merge revision joins them.

    command.upgrade(alembic_config(db_url), revision)


def revision(db_url: str, message: str) -> None:
    """Autogenerate a migration from the difference between app.models and the database."""
    command.revision(alembic_config(db_url), message=message, autogenerate=True)
