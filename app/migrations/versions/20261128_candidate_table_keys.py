"""candidate table: sort/filter keys copied onto invitations, with (vacancy, key, id) indexes

Revision ID: 6d2f0b9a4c17
Revises: 3b8e51c0a7d2
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "6d2f0b9a4c17"
down_revision: str | Sequence[str] | None = "3b8e51c0a7d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_str = sqlmodel.sql.sqltypes.AutoString
KEYS = ("sort_placement", "sort_fit", "sort_quality", "sort_decision")

# The same values app.dashboard.keys.sync_table_keys writes, for the rows that exist already.
RANK = "CASE {0} WHEN 'good' THEN 0 WHEN 'doubtful' THEN 1 WHEN 'unusable' THEN 2 ELSE NULL END"
BACKFILL = f"""
UPDATE invitations SET
  sort_placement = (SELECT f.placement FROM fit_records f WHERE f.invitation_id = invitations.id),
  sort_fit = (SELECT f.target_fit FROM fit_records f WHERE f.invitation_id = invitations.id),
  sort_quality = COALESCE(
    (SELECT {RANK.format("f.quality_level")} FROM fit_records f
      WHERE f.invitation_id = invitations.id),
    (SELECT MAX({RANK.format("r.quality_level")}) FROM results r
      WHERE r.invitation_id = invitations.id)),
  sort_decision = (SELECT d.decision FROM decisions d
    WHERE d.invitation_id = invitations.id AND d.current)
"""  # noqa: S608 (constant text, no input)


def upgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_placement", _str(length=32), nullable=True))
        batch_op.add_column(sa.Column("sort_fit", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("sort_quality", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sort_decision", _str(length=16), nullable=True))
    op.execute(BACKFILL)
    for key in KEYS:
        op.create_index(
            f"ix_invitations_vacancy_id_{key}", "invitations", ["vacancy_id", key, "id"]
        )
    op.create_index(
        "ix_invitations_vacancy_id_status",
        "invitations",
        ["vacancy_id", "completed_at", "revoked_at", "expires_at", "started_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_invitations_vacancy_id_status", table_name="invitations")
    for key in KEYS:
        op.drop_index(f"ix_invitations_vacancy_id_{key}", table_name="invitations")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        for key in reversed(KEYS):
            batch_op.drop_column(key)
