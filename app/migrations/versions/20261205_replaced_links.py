"""replaced links: the token hashes "New link" replaced, so an old link says it was replaced

Revision ID: 20261205_replaced_links
Revises: 20261205_staff_sessions
Create Date: 2026-12-05 18:00:00

Before this revision a replaced link's hash was overwritten and the old link read as "not
valid, check it was copied fully". Links replaced before it still read so: their hashes are
gone.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "20261205_replaced_links"
down_revision: str | Sequence[str] | None = "20261205_staff_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replaced_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("replaced_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_replaced_links_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replaced_links")),
    )
    with op.batch_alter_table("replaced_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_replaced_links_invitation_id"), ["invitation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_replaced_links_token_hash"), ["token_hash"], unique=True
        )


def downgrade() -> None:
    op.drop_table("replaced_links")
