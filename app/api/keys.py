"""API keys: created and revoked by an admin, shown once, stored as a sha256 fingerprint.

Why sha256 and not argon2 (as for passwords): a key is 32 random bytes (256 bits), so nobody can
guess it or brute-force it from its hash, however fast the hash is. Slow hashes exist to protect
low-entropy secrets that people choose; here they would only slow every API request down.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.db import utcnow
from app.i18n import N_
from app.models import ApiKey, ApiScope, User
from app.text import strip_bidi
from app.web.forms import FormErrors

# Recognisable in logs and secret scanners; the random part follows.
KEY_PREFIX = "rf_"
PREFIX_CHARS = 8
# last_used_at is written at most this often, so reads do not turn into writes on every request.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class NewApiKey:
    key: ApiKey
    secret: str  # shown once: only its hash is stored


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_api_key(
    session: Session, *, name: str, scope: str, created_by: User | None = None
) -> NewApiKey:
    name = strip_bidi(name).strip()  # bidirectional controls do not count (app.text)
    if not name or len(name) > 100:
        raise FormErrors({"name": N_("Enter a name of up to 100 characters.")})
    if scope not in {s.value for s in ApiScope}:
        raise FormErrors({"scope": N_("Choose what the key may do: read or read_write.")})
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        prefix=secret[:PREFIX_CHARS],
        key_hash=hash_key(secret),
        scope=scope,
        created_by_id=created_by.id if created_by else None,
    )
    session.add(key)
    session.flush()
    return NewApiKey(key=key, secret=secret)


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.id).desc())).all())


def revoke_api_key(session: Session, *, key_id: int, now: datetime | None = None) -> ApiKey | None:
    key = session.get(ApiKey, key_id)
    if key is None:
        return None
    if key.revoked_at is None:
        key.revoked_at = now or utcnow()
        session.add(key)
        session.flush()
    return key


def authenticate(session: Session, *, secret: str, now: datetime) -> ApiKey | None:
    """The active key behind a bearer token, or None (unknown, malformed or revoked)."""
    if not secret.startswith(KEY_PREFIX) or not 20 <= len(secret) <= 100:
        return None
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(secret))).first()
    if key is None or key.revoked_at is not None:
        return None
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        key.last_used_at = now
        session.add(key)
        session.flush()
    return key
