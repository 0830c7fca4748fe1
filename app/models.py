"""Every table of rolefit. Alembic autogenerates migrations from this metadata.

Timestamps are timezone-aware UTC (``app.db.utcnow``); SQLModel's column type keeps them so
on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    Column,
    Index,
    LargeBinary,
    MetaData,
    Text,
    UniqueConstraint,
    and_,
    case,
    event,
    not_,
)
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel, col

from app.db import utcnow
from app.text import SEARCH_TEXT_MAX, candidate_search_text, has_invisible_format, strip_bidi

# Deterministic constraint names, so migrations can drop and alter them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)
metadata = SQLModel.metadata


class Role(StrEnum):
    admin = "admin"
    recruiter = "recruiter"
    hiring_manager = "hiring_manager"


class Placement(StrEnum):
    """The placement a vacancy is for (the sales conveyor's roles, as hired for)."""

    hunter = "hunter"
    farmer = "farmer"
    sales_operations = "sales_operations"
    universal = "universal"
    undecided = "undecided"


class InvitationStatus(StrEnum):
    invited = "invited"
    started = "started"
    completed = "completed"
    expired = "expired"
    revoked = "revoked"


DEFAULT_QUESTIONNAIRES = ["introversion_extraversion"]


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    full_name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=32)
    is_active: bool = True
    # Embedded in the session cookie; raising it logs the user out everywhere.
    session_version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class StaffSession(SQLModel, table=True):
    """One staff login, listed on the account page so its owner can end it from elsewhere.

    The cookie carries a random session id; only its SHA-256 is stored, so a copy of the
    database cannot be turned back into cookies. The browser is kept as a short summary
    ("Firefox, Windows"), not the whole User-Agent: least data. Logout deletes the row (the
    cookie alone lets no one in); rows past the session lifetime are deleted at the next login
    and by the daily retention run.
    """

    __tablename__ = "staff_sessions"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    started_at: datetime = Field(default_factory=utcnow, index=True)
    last_seen_at: datetime = Field(default_factory=utcnow)
    address: str = Field(default="", max_length=64)
    browser: str = Field(default="", max_length=80)


class Vacancy(SQLModel, table=True):
    __tablename__ = "vacancies"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    placement: str = Field(default=Placement.undecided, max_length=32)
    language: str = Field(default="ru", max_length=2)
    # The questionnaires a candidate answers, in order.
    questionnaire_ids: list[str] = Field(
        default_factory=lambda: list(DEFAULT_QUESTIONNAIRES), sa_column=Column(JSON, nullable=False)
    )
    created_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    archived_at: datetime | None = None
    # Issue 5: the open self-registration link (its token; None = off; the link is public by
    # design, so the token is kept to show it again) and the candidate's own feedback page.
    open_token: str | None = Field(default=None, max_length=64, unique=True)
    feedback_enabled: bool = False
    # Issue 18: "team" is the internal vacancy whose links assess current employees (the
    # employee consent text, results attached to the employee); hidden from hiring pages.
    kind: str = Field(default="hiring", max_length=16)

    @property
    def is_closed(self) -> bool:
        """Closed (``archived_at`` is when): no new invitations, see ``closed_to_candidate``."""
        return self.archived_at is not None


class Candidate(SQLModel, table=True):
    __tablename__ = "candidates"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    # Issue 15: with no email, the same name and phone mark a person already invited.
    phone: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)
    # Issue 15: the name and email as the staff search compares them (app.text.search_key),
    # kept by the flush below; SQL cannot fold Cyrillic case the same on SQLite and PostgreSQL.
    # (A server default too: rows inserted by plain SQL get an empty one, found by nobody.)
    search_text: str = Field(
        default="", max_length=SEARCH_TEXT_MAX, sa_column_kwargs={"server_default": ""}
    )


class _LinkDates(Protocol):
    @property
    def completed_at(self) -> datetime | None: ...
    @property
    def revoked_at(self) -> datetime | None: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def started_at(self) -> datetime | None: ...


def _status_tests(link: Any, now: datetime, is_set: Callable[[Any], Any]) -> list[tuple[Any, Any]]:
    """THE rule of an invitation's status: the first test that holds wins, else "invited".

    One list serves Python and SQL: ``link`` is an invitation (or a row with its dates) with
    ``is_set`` meaning "is not None", or the table's columns with ``is_set`` meaning SQL
    ``IS NOT NULL`` (``<=`` builds SQL on columns by itself).
    """
    return [
        (InvitationStatus.completed, is_set(link.completed_at)),
        (InvitationStatus.revoked, is_set(link.revoked_at)),
        (InvitationStatus.expired, link.expires_at <= now),
        (InvitationStatus.started, is_set(link.started_at)),
    ]


def invitation_status(link: _LinkDates, now: datetime) -> InvitationStatus:
    """An invitation's status from its dates; ``link`` is an ``Invitation`` or a row with the
    same columns (the candidate's hot path reads rows, not ORM objects)."""
    tests = _status_tests(link, now, lambda value: value is not None)
    return next((status for status, holds in tests if holds), InvitationStatus.invited)


def closed_to_candidate(*, vacancy_closed: bool, consent_at: datetime | None) -> bool:
    """THE rule of a closed vacancy's links (issue 15): a link whose candidate has not yet
    agreed to take part says the vacancy is closed; one who has agreed (and so may be half-way
    through) may still finish, and a finished one can still see its thank-you page. Reopening
    the vacancy makes the closed links work again. The candidate pages, reminders and new
    links all ask this."""
    return vacancy_closed and consent_at is None


def _sql_status_tests(now: datetime) -> list[tuple[Any, Any]]:
    columns = Invitation.__table__.c  # type: ignore[attr-defined]
    return _status_tests(columns, now, lambda column: column.is_not(None))


def status_sql(now: datetime) -> Any:
    """The status as a SQL CASE (for sorting and counting by status)."""
    tests = _sql_status_tests(now)
    return case(
        *((test, status.value) for status, test in tests), else_=InvitationStatus.invited.value
    )


def status_is(status: str, now: datetime) -> Any:
    """SQL WHERE for one status: its own test and the negation of every test before it, as
    plain column comparisons that indexes can serve."""
    earlier: list[Any] = []
    for name, test in _sql_status_tests(now):
        if name == status:
            return and_(*earlier, test)
        earlier.append(not_(test))
    return and_(*earlier)


class Invitation(SQLModel, table=True):
    """A candidate's personal link to one vacancy's questionnaires."""

    __tablename__ = "invitations"

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidates.id", index=True, ondelete="CASCADE")
    vacancy_id: int = Field(foreign_key="vacancies.id", index=True, ondelete="CASCADE")
    # sha256 hex of the token in the link; the token itself is never stored.
    token_hash: str = Field(max_length=64, unique=True, index=True)
    language: str = Field(default="ru", max_length=2)
    # Copied from the vacancy when invited, so later changes to the vacancy do not move goalposts.
    questionnaire_ids: list[str] = Field(
        default_factory=lambda: list(DEFAULT_QUESTIONNAIRES), sa_column=Column(JSON, nullable=False)
    )
    created_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    consent_at: datetime | None = None
    consent_version: str | None = Field(default=None, max_length=32)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    # Issue 15: when the candidate first opened the link (the funnel's second step).
    opened_at: datetime | None = None
    # Issue 5. The link token is HMAC(secret key, nonce): reminders can rebuild the link, a
    # database alone cannot. None: a random token (the link cannot be rebuilt, only replaced).
    token_nonce: str | None = Field(default=None, max_length=32)
    last_activity_at: datetime | None = None
    reminders_sent: int = 0
    last_reminded_at: datetime | None = None
    # The candidate table's sort and filter keys from other tables (candidate's name, fit
    # record, results, current decision), copied here so each sort is one index range;
    # written only by app.invitations.keys.sync_table_keys.
    sort_name: str = Field(default="", max_length=200)
    sort_placement: str | None = Field(default=None, max_length=32)
    sort_fit: float | None = None
    sort_quality: int | None = None  # 0 good, 1 doubtful, 2 unusable
    sort_decision: str | None = Field(default=None, max_length=16)

    def status(self, now: datetime) -> InvitationStatus:
        return invitation_status(self, now)


class ReplacedLink(SQLModel, table=True):
    """A candidate link that "New link" replaced: only its token's hash, so the old link can
    say it was replaced (and whom to ask) instead of "not valid". A row refers to its
    invitation, so erasure and retention delete it with the invitation's personal data."""

    __tablename__ = "replaced_links"

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="invitations.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    replaced_at: datetime = Field(default_factory=utcnow)


class Answer(SQLModel, table=True):
    """One answer to one item; saved page by page and upserted, so nothing given is lost."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("invitation_id", "questionnaire_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="invitations.id", index=True, ondelete="CASCADE")
    questionnaire_id: str = Field(max_length=64)
    item_id: str = Field(max_length=64)
    value: int
    answered_at: datetime = Field(default_factory=utcnow)
    # Milliseconds the browser measured from the page (or the previous answer) to this answer;
    # None without JavaScript. Candidate-reported, so used for quality flags only.
    answer_ms: int | None = None


class PageEvent(SQLModel, table=True):
    """Server time of each page shown and saved: the engine's per-page timing comes from here."""

    __tablename__ = "page_events"

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="invitations.id", index=True, ondelete="CASCADE")
    questionnaire_id: str = Field(max_length=64)
    page: int
    kind: str = Field(max_length=8)  # "view" or "save"
    at: datetime = Field(default_factory=utcnow)


class Result(SQLModel, table=True):
    """The engine's result for one questionnaire of one invitation; never two."""

    __tablename__ = "results"
    __table_args__ = (UniqueConstraint("invitation_id", "questionnaire_id"),)

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="invitations.id", index=True, ondelete="CASCADE")
    questionnaire_id: str = Field(max_length=64)
    questionnaire_version: str = Field(max_length=32)
    # questionnaires.result.Result as JSON, exactly as the engine returned it.
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    seconds_taken: int
    quality_level: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


# --- Issue 6: permissions, decisions, audit log ---------------------------------------------


class VacancyAssignment(SQLModel, table=True):
    """A hiring manager sees only the vacancies assigned to them (set by admins and recruiters)."""

    __tablename__ = "vacancy_assignments"
    __table_args__ = (UniqueConstraint("vacancy_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    vacancy_id: int = Field(foreign_key="vacancies.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)


class DecisionKind(StrEnum):
    advance = "advance"
    hold = "hold"
    reject = "reject"


class Decision(SQLModel, table=True):
    """A person's decision on a candidate; history is kept, the row with ``current`` is shown.

    ``current`` is a flag rather than "the newest row" so the candidate table joins one row per
    invitation through an index instead of a per-row max() subquery.
    """

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_invitation_id_current", "invitation_id", "current"),)

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="invitations.id", ondelete="CASCADE")
    decision: str = Field(max_length=16)
    note: str = Field(default="", max_length=2000)
    author_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    author_email: str = Field(default="", max_length=254)
    current: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Who viewed, exported, changed or deleted what, and when. Append-only: database triggers
    refuse UPDATE and DELETE (see the migration), and no route changes a row."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    # The id goes when a user is deleted; the email snapshot keeps the trail readable.
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    actor_email: str = Field(default="", max_length=254, index=True)
    action: str = Field(max_length=64, index=True)
    object_type: str = Field(max_length=32)
    object_id: str | None = Field(default=None, max_length=64)
    # No foreign key: the trail outlives the vacancy it mentions.
    vacancy_id: int | None = Field(default=None, index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ip: str | None = Field(default=None, max_length=64)


# --- scoring, matrix versions, fit records, checklist (issues 3 and 4) ---------------------


class MatrixVersion(SQLModel, table=True):
    """One version of the role-fit matrix; the newest is the matrix in force.

    ``content`` is ``RoleFitMatrix.to_dict()``. A version is never changed or deleted, so an
    old report can always show the matrix it was scored with.
    """

    __tablename__ = "matrix_versions"

    id: int | None = Field(default=None, primary_key=True)
    label: str = Field(max_length=40)  # the matrix's own version label
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    content_hash: str = Field(max_length=64, unique=True)
    # None with author "file": stored from socionics/role_fit.yaml.
    created_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    author: str = Field(default="", max_length=254)  # kept when the user is deleted
    created_at: datetime = Field(default_factory=utcnow)
    note: str = Field(default="", max_length=500)


class FitRecord(SQLModel, table=True):
    """The recommendation of one invitation, with the matrix version it was scored with.

    One row per invitation: re-scoring with a newer matrix replaces it (``rescored_at`` set).
    The plain columns let the candidate table sort and filter without parsing ``data``.
    """

    __tablename__ = "fit_records"

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="invitations.id", unique=True, ondelete="CASCADE")
    matrix_version_id: int = Field(foreign_key="matrix_versions.id", index=True)
    type_code: str = Field(max_length=8)
    type_probability: float
    # socionics.recommend.Verdict.code: hunter, farmer, sales_operations, no_suitable_role or
    # not_interpretable (the one decision every list reads).
    placement: str = Field(max_length=32)
    best_role: str = Field(max_length=32)
    best_fit: float
    # The vacancy target's best expected fit; None when the vacancy is undecided.
    target_fit: float | None = None
    too_close: bool  # between the two best placements (decide)
    quality_level: str = Field(max_length=16)  # the worst level over the invitation's results
    # socionics.recommend.Recommendation as JSON.
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    rescored_at: datetime | None = None


class ChecklistAnswer(SQLModel, table=True):
    """The hiring manager's tick and comment on one portrait trait for one invitation."""

    __tablename__ = "checklist_answers"
    __table_args__ = (UniqueConstraint("invitation_id", "trait_id"),)

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="invitations.id", index=True, ondelete="CASCADE")
    trait_id: str = Field(max_length=64)
    checked: bool = False
    comment: str = Field(default="", max_length=2000)
    author_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow)


# The candidate table filters by vacancy and sorts by date, name or progress; these keep
# its pages fast with 100,000 candidates (bench/bench_table.py).
Index(
    "ix_invitations_vacancy_id_created_at",
    col(Invitation.vacancy_id),
    col(Invitation.created_at),
)
Index(
    "ix_invitations_vacancy_id_completed_at",
    col(Invitation.vacancy_id),
    col(Invitation.completed_at),
)
Index("ix_candidates_name", col(Candidate.name))
# The copied keys above: (vacancy, key, id) serves "WHERE vacancy ORDER BY key, id LIMIT".
for _key in ("sort_name", "sort_placement", "sort_fit", "sort_quality", "sort_decision"):
    Index(
        f"ix_invitations_vacancy_id_{_key}",
        Invitation.__table__.c.vacancy_id,  # type: ignore[attr-defined]
        Invitation.__table__.c[_key],  # type: ignore[attr-defined]
        Invitation.__table__.c.id,  # type: ignore[attr-defined]
    )
# Every column the status is computed from: counting one status reads only this index.
Index(
    "ix_invitations_vacancy_id_status",
    col(Invitation.vacancy_id),
    col(Invitation.completed_at),
    col(Invitation.revoked_at),
    col(Invitation.expires_at),
    col(Invitation.started_at),
)


# --- security (issue 8): shared rate-limit counters -------------------------------------------


class RateLimit(SQLModel, table=True):
    """One fixed-window counter (``app.security.ratelimit``); the key holds the window start."""

    __tablename__ = "rate_limits"

    key: str = Field(primary_key=True, max_length=160)
    count: int = 0
    # Unix seconds: rows past it are swept; an integer compares the same on every database.
    expires_at: int = Field(index=True)


# --- Issue 5: invitations by email -----------------------------------------------------------


class EmailStatus(StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    outboxed = "outboxed"
    failed = "failed"


class OutgoingEmail(SQLModel, table=True):
    """One email to send. The message is built once, so every retry keeps its Message-ID."""

    __tablename__ = "outgoing_emails"
    __table_args__ = (Index("ix_outgoing_emails_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int | None = Field(
        default=None, foreign_key="invitations.id", index=True, ondelete="SET NULL"
    )
    kind: str = Field(max_length=16)  # invitation | reminder
    to_email: str = Field(max_length=254)
    subject: str = Field(max_length=500)
    message_id: str = Field(max_length=255, unique=True)
    message: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = Field(default=EmailStatus.queued, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=2000)
    outbox_path: str | None = Field(default=None, max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


# --- Issue 7: integration API keys and webhooks ---------------------------------------------


class ApiScope(StrEnum):
    read = "read"
    read_write = "read_write"


class ApiKey(SQLModel, table=True):
    """A bearer token for /api/v1. Only its sha256 is stored: the key is shown once."""

    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    # The key's first characters, shown in lists so an admin can tell keys apart.
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True, index=True)
    scope: str = Field(default=ApiScope.read, max_length=16)
    created_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class WebhookEndpoint(SQLModel, table=True):
    """A URL an admin registered for some events. The secret signs every delivery to it."""

    __tablename__ = "webhook_endpoints"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    description: str = Field(default="", max_length=200)
    # Kept in plain text: signing needs the secret itself (docs/api.md says why).
    secret: str = Field(max_length=100)
    active: bool = True
    created_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class WebhookEvent(SQLModel, table=True):
    """Something that happened, once: the unique key makes emitting the same fact twice a no-op."""

    __tablename__ = "webhook_events"

    id: int | None = Field(default=None, primary_key=True)
    event: str = Field(max_length=64)
    # e.g. "assessment.completed:42"; two processes emitting the same fact insert one row.
    key: str = Field(max_length=200, unique=True)
    subject_id: int | None = Field(default=None, index=True)  # the invitation, for both events
    occurred_at: datetime
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """The persistent outbox: one event to one endpoint, retried with backoff until delivered."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "endpoint_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="webhook_events.id", index=True, ondelete="CASCADE")
    endpoint_id: int = Field(foreign_key="webhook_endpoints.id", index=True, ondelete="CASCADE")
    status: str = Field(default="pending", max_length=16, index=True)  # pending|delivered|failed
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, index=True)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None


# --- privacy (issue 8): erasure records -----------------------------------------------------


class Erasure(SQLModel, table=True):
    """Proof that a candidate's personal data was erased: when, why, by whom. No personal data:
    the candidate id only points at the emptied row (or at nothing, if that was removed)."""

    __tablename__ = "erasures"

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(index=True)
    reason: str = Field(max_length=16)  # "request" or "retention"
    erased_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    erased_at: datetime = Field(default_factory=utcnow)
    # Row counts per table removed, for the record (numbers only).
    removed: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


# --- Issue 15: the organisation, its texts, and what candidates say about the assessment -----


class Organisation(SQLModel, table=True):
    """The employer that invites candidates: the operator of their personal data under
    152-FZ. One row (id 1); until it exists, candidate links do not open."""

    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)  # the display name candidates see
    legal_entity: str = Field(max_length=300)
    address: str = Field(max_length=500)
    contact_email: str = Field(max_length=254)  # for data requests
    sender_name: str = Field(default="", max_length=200)  # empty: the display name
    reply_to: str = Field(default="", max_length=254)  # empty: the contact email
    logo: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    logo_type: str | None = Field(default=None, max_length=32)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class TextTemplate(SQLModel, table=True):
    """One version of a text an admin edits (the consent, an email) in one language. The
    newest version is in force; none is changed or deleted, so a consent record can always
    show the text the candidate agreed to."""

    __tablename__ = "text_templates"
    __table_args__ = (UniqueConstraint("kind", "language", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # consent | invitation | reminder
    language: str = Field(max_length=2)
    version: int
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    author: str = Field(default="", max_length=254)  # kept when the user is deleted
    created_at: datetime = Field(default_factory=utcnow)


class AssessmentRating(SQLModel, table=True):
    """A candidate's optional answer to "How was this assessment?" after finishing. The
    comment is personal data: exported, erased and expired with the candidate."""

    __tablename__ = "assessment_ratings"

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="invitations.id", unique=True, ondelete="CASCADE")
    rating: int | None = None  # 1..5
    comment: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)


# --- Issue 18: the current team and its sales results ----------------------------------------


class EmployeeRole(StrEnum):
    scout = "scout"
    hunter = "hunter"
    closer = "closer"
    farmer = "farmer"
    sales_operations = "sales_operations"


class Employee(SQLModel, table=True):
    """A member of the sales team whose results are compared with their assessment.

    The person (name, email) is a ``Candidate`` row, so a hired candidate becomes an employee
    without a second assessment, and export, erasure and retention treat them alike.
    """

    __tablename__ = "employees"

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(
        foreign_key="candidates.id", unique=True, index=True, ondelete="CASCADE"
    )
    role: str = Field(max_length=32)
    team: str = Field(default="", max_length=100)
    started_on: date
    ended_on: date | None = None
    # The completed assessment whose type probabilities count; None: not assessed yet.
    invitation_id: int | None = Field(
        default=None, foreign_key="invitations.id", index=True, ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow)


class Deal(SQLModel, table=True):
    """One deal from a CRM export; imported again, the same CRM id updates it."""

    __tablename__ = "deals"
    __table_args__ = (UniqueConstraint("source", "crm_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)  # the mapping's name: bitrix24, amocrm, ...
    crm_id: str = Field(max_length=64)
    employee_id: int | None = Field(
        default=None, foreign_key="employees.id", index=True, ondelete="SET NULL"
    )
    # The responsible person as the CRM wrote it, kept only until matched to an employee.
    responsible: str = Field(default="", max_length=200)
    company: str = Field(default="", max_length=200)
    amount: Decimal = Field(default=Decimal(0), max_digits=16, decimal_places=2)
    stage: str = Field(default="", max_length=100)
    outcome: str = Field(max_length=8)  # won, lost, open
    qualified: bool = False
    created_on: date
    closed_on: date | None = None
    products: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    imported_at: datetime = Field(default_factory=utcnow)


class CrmName(SQLModel, table=True):
    """A responsible person's name as a CRM writes it, matched to an employee by hand on the
    team page: later imports give that name's new deals to the same employee. Goes with the
    employee (an erasure deletes the employee row, and this with it)."""

    __tablename__ = "crm_names"

    id: int | None = Field(default=None, primary_key=True)
    # The name with case and spacing folded, as deals are matched.
    name_key: str = Field(max_length=200, unique=True)
    employee_id: int = Field(foreign_key="employees.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)


class CrmMapping(SQLModel, table=True):
    """A column mapping made on the mapping screen, kept for the next import."""

    __tablename__ = "crm_mappings"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=32, unique=True)
    # field -> column title; and the stage values that mean won, lost, qualified.
    columns: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    won: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lost: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    qualified: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


# --- text people type, shown as text on staff pages (app.text) --------------------------------

# Saved through the ORM, these are cleaned in the flush below; a core INSERT or UPDATE of one
# of them must clean it itself (app.matrix.service.store_version does, for the note).
PLAIN_TEXT: dict[type[SQLModel], tuple[str, ...]] = {
    Candidate: ("name",),
    Vacancy: ("title",),
    User: ("full_name",),
    Decision: ("note",),
    ChecklistAnswer: ("comment",),
    MatrixVersion: ("note",),
    ApiKey: ("name",),
    WebhookEndpoint: ("description",),
    Organisation: ("name", "legal_entity", "address", "sender_name"),
    AssessmentRating: ("comment",),
    Employee: ("team",),
    Deal: ("responsible", "company"),
}


@event.listens_for(OrmSession, "before_flush")
def _strip_bidi_on_save(session: OrmSession, _context: Any, _instances: Any) -> None:
    """Every session saves the PLAIN_TEXT columns without invisible format characters."""
    for obj in (*session.new, *session.dirty):
        for name in PLAIN_TEXT.get(type(obj), ()):
            value = getattr(obj, name)
            if isinstance(value, str) and has_invisible_format(value):
                setattr(obj, name, strip_bidi(value))
        if isinstance(obj, Candidate):
            wanted = candidate_search_text(obj.name, obj.email)
            if obj.search_text != wanted:
                obj.search_text = wanted
