"""Login throttling per account: failures lock the account name for a while, growing each time.

Counted by the email as typed (normalized), whether or not such a user exists, so a locked
answer never tells an attacker that an email belongs to an account. Per client address, POST
/login is also rate-limited by the middleware (``RULES`` in ``app.security.ratelimit``).
"""

from __future__ import annotations

from app.config import Settings
from app.security.ratelimit import RateLimiter

FAILURES = "login-fail"
LOCK = "login-lock"
DAY = 24 * 3600


def _account(email: str) -> str:
    return email.strip().lower()


def locked_for(limiter: RateLimiter, *, email: str) -> int:
    """Seconds the account stays locked; 0 when a login may be tried."""
    return limiter.locked_for(bucket=LOCK, key=_account(email))


def login_failed(limiter: RateLimiter, settings: Settings, *, email: str) -> int:
    """Count a failure; returns the lock in seconds it started (0 when none).

    Every ``login_max_failures``-th failure within a day locks the account: 15 minutes, then
    30, 60, ... up to a day, so a slow guesser gets a handful of tries per day at most.
    """
    failures = limiter.count(bucket=FAILURES, key=_account(email), ttl=DAY)
    if failures % settings.login_max_failures:
        return 0
    round_ = failures // settings.login_max_failures
    seconds = min(settings.login_lock_minutes * 60 * 2 ** (round_ - 1), DAY)
    limiter.lock(bucket=LOCK, key=_account(email), seconds=seconds)
    return seconds


def login_succeeded(limiter: RateLimiter, *, email: str) -> None:
    limiter.clear(bucket=FAILURES, key=_account(email))
