"""matrix versions, fit records, checklist answers

Revision ID: 7c3e9a41d2b5
Revises: 2964fa41f3b2
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "7c3e9a41d2b5"
down_revision: str | Sequence[str] | None = "2964fa41f3b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "matrix_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", S(length=40), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_hash", S(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("author", S(length=254), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("note", S(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_matrix_versions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matrix_versions")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_matrix_versions_content_hash")),
    )
    op.create_table(
        "fit_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("matrix_version_id", sa.Integer(), nullable=False),
        sa.Column("type_code", S(length=8), nullable=False),
        sa.Column("type_probability", sa.Float(), nullable=False),
        sa.Column("placement", S(length=32), nullable=False),
        sa.Column("best_role", S(length=32), nullable=False),
        sa.Column("best_fit", sa.Float(), nullable=False),
        sa.Column("target_fit", sa.Float(), nullable=True),
        sa.Column("too_close", sa.Boolean(), nullable=False),
        sa.Column("quality_level", S(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("rescored_at", T(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_fit_records_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["matrix_version_id"],
            ["matrix_versions.id"],
            name=op.f("fk_fit_records_matrix_version_id_matrix_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fit_records")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_fit_records_invitation_id")),
    )
    with op.batch_alter_table("fit_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fit_records_matrix_version_id"), ["matrix_version_id"], unique=False
        )
    op.create_table(
        "checklist_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("trait_id", S(length=64), nullable=False),
        sa.Column("checked", sa.Boolean(), nullable=False),
        sa.Column("comment", S(length=2000), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", T(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_checklist_answers_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_checklist_answers_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_answers")),
        sa.UniqueConstraint(
            "invitation_id", "trait_id", name=op.f("uq_checklist_answers_invitation_id_trait_id")
        ),
    )
    with op.batch_alter_table("checklist_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checklist_answers_invitation_id"), ["invitation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("checklist_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklist_answers_invitation_id"))
    op.drop_table("checklist_answers")
    with op.batch_alter_table("fit_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fit_records_matrix_version_id"))
    op.drop_table("fit_records")
    op.drop_table("matrix_versions")
