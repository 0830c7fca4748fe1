"""vacancies.kind: "team" marks the internal vacancy whose links assess the current sales team

Revision ID: 20261205_h18emp
Revises: 20261205_h15vac_search
Create Date: 2026-12-05 18:20:00

Every existing vacancy is a hiring one. The team's assessment links hang off one internal
vacancy of kind "team", hidden from the vacancy lists and the candidate tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "20261205_h18emp"
down_revision: str | Sequence[str] | None = "20261205_h15vac_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("vacancies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="hiring",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("vacancies", schema=None) as batch_op:
        batch_op.drop_column("kind")
