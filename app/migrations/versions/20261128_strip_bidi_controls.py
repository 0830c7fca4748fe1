"""strip bidirectional controls from names, titles and notes saved before they were refused

Revision ID: 5a0c3e9d7b21
Revises: bf150782d5c8
Create Date: 2026-11-28 18:00:00

Since app/text.py, every flush strips U+202A-U+202E and U+2066-U+2069 from the columns listed
in app.models.PLAIN_TEXT. Rows saved before still hold them and would still show a disguised
name on staff pages; this cleans them once. The list is copied here on purpose: a migration
must keep doing what it did when it was written, whatever the models say later. The audit log
is append-only and keeps what was recorded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a0c3e9d7b21"
down_revision: str | Sequence[str] | None = "bf150782d5c8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
PATTERN = re.compile(f"[{CONTROLS}]")
COLUMNS = (
    ("candidates", "name"),
    ("invitations", "sort_name"),
    ("vacancies", "title"),
    ("users", "full_name"),
    ("decisions", "note"),
    ("checklist_answers", "comment"),
    ("matrix_versions", "note"),
    ("api_keys", "name"),
    ("webhook_endpoints", "description"),
)


def upgrade() -> None:
    conn = op.get_bind()
    for table, column in COLUMNS:
        t = sa.table(table, sa.column("id"), sa.column(column))
        value = t.c[column]
        has_control = sa.or_(*(value.contains(ch, autoescape=True) for ch in CONTROLS))
        rows = conn.execute(sa.select(t.c.id, value).where(has_control)).all()
        for row_id, text in rows:
            conn.execute(
                sa.update(t).where(t.c.id == row_id).values({column: PATTERN.sub("", text)})
            )


def downgrade() -> None:
    # The stripped characters are gone; nothing to restore.
    pass
