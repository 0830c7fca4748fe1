"""Merge the branches that parallel work on issues 3-8 started from the first schemas.

Revision ID: 1f2e3d4c5b6a
Revises: 5e0c7a93b1d4, 5e0b7c2d91f4, 5e1c0a7b93d4, 7c3e9a41d2b5, 9b756678cb4a
"""

from __future__ import annotations

revision = "1f2e3d4c5b6a"
down_revision = ("5e0c7a93b1d4", "5e0b7c2d91f4", "5e1c0a7b93d4", "7c3e9a41d2b5", "9b756678cb4a")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the branches touch different tables."""


def downgrade() -> None:
    """Nothing to undo."""
