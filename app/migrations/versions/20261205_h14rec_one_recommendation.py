"""fit records store the one decision: a placement, no_suitable_role or not_interpretable

Revision ID: 20261205_h14rec
Revises: 20261205_h15org
Create Date: 2026-12-05 12:00:00

``fit_records.placement`` held the best placement even when no sales role suited the type or
the answers were unusable, so the candidate table, the exports and the webhook said "sales
operations" where the report said no role fits. Since socionics.recommend.decide it holds the
decision, and ``too_close`` compares the two best placements as printed (whole points). This
recomputes both for the stored rows from their recommendation JSON, and the table's copied
key ``invitations.sort_placement``. The rule is copied here on purpose (a migration keeps
doing what it did when it was written). Downgrade puts the best placement back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_h14rec"
down_revision: str | Sequence[str] | None = "20261205_h15org"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_FOR_SALES_MIN = 0.5
TOO_CLOSE_POINTS = 5


def _decide(data: dict[str, Any], quality: str) -> tuple[str, bool] | None:
    try:
        placements = data["placements"]
        if quality == "unusable":
            return "not_interpretable", False
        nfs = float(data.get("group_probabilities", {}).get("not_for_sales", 0.0))
        if data["no_good_fit"] or nfs >= NOT_FOR_SALES_MIN:
            return "no_suitable_role", False
        gap = float(placements[0]["expected_fit"]) - float(placements[1]["expected_fit"])
        return str(placements[0]["placement"]), round(gap) < TOO_CLOSE_POINTS
    except (KeyError, IndexError, TypeError, ValueError):
        return None  # a row this rule cannot read keeps what it has


def _rows() -> list[Any]:
    return list(
        op.get_bind().execute(
            sa.text("SELECT id, invitation_id, data, quality_level FROM fit_records")
        )
    )


def _data(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value)


def _store(fit_id: int, invitation_id: int, placement: str, too_close: bool) -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text("UPDATE fit_records SET placement = :p, too_close = :c WHERE id = :id"),
        {"p": placement, "c": too_close, "id": fit_id},
    )
    bind.execute(
        sa.text("UPDATE invitations SET sort_placement = :p WHERE id = :id"),
        {"p": placement, "id": invitation_id},
    )


def upgrade() -> None:
    for fit_id, invitation_id, data, quality in _rows():
        decided = _decide(_data(data), quality)
        if decided is not None:
            _store(fit_id, invitation_id, *decided)


def downgrade() -> None:
    for fit_id, invitation_id, data, _quality in _rows():
        d = _data(data)
        if "placement" in d:
            _store(fit_id, invitation_id, str(d["placement"]), bool(d.get("too_close_to_call")))
