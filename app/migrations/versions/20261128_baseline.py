"""baseline: the schema of the 0.1.0 release (7dda273), written out in one migration

Revision ID: 5a0c3e9d7b21
Revises:
Create Date: 2026-12-05

The twelve development migrations up to the release (2964fa41f3b2 ... 5a0c3e9d7b21) squashed
into one. It keeps the release's revision id, so a database of the release is untouched and
upgrades on from here; a database at one of the squashed revisions is told to upgrade with
commit b241048 first (app/migrations/__init__.py). Written out table by table, not from the
models, so that later model changes never alter it. tests/migrations/squash_check.py compared
it with the old chain on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "5a0c3e9d7b21"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime
APPEND_ONLY = "audit_events is append-only"


def _table(
    name: str,
    *columns: sa.Column,
    fks: Sequence[tuple[str, str, str | None]] = (),
    unique: Sequence[Sequence[str]] = (),
    key: str = "id",
) -> None:
    """op.create_table with an integer id first (unless ``key`` names a string key) and the
    constraints named as app.models.NAMING_CONVENTION names them. ``fks``: (column, table,
    ondelete), always to that table's id."""
    id_column = [sa.Column("id", sa.Integer(), nullable=False)] if key == "id" else []
    op.create_table(
        name,
        *id_column,
        *columns,
        *(
            sa.ForeignKeyConstraint(
                [column],
                [f"{target}.id"],
                name=op.f(f"fk_{name}_{column}_{target}"),
                ondelete=ondelete,
            )
            for column, target, ondelete in fks
        ),
        sa.PrimaryKeyConstraint(key, name=op.f(f"pk_{name}")),
        *(sa.UniqueConstraint(*cols, name=op.f(f"uq_{name}_{'_'.join(cols)}")) for cols in unique),
    )


def _index(table: str, *columns: str, name: str = "", unique: bool = False) -> None:
    op.create_index(op.f(name or f"ix_{table}_{columns[0]}"), table, list(columns), unique=unique)


def _col(name: str, type_: sa.types.TypeEngine | type, null: bool = False) -> sa.Column:
    return sa.Column(name, type_, nullable=null)


def upgrade() -> None:
    _table("candidates", _col("name", S(200)), _col("email", S(254), True), _col("created_at", T))
    _table(
        "users",
        _col("email", S(254)),
        _col("full_name", S(200)),
        _col("password_hash", S(200)),
        _col("role", S(32)),
        _col("is_active", sa.Boolean()),
        _col("session_version", sa.Integer()),
        _col("created_at", T),
        _col("last_login_at", T, True),
    )
    _index("users", "email", unique=True)
    _table(
        "vacancies",
        _col("title", S(200)),
        _col("placement", S(32)),
        _col("language", S(2)),
        _col("questionnaire_ids", sa.JSON()),
        _col("created_by_id", sa.Integer(), True),
        _col("created_at", T),
        _col("archived_at", T, True),
        _col("open_token", S(64), True),
        _col("feedback_enabled", sa.Boolean()),
        fks=[("created_by_id", "users", "SET NULL")],
        unique=[["open_token"]],
    )
    _table(
        "invitations",
        _col("candidate_id", sa.Integer()),
        _col("vacancy_id", sa.Integer()),
        _col("token_hash", S(64)),
        _col("language", S(2)),
        _col("questionnaire_ids", sa.JSON()),
        _col("created_by_id", sa.Integer(), True),
        _col("created_at", T),
        _col("expires_at", T),
        _col("revoked_at", T, True),
        _col("consent_at", T, True),
        _col("consent_version", S(32), True),
        _col("started_at", T, True),
        _col("completed_at", T, True),
        _col("token_nonce", S(32), True),
        _col("last_activity_at", T, True),
        _col("reminders_sent", sa.Integer()),
        _col("last_reminded_at", T, True),
        # The candidate table's sort and filter keys (app/invitations/keys.py writes them).
        _col("sort_placement", S(32), True),
        _col("sort_fit", sa.Float(), True),
        _col("sort_quality", sa.Integer(), True),
        _col("sort_decision", S(16), True),
        _col("sort_name", S(200)),
        fks=[
            ("candidate_id", "candidates", "CASCADE"),
            ("created_by_id", "users", "SET NULL"),
            ("vacancy_id", "vacancies", "CASCADE"),
        ],
    )
    _index("invitations", "candidate_id")
    _index("invitations", "token_hash", unique=True)
    _index("invitations", "vacancy_id")
    # The candidate table at 100,000 candidates: (vacancy, key, id) for each sort key.
    for by in ("created_at", "completed_at"):
        _index("invitations", "vacancy_id", by, name=f"ix_invitations_vacancy_id_{by}")
    for by in ("sort_placement", "sort_fit", "sort_quality", "sort_decision", "sort_name"):
        _index("invitations", "vacancy_id", by, "id", name=f"ix_invitations_vacancy_id_{by}")
    _index(
        "invitations",
        *("vacancy_id", "completed_at", "revoked_at", "expires_at", "started_at"),
        name="ix_invitations_vacancy_id_status",
    )
    _index("candidates", "name")

    _invitation_table(
        "answers",
        _col("questionnaire_id", S(64)),
        _col("item_id", S(64)),
        _col("value", sa.Integer()),
        _col("answered_at", T),
        _col("answer_ms", sa.Integer(), True),
        unique=[["invitation_id", "questionnaire_id", "item_id"]],
    )
    _invitation_table(
        "page_events",
        _col("questionnaire_id", S(64)),
        _col("page", sa.Integer()),
        _col("kind", S(8)),
        _col("at", T),
    )
    _invitation_table(
        "results",
        _col("questionnaire_id", S(64)),
        _col("questionnaire_version", S(32)),
        _col("data", sa.JSON()),
        _col("seconds_taken", sa.Integer()),
        _col("quality_level", S(16)),
        _col("created_at", T),
        unique=[["invitation_id", "questionnaire_id"]],
    )
    _api_and_webhooks()
    _table(
        "rate_limits",
        _col("key", S(160)),
        _col("count", sa.Integer()),
        _col("expires_at", sa.Integer()),
        key="key",
    )
    _index("rate_limits", "expires_at")
    _table(
        "erasures",
        _col("candidate_id", sa.Integer()),
        _col("reason", S(16)),
        _col("erased_by_id", sa.Integer(), True),
        _col("erased_at", T),
        _col("removed", sa.JSON()),
        fks=[("erased_by_id", "users", "SET NULL")],
    )
    _index("erasures", "candidate_id")
    _table(
        "outgoing_emails",
        _col("invitation_id", sa.Integer(), True),
        _col("kind", S(16)),
        _col("to_email", S(254)),
        _col("subject", S(500)),
        _col("message_id", S(255)),
        _col("message", sa.LargeBinary()),
        _col("status", S(16)),
        _col("attempts", sa.Integer()),
        _col("next_attempt_at", T, True),
        _col("last_error", S(2000), True),
        _col("outbox_path", S(500), True),
        _col("created_by_id", sa.Integer(), True),
        _col("created_at", T),
        _col("sent_at", T, True),
        fks=[("invitation_id", "invitations", "SET NULL"), ("created_by_id", "users", "SET NULL")],
        unique=[["message_id"]],
    )
    _index("outgoing_emails", "invitation_id")
    _index("outgoing_emails", "status", "next_attempt_at", name="ix_outgoing_emails_status_next")
    _matrix_and_fit()
    _permissions_decisions_audit()


def _invitation_table(name: str, *columns: sa.Column, unique: Sequence[Sequence[str]] = ()) -> None:
    """A table of rows that belong to one invitation and go with it."""
    _table(
        name,
        _col("invitation_id", sa.Integer()),
        *columns,
        fks=[("invitation_id", "invitations", "CASCADE")],
        unique=unique,
    )
    _index(name, "invitation_id")


def _api_and_webhooks() -> None:
    _table(
        "api_keys",
        _col("name", S(100)),
        _col("prefix", S(16)),
        _col("key_hash", S(64)),
        _col("scope", S(16)),
        _col("created_by_id", sa.Integer(), True),
        _col("created_at", T),
        _col("last_used_at", T, True),
        _col("revoked_at", T, True),
        fks=[("created_by_id", "users", "SET NULL")],
    )
    _index("api_keys", "key_hash", unique=True)
    _table(
        "webhook_endpoints",
        _col("url", S(2000)),
        _col("events", sa.JSON()),
        _col("description", S(200)),
        _col("secret", S(100)),
        _col("active", sa.Boolean()),
        _col("created_by_id", sa.Integer(), True),
        _col("created_at", T),
        fks=[("created_by_id", "users", "SET NULL")],
    )
    _table(
        "webhook_events",
        _col("event", S(64)),
        _col("key", S(200)),
        _col("subject_id", sa.Integer(), True),
        _col("occurred_at", T),
        _col("payload", sa.JSON()),
        _col("created_at", T),
        unique=[["key"]],
    )
    _index("webhook_events", "subject_id")
    _table(
        "webhook_deliveries",
        _col("event_id", sa.Integer()),
        _col("endpoint_id", sa.Integer()),
        _col("status", S(16)),
        _col("attempts", sa.Integer()),
        _col("next_attempt_at", T, True),
        _col("last_status_code", sa.Integer(), True),
        _col("last_error", S(500), True),
        _col("created_at", T),
        _col("delivered_at", T, True),
        fks=[
            ("endpoint_id", "webhook_endpoints", "CASCADE"),
            ("event_id", "webhook_events", "CASCADE"),
        ],
        unique=[["event_id", "endpoint_id"]],
    )
    for column in ("endpoint_id", "event_id", "next_attempt_at", "status"):
        _index("webhook_deliveries", column)


def _matrix_and_fit() -> None:
    _table(
        "matrix_versions",
        _col("label", S(40)),
        _col("content", sa.JSON()),
        _col("content_hash", S(64)),
        _col("created_by_id", sa.Integer(), True),
        _col("author", S(254)),
        _col("created_at", T),
        _col("note", S(500)),
        fks=[("created_by_id", "users", "SET NULL")],
        unique=[["content_hash"]],
    )
    _table(
        "fit_records",
        _col("invitation_id", sa.Integer()),
        _col("matrix_version_id", sa.Integer()),
        _col("type_code", S(8)),
        _col("type_probability", sa.Float()),
        _col("placement", S(32)),
        _col("best_role", S(32)),
        _col("best_fit", sa.Float()),
        _col("target_fit", sa.Float(), True),
        _col("too_close", sa.Boolean()),
        _col("quality_level", S(16)),
        _col("data", sa.JSON()),
        _col("created_at", T),
        _col("rescored_at", T, True),
        fks=[
            ("invitation_id", "invitations", "CASCADE"),
            ("matrix_version_id", "matrix_versions", None),
        ],
        unique=[["invitation_id"]],
    )
    _index("fit_records", "matrix_version_id")
    _table(
        "checklist_answers",
        _col("invitation_id", sa.Integer()),
        _col("trait_id", S(64)),
        _col("checked", sa.Boolean()),
        _col("comment", S(2000)),
        _col("author_id", sa.Integer(), True),
        _col("updated_at", T),
        fks=[("invitation_id", "invitations", "CASCADE"), ("author_id", "users", "SET NULL")],
        unique=[["invitation_id", "trait_id"]],
    )
    _index("checklist_answers", "invitation_id")


def _permissions_decisions_audit() -> None:
    _table(
        "vacancy_assignments",
        _col("vacancy_id", sa.Integer()),
        _col("user_id", sa.Integer()),
        _col("created_at", T),
        fks=[("user_id", "users", "CASCADE"), ("vacancy_id", "vacancies", "CASCADE")],
        unique=[["vacancy_id", "user_id"]],
    )
    _index("vacancy_assignments", "vacancy_id")
    _index("vacancy_assignments", "user_id")
    _table(
        "decisions",
        _col("invitation_id", sa.Integer()),
        _col("decision", S(16)),
        _col("note", S(2000)),
        _col("author_id", sa.Integer(), True),
        _col("author_email", S(254)),
        _col("current", sa.Boolean()),
        _col("created_at", T),
        fks=[("author_id", "users", "SET NULL"), ("invitation_id", "invitations", "CASCADE")],
    )
    _index("decisions", "invitation_id", "current", name="ix_decisions_invitation_id_current")
    _table(
        "audit_events",
        _col("at", T),
        _col("actor_id", sa.Integer(), True),
        _col("actor_email", S(254)),
        _col("action", S(64)),
        _col("object_type", S(32)),
        _col("object_id", S(64), True),
        _col("vacancy_id", sa.Integer(), True),
        _col("details", sa.JSON()),
        _col("ip", S(64), True),
        fks=[("actor_id", "users", "SET NULL")],
    )
    for column in ("at", "actor_email", "action", "vacancy_id"):
        _index("audit_events", column)
    _append_only_triggers()


def _append_only_triggers() -> None:
    # TRUNCATE stays possible for the database owner (the test suite empties tables with it);
    # the application never issues it. A user deleted later sets actor_id to NULL through the
    # foreign key: that one UPDATE is allowed (only actor_id changes, to NULL); every other
    # UPDATE and every DELETE is refused.
    if op.get_bind().dialect.name == "postgresql":
        # OR REPLACE: dropping the tables (as the test suite does) leaves functions behind.
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
                 AND (NEW.id, NEW.at, NEW.actor_email, NEW.action, NEW.object_type,
                      NEW.object_id, NEW.vacancy_id, NEW.details::text, NEW.ip)
                     IS NOT DISTINCT FROM
                     (OLD.id, OLD.at, OLD.actor_email, OLD.action, OLD.object_type,
                      OLD.object_id, OLD.vacancy_id, OLD.details::text, OLD.ip) THEN
                RETURN NEW;
              END IF;
              RAISE EXCEPTION '{APPEND_ONLY}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
    else:
        op.execute(
            f"""
            CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
            WHEN NOT (NEW.actor_id IS NULL
                      AND NEW.id IS OLD.id AND NEW.at IS OLD.at
                      AND NEW.actor_email IS OLD.actor_email AND NEW.action IS OLD.action
                      AND NEW.object_type IS OLD.object_type
                      AND NEW.object_id IS OLD.object_id AND NEW.vacancy_id IS OLD.vacancy_id
                      AND NEW.details IS OLD.details AND NEW.ip IS OLD.ip)
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END
            """
        )
        op.execute(
            f"""
            CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END
            """
        )


TABLES = (
    "audit_events",
    "decisions",
    "vacancy_assignments",
    "checklist_answers",
    "fit_records",
    "matrix_versions",
    "outgoing_emails",
    "erasures",
    "rate_limits",
    "webhook_deliveries",
    "webhook_events",
    "webhook_endpoints",
    "api_keys",
    "results",
    "page_events",
    "answers",
    "invitations",
    "vacancies",
    "users",
    "candidates",
)


def downgrade() -> None:
    # Dropping a table drops its indexes and, on SQLite, its triggers.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    for name in TABLES:
        op.drop_table(name)
