"""Login throttling per account *and* client address: failures slow that pair down, never lock.

A guesser's failures make the next try from the same address on the same account wait a few
seconds (1, 2, 4, ... capped at ``login_max_delay_seconds``), so guessing stays slow, while the
real user from another address, or a fresh network, logs in at once: nobody can lock an account
for everyone, the only administrator included. Counted by the email as typed (normalized),
whether or not such a user exists, so the answer never tells which emails are accounts. Per
client address, POST /login is also rate-limited by the middleware (``RULES`` in
``app.security.ratelimit``). ``unlock`` (``rolefit unlock``, the users page) forgets an
account's failures from every address at once by moving the account to a new generation.
"""

from __future__ import annotations

from app.config import Settings
from app.security.ratelimit import RateLimiter

FAILURES = "login-fail"
WAIT = "login-wait"
GENERATION = "login-gen"
DAY = 24 * 3600


def _account(email: str) -> str:
    return email.strip().lower()


def _pair(limiter: RateLimiter, email: str, address: str) -> str:
    account = _account(email)
    generation = limiter.value(bucket=GENERATION, key=account)
    return f"{account}|{generation}|{address}"


def wait_for(limiter: RateLimiter, *, email: str, address: str) -> int:
    """Seconds this address must wait before trying this account again; 0 when it may try."""
    return limiter.locked_for(bucket=WAIT, key=_pair(limiter, email, address))


def login_failed(limiter: RateLimiter, settings: Settings, *, email: str, address: str) -> int:
    """Count a failure of this account from this address; returns the wait it started (0: none).

    The first ``login_free_failures`` cost nothing (typos); after that each failure doubles
    the wait up to the cap, and a day without failures forgets them.
    """
    pair = _pair(limiter, email, address)
    failures = limiter.count(bucket=FAILURES, key=pair, ttl=DAY)
    over = failures - settings.login_free_failures
    if over <= 0:
        return 0
    seconds = min(2 ** min(over - 1, 16), settings.login_max_delay_seconds)
    limiter.lock(bucket=WAIT, key=pair, seconds=seconds)
    return seconds


def login_succeeded(limiter: RateLimiter, *, email: str, address: str) -> None:
    limiter.clear(bucket=FAILURES, key=_pair(limiter, email, address))


def unlock(limiter: RateLimiter, *, email: str) -> None:
    """Forget this account's failures and waits from every address."""
    limiter.count(bucket=GENERATION, key=_account(email), ttl=DAY)
