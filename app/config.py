"""One typed ``Settings``, read from environment variables and an optional ``.env`` file."""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

# The interface's languages are the questionnaires' languages: one list, in questionnaires/.
from questionnaires.schema import LANGUAGES as LANGUAGES

KEY_FILE = "secret_key"


class SettingsError(Exception):
    """A setting that cannot be used; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    env: Literal["development", "production"] = "development"
    # Where the SQLite file, the generated secret key and the demo password live.
    data_dir: Path = Path("data")
    # Empty means a SQLite file in data_dir.
    database_url: str = ""
    # Empty in development means: generate one and keep it in data_dir.
    secret_key: str = ""
    # Unset, links follow HOST and PORT, as `make run` and `rolefit serve` listen on them: the
    # server and `rolefit invite` build the same links from the same environment.
    base_url: str = Field(default_factory=lambda: _listen_url())
    default_language: Literal["ru", "en"] = "ru"
    invitation_days: int = Field(default=14, ge=1, le=365)
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    # Webhook deliveries (issue 7): the in-process worker; tests turn it off and call
    # app.webhooks.service.deliver_due themselves.
    webhook_worker: bool = True
    webhook_poll_seconds: float = Field(default=5, gt=0, le=3600)
    # Receivers on private or loopback addresses (the company network). Link-local and cloud
    # metadata addresses are refused whatever this says.
    webhook_allow_private: bool = False

    # Email (issue 5). No SMTP_HOST: every message goes to the outbox folder instead.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_tls: Literal["none", "starttls", "ssl"] = "starttls"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_timeout: float = Field(default=30, gt=0, le=600)
    mail_from: str = "rolefit <rolefit@localhost>"
    # Empty means <data_dir>/outbox.
    outbox_dir: Path | None = None
    # Shown to candidates whose link no longer works, and as Reply-To unless the organisation
    # names its own; empty: the inviter's email. (The employer itself is the organisation:
    # `rolefit organisation` or the Organisation page.)
    contact_email: str = ""
    # Automatic reminders after this many idle days (0 turns them off), at most max_reminders.
    reminder_after_days: int = Field(default=3, ge=0, le=365)
    max_reminders: int = Field(default=2, ge=0, le=10)
    # The background mail worker; tests turn it off and call app.invitations.mailer directly.
    mail_worker: bool = True
    mail_poll_seconds: float = Field(default=10, gt=0, le=3600)
    # The consent text's version; its text is consent/<version>.<lang>.txt in data_dir or built in.
    consent_version: str = Field(default="2026-12", pattern=r"^[A-Za-z0-9._-]{1,32}$")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value:
            return value
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from exc
        # "postgresql://" would pick psycopg2, which is not installed; psycopg 3 is.
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        if url.drivername not in ("sqlite", "postgresql+psycopg"):
            raise ValueError("use sqlite:///path or postgresql+psycopg://user@host/db")
        return url.render_as_string(hide_password=False)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> Settings:
        if self.env == "production" and not self.secret_key:
            raise ValueError("SECRET_KEY must be set when ENV=production")
        return self

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def outbox_path(self) -> Path:
        return self.outbox_dir or self.data_dir / "outbox"

    @cached_property
    def db_url(self) -> str:
        """The database URL to connect to (the SQLite default made concrete)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'rolefit.db').resolve()}"

    @cached_property
    def session_secret(self) -> str:
        """SECRET_KEY, or in development a key generated once and kept in data_dir."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / KEY_FILE
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        # Created with owner-only permissions: the key signs every staff session.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(key + "\n")
        return key

    # --- production hardening (issue 8); fields may follow methods in a pydantic model ---
    # Where rate-limit counters live (app.security.ratelimit.storage_kind): auto is Redis when
    # REDIS_URL is set, else memory on SQLite (one process) and the database on PostgreSQL
    # (shared by every instance). Login slowdowns are never only in memory.
    redis_url: str = ""
    rate_limit_storage: Literal["auto", "memory", "database", "redis"] = "auto"
    rate_limit_prefix: str = "rolefit:rl:"
    # Comma-separated proxy addresses/networks whose X-Forwarded-For is believed; empty: none.
    trusted_proxies: str = ""
    # Requests per minute: candidate links per link (so a whole office behind one address can
    # answer at once), unknown links per client address (token guessing), logins and the open
    # registration form per address, the API per authenticated key, and failed API
    # authentications per address.
    rate_limit_candidate: int = Field(default=120, ge=1)
    rate_limit_bad_links: int = Field(default=20, ge=1)
    rate_limit_login: int = Field(default=20, ge=1)
    rate_limit_register: int = Field(default=10, ge=1)
    rate_limit_api: int = Field(default=600, ge=1)
    rate_limit_api_auth: int = Field(default=30, ge=1)
    # Per account and client address: this many failed logins cost nothing, then each failure
    # makes that address wait before the next try, doubling up to login_max_delay_seconds.
    login_free_failures: int = Field(default=3, ge=0, le=100)
    login_max_delay_seconds: int = Field(default=5, ge=1, le=60)
    # A staff session ends after this long without a request (the absolute cap is session_hours).
    session_idle_minutes: int = Field(default=120, ge=5, le=24 * 60)
    # Threads that run the (synchronous) route handlers of one server process. The handlers are
    # CPU-bound Python under one GIL: more threads only take turns and queue on the database
    # lock, which stretched the slowest candidate requests from 0.2 s to 1.5 s (bench/load).
    # Each ZIP download being built holds one while it waits for a PDF.
    request_threads: int = Field(default=4, ge=1, le=200)
    # Candidate requests' database work: "on" queues it for one writer thread per process that
    # commits everything waiting at once (app/writer.py); "off" runs each request in its own
    # transaction on a pooled connection in a request thread (PostgreSQL only: on SQLite a read
    # that turns into a write can fail as "database is locked"); "auto" is "on", the faster
    # one on both databases as measured in bench/load/README.md.
    group_commit: Literal["auto", "on", "off"] = "auto"
    # Bodies over these sizes are refused with 413 (multipart uploads have the larger limit).
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    max_upload_bytes: int = Field(default=5_000_000, ge=1024)
    # Candidates' personal data is deleted this many days after their vacancy closes.
    retention_days_after_close: int = Field(default=180, ge=0, le=3650)
    # An employee's personal data and assessment are deleted this many days after their end
    # date (their deals stay, without a name).
    retention_days_after_leaving: int = Field(default=365, ge=0, le=3650)
    # Apply the retention policy daily inside the server; off when cron runs `rolefit retention`.
    retention_worker: bool = True
    # A client who has not bought for more than this many months and then buys counts as
    # reactivated (the team's results; how long a pause means "lost" depends on the trade).
    reactivation_months: int = Field(default=6, ge=1, le=60)


def _listen_url() -> str:
    host = os.environ.get("HOST", "").strip() or "127.0.0.1"
    port = os.environ.get("PORT", "").strip() or "8000"
    return f"http://{host}:{port}"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, or a ``SettingsError`` naming each bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            name = field.upper() if field else "SECRET_KEY"
            msg = err["msg"].removeprefix("Value error, ")
            if not field:
                problems.append(msg)
            elif field in ("secret_key", "database_url", "smtp_password"):  # not echoed
                problems.append(f"{name}: {msg}")
            else:
                problems.append(f"{name}: {msg} (got {err.get('input')!r})")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from exc
