"""answers.answer_ms: per-item answer time reported by the browser

Revision ID: 3b8e51c0a7d2
Revises: 1f2e3d4c5b6a
Create Date: 2026-11-27 19:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b8e51c0a7d2"
down_revision: str | Sequence[str] | None = "1f2e3d4c5b6a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite cannot ALTER in place (PostgreSQL runs a plain ALTER TABLE).
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("answer_ms", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("answer_ms")
