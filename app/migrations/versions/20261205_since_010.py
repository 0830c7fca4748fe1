"""everything since 0.1.0: outcomes, the organisation, one recommendation, staff sessions,
candidate search, replaced links, the team vacancy

Revision ID: 20261205_since_010
Revises: 5a0c3e9d7b21
Create Date: 2026-12-05 21:30:00

The seven migrations written after the 0.1.0 release (7dda273) and before the next one,
squashed into one step: 20261205_hlead, 20261205_h15org, 20261205_h14rec,
20261205_staff_sessions, 20261205_h15vac_search, 20261205_replaced_links and 20261205_h18emp.
Their schema changes and their backfills for rows a 0.1.0 database holds are here, in their
order. A database at their two heads has this schema already; app.migrations restamps it.

- New tables only and nullable columns, except two with server defaults: existing rows keep
  every value. A 0.1.0 install has no organisation until an admin sets one (staff pages say
  so; candidate links wait for it), since its legal entity cannot be guessed.
- ``fit_records.placement`` holds the decision (a placement, no_suitable_role or
  not_interpretable) and ``too_close`` compares the two best placements as printed (whole
  points): both are recomputed for the stored rows from their recommendation JSON, with the
  table's copied key ``invitations.sort_placement``. Downgrade puts the best placement back.
- ``candidates.search_text`` is the name and email folded for matching (SQLite's lower()
  folds ASCII only, PostgreSQL's follows the server's locale); it is filled for existing rows.
- Sessions opened before this revision have no ``staff_sessions`` row: their users log in once
  more. Links replaced before it have no ``replaced_links`` row: they read as not valid.
- Every existing vacancy is a hiring one (``vacancies.kind``).

The rules of both backfills are copied here on purpose: a migration keeps doing what it did
when it was written.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "20261205_since_010"
down_revision: str | Sequence[str] | None = "5a0c3e9d7b21"
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


MAX = 600
BATCH = 5000


def _key(text: str) -> str:
    # strip_bidi, then NFKC, casefold and ё as е (app.text.search_key as of this revision).
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return unicodedata.normalize("NFKC", text).casefold().translate({0x0451: 0x0435})


def _fill_search_text() -> None:
    conn = op.get_bind()
    t = sa.table("candidates", sa.column("id"), sa.column("name"), sa.column("email"))
    t.append_column(sa.column("search_text"))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(t.c.id, t.c.name, t.c.email)
            .where(t.c.id > last)
            .order_by(t.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            sa.update(t)
            .where(t.c.id == sa.bindparam("cid"))
            .values(search_text=sa.bindparam("st")),
            [
                {"cid": cid, "st": f"{_key(name or '')}\n{_key(email or '')}"[:MAX]}
                for cid, name, email in rows
            ],
        )
        last = rows[-1][0]


def upgrade() -> None:
    op.create_table(
        "crm_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("won", sa.JSON(), nullable=False),
        sa.Column("lost", sa.JSON(), nullable=False),
        sa.Column("qualified", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_mappings")),
        sa.UniqueConstraint("name", name=op.f("uq_crm_mappings_name")),
    )
    op.create_table(
        "employees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_employees_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_employees_invitation_id_invitations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
    )
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_employees_candidate_id"), ["candidate_id"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_employees_invitation_id"), ["invitation_id"], unique=False
        )

    op.create_table(
        "deals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("crm_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("responsible", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("company", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("qualified", sa.Boolean(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("imported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_deals_employee_id_employees"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deals")),
        sa.UniqueConstraint("source", "crm_id", name=op.f("uq_deals_source_crm_id")),
    )
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deals_employee_id"), ["employee_id"], unique=False)

    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("legal_entity", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("contact_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("sender_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("reply_to", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_organisation_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
    )
    op.create_table(
        "text_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_text_templates_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_templates")),
        sa.UniqueConstraint(
            "kind", "language", "version", name=op.f("uq_text_templates_kind_language_version")
        ),
    )
    op.create_table(
        "assessment_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_assessment_ratings_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_ratings")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_assessment_ratings_invitation_id")),
    )
    with op.batch_alter_table("candidates") as batch:
        batch.add_column(
            sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("opened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    for fit_id, invitation_id, data, quality in _rows():
        decided = _decide(_data(data), quality)
        if decided is not None:
            _store(fit_id, invitation_id, *decided)

    op.create_table(
        "staff_sessions",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("browser", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_staff_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
    )
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_sessions_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_staff_sessions_started_at"), ["started_at"], unique=False
        )

    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "search_text",
                sqlmodel.sql.sqltypes.AutoString(length=MAX),
                nullable=False,
                server_default="",
            )
        )
    _fill_search_text()

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
    # Columns are dropped in place (SQLite 3.35+): a batch copy would drop the old table, and
    # with foreign keys on, SQLite's DROP TABLE deletes its rows and cascades to their children.
    with op.batch_alter_table("vacancies", recreate="never") as batch_op:
        batch_op.drop_column("kind")
    op.drop_table("replaced_links")
    with op.batch_alter_table("candidates", recreate="never") as batch_op:
        batch_op.drop_column("search_text")
    op.drop_table("staff_sessions")
    for fit_id, invitation_id, data, _quality in _rows():
        d = _data(data)
        if "placement" in d:
            _store(fit_id, invitation_id, str(d["placement"]), bool(d.get("too_close_to_call")))
    with op.batch_alter_table("invitations", recreate="never") as batch:
        batch.drop_column("opened_at")
    with op.batch_alter_table("candidates", recreate="never") as batch:
        batch.drop_column("phone")
    op.drop_table("assessment_ratings")
    op.drop_table("text_templates")
    op.drop_table("organisation")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deals_employee_id"))
    op.drop_table("deals")
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employees_invitation_id"))
        batch_op.drop_index(batch_op.f("ix_employees_candidate_id"))
    op.drop_table("employees")
    op.drop_table("crm_mappings")
