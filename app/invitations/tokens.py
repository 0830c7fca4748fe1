"""Candidate link tokens that the server can rebuild for a reminder, but a database dump cannot.

The token is HMAC-SHA256(secret key, nonce); the invitation stores the nonce and the token's
sha256 (which the link is looked up by). Rebuilding needs the secret key, which is not in the
database. If the key changes, rebuilt tokens no longer match their hash and the caller issues
a new token instead (``rebuild_link_token`` returns None).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from app.security.hashes import hash_token

_LABEL = b"rolefit candidate link\x00"


def _derive(secret: str, nonce: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), _LABEL + nonce.encode("ascii"), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")


def issue_link_token(secret: str) -> tuple[str, str, str]:
    """A new token, the hash to store, and the nonce to store."""
    nonce = secrets.token_hex(16)
    token = _derive(secret, nonce)
    return token, hash_token(token), nonce


def rebuild_link_token(secret: str, *, nonce: str | None, token_hash: str) -> str | None:
    """The token of an existing link, or None when it cannot be rebuilt."""
    if not nonce:
        return None
    token = _derive(secret, nonce)
    return token if hmac.compare_digest(hash_token(token), token_hash) else None
