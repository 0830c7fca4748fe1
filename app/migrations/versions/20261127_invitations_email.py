"""invitations by email: outgoing_emails queue, reminders, open links, feedback page

Revision ID: 5e1c0a7b93d4
Revises: 2964fa41f3b2
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "5e1c0a7b93d4"
down_revision: str | Sequence[str] | None = "2964fa41f3b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_str = sqlmodel.sql.sqltypes.AutoString
_time = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("vacancies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("open_token", _str(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("feedback_enabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_unique_constraint(batch_op.f("uq_vacancies_open_token"), ["open_token"])
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_nonce", _str(length=32), nullable=True))
        batch_op.add_column(sa.Column("last_activity_at", _time(), nullable=True))
        batch_op.add_column(
            sa.Column("reminders_sent", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("last_reminded_at", _time(), nullable=True))
    # The model has no server defaults; they only filled the existing rows.
    with op.batch_alter_table("vacancies", schema=None) as batch_op:
        batch_op.alter_column("feedback_enabled", server_default=None)
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.alter_column("reminders_sent", server_default=None)

    op.create_table(
        "outgoing_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("kind", _str(length=16), nullable=False),
        sa.Column("to_email", _str(length=254), nullable=False),
        sa.Column("subject", _str(length=500), nullable=False),
        sa.Column("message_id", _str(length=255), nullable=False),
        sa.Column("message", sa.LargeBinary(), nullable=False),
        sa.Column("status", _str(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _time(), nullable=True),
        sa.Column("last_error", _str(length=2000), nullable=True),
        sa.Column("outbox_path", _str(length=500), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("sent_at", _time(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_outgoing_emails_invitation_id_invitations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_outgoing_emails_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_emails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outgoing_emails_message_id")),
    )
    with op.batch_alter_table("outgoing_emails", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outgoing_emails_invitation_id"), ["invitation_id"], unique=False
        )
        batch_op.create_index(
            "ix_outgoing_emails_status_next", ["status", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("outgoing_emails")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_column("last_reminded_at")
        batch_op.drop_column("reminders_sent")
        batch_op.drop_column("last_activity_at")
        batch_op.drop_column("token_nonce")
    with op.batch_alter_table("vacancies", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_vacancies_open_token"), type_="unique")
        batch_op.drop_column("feedback_enabled")
        batch_op.drop_column("open_token")
