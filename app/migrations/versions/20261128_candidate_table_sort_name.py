"""candidate table: the candidate's name copied onto invitations as a sort key, with an index

Revision ID: bf150782d5c8
Revises: 6d2f0b9a4c17
Create Date: 2026-11-28 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "bf150782d5c8"
down_revision: str | Sequence[str] | None = "6d2f0b9a4c17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The value app.dashboard.keys.sync_table_keys writes, for the rows that exist already.
BACKFILL = """
UPDATE invitations SET
  sort_name = (SELECT c.name FROM candidates c WHERE c.id = invitations.candidate_id)
"""


def upgrade() -> None:
    # The server default only fills the existing rows for NOT NULL; the app always writes it.
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "sort_name",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=False,
                server_default="",
            )
        )
    op.execute(BACKFILL)
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.alter_column("sort_name", server_default=None)
    op.create_index(
        "ix_invitations_vacancy_id_sort_name", "invitations", ["vacancy_id", "sort_name", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_invitations_vacancy_id_sort_name", table_name="invitations")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_column("sort_name")
