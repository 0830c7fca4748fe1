"""Proof that the squashed migrations build the same schema as the chain they replaced.

Run from the repository root (git history needed):

    .venv/bin/python -m tests.migrations.squash_check DATABASE_URL [OLD_COMMIT]

It builds two databases beside DATABASE_URL (two SQLite files next to it, or two PostgreSQL
databases on its server): one with the migrations of OLD_COMMIT (default 044bd28, the last
commit with the seven migrations after 0.1.0; b241048 has the development chain before it too),
one with the migrations in this tree, first to the baseline revision, then to head, and
compares what the database reports at each step: tables, columns
(type, nullability, default), primary keys, indexes, unique, foreign-key and check constraints,
triggers and trigger functions. At head the old database is then migrated by this tree's
``app.migrations.upgrade``, as ``rolefit migrate`` would, which restamps its two heads: its
``alembic_version`` must then match too. It prints the differences, or "identical", and exits
1 on any.
Not a test: the old chain lives only in git history.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from app.db import make_engine
from app.migrations import BASELINE, alembic_config, upgrade

OLD_COMMIT = "044bd28"


def _fresh(url: str, suffix: str) -> str:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        path = Path(u.database or "squash.db")
        target = path.with_name(f"{path.stem}_{suffix}.db")
        target.unlink(missing_ok=True)
        return f"sqlite:///{target}"
    name = f"{u.database}_{suffix}"
    admin = make_engine(u.render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return u.set(database=name).render_as_string(hide_password=False)


def _upgrade(url: str, revision: str, versions: Path | None) -> None:
    cfg = alembic_config(url)
    if versions is not None:
        cfg.set_main_option("version_locations", str(versions))
    command.upgrade(cfg, revision)


def schema(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        insp = inspect(engine)
        out: dict[str, Any] = {}
        for t in sorted(insp.get_table_names()):
            out[t] = {
                "columns": [
                    (
                        c["name"],
                        str(c["type"]),
                        c["nullable"],
                        str(c.get("default")),
                        c.get("autoincrement"),
                    )
                    for c in insp.get_columns(t)
                ],
                "pk": insp.get_pk_constraint(t),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in insp.get_indexes(t)
                ),
                "uniques": sorted(
                    (u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(t)
                ),
                "fks": sorted(
                    (
                        f["name"],
                        tuple(f["constrained_columns"]),
                        f["referred_table"],
                        tuple(f["referred_columns"]),
                        tuple(sorted(f["options"].items())),
                    )
                    for f in insp.get_foreign_keys(t)
                ),
                "checks": sorted((c["name"], c["sqltext"]) for c in insp.get_check_constraints(t)),
            }
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                rows = conn.execute(
                    text(
                        "SELECT name, tbl_name, sql FROM sqlite_master"
                        " WHERE type = 'trigger' ORDER BY name"
                    )
                ).all()
                out["<sqlite tables as created>"] = {
                    r[0]: r[1]
                    for r in conn.execute(
                        text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
                    )
                }
            else:
                rows = conn.execute(
                    text(
                        "SELECT tgname, tgrelid::regclass::text, pg_get_triggerdef(oid)"
                        " FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname"
                    )
                ).all()
                out["<functions>"] = [
                    tuple(r)
                    for r in conn.execute(
                        text(
                            "SELECT p.proname, p.prosrc FROM pg_proc p"
                            " JOIN pg_namespace n ON n.oid = p.pronamespace"
                            " WHERE n.nspname = 'public' ORDER BY p.proname"
                        )
                    )
                ]
            out["<triggers>"] = [tuple(r) for r in rows]
            out["<alembic_version>"] = sorted(
                conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            )
        return out
    finally:
        engine.dispose()


def differences(a: dict[str, Any], b: dict[str, Any], strict_sql: bool) -> list[str]:
    diffs = []
    for key in sorted(set(a) | set(b)):
        if key == "<sqlite tables as created>" and not strict_sql:
            continue
        if a.get(key) != b.get(key):
            diffs.append(f"{key}:\n  old: {a.get(key)}\n  new: {b.get(key)}")
    return diffs


def main(url: str, old_commit: str = OLD_COMMIT) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        old_versions = Path(tmp) / "versions"
        old_versions.mkdir()
        archive = subprocess.run(
            ["git", "archive", old_commit, "app/migrations/versions"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        for f in (Path(tmp) / "app/migrations/versions").glob("*.py"):
            f.rename(old_versions / f.name)
        failed = False
        for step in (BASELINE, "heads"):
            old_url, new_url = _fresh(url, "old_chain"), _fresh(url, "baseline")
            _upgrade(old_url, step, old_versions)
            _upgrade(new_url, step, None)
            if step == "heads":
                upgrade(old_url)  # the restamp an install at the old heads gets
            old, new = schema(old_url), schema(new_url)
            diffs = differences(old, new, strict_sql=False)
            # SQLite keeps each table's CREATE text; the old chain's batch copies wrote it
            # differently (constraint order, quoting), which reflection does not see.
            created = "<sqlite tables as created>"
            same_text = (
                "" if created not in old else f"; same CREATE text: {old[created] == new[created]}"
            )
            print(
                f"{make_url(url).get_backend_name()} at {step}: {len(old) - 1} tables and entries,"
                f" {'identical' if not diffs else f'{len(diffs)} differences'}{same_text}"
            )
            for d in diffs:
                print(d)
            failed = failed or bool(diffs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
