"""candidate search: candidates.search_text, the name and email folded for matching

Revision ID: 20261205_h15vac_search
Revises: 20261205_staff_sessions
Create Date: 2026-12-05 18:00:00

The staff search finds a candidate by a part of the name or email whatever the case, in
Russian too. SQLite's lower() folds ASCII only, and PostgreSQL's follows the server's locale,
so the folded text is computed in Python (app.text.search_key) and kept in a column: the flush
keeps it for new and renamed candidates, and this fills it for the rows already there. The
folding is copied here on purpose: a migration keeps doing what it did when it was written.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "20261205_h15vac_search"
down_revision: str | Sequence[str] | None = "20261205_staff_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX = 600
BATCH = 5000


def _key(text: str) -> str:
    # strip_bidi, then NFKC, casefold and ё as е (app.text.search_key as of this revision).
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return unicodedata.normalize("NFKC", text).casefold().translate({0x0451: 0x0435})


def upgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "search_text",
                sqlmodel.sql.sqltypes.AutoString(length=MAX),
                nullable=False,
                server_default="",
            )
        )
    conn = op.get_bind()
    t = sa.table("candidates", sa.column("id"), sa.column("name"), sa.column("email"))
    t.append_column(sa.column("search_text"))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(t.c.id, t.c.name, t.c.email)
            .where(t.c.id > last)
            .order_by(t.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            sa.update(t)
            .where(t.c.id == sa.bindparam("cid"))
            .values(search_text=sa.bindparam("st")),
            [
                {"cid": cid, "st": f"{_key(name or '')}\n{_key(email or '')}"[:MAX]}
                for cid, name, email in rows
            ],
        )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("search_text")
