"""Rate limits, in three parts: ``storage`` (where the counters live: Redis or the database),
``limiter`` (counting a hit in a fixed window, ``RateLimiter``) and ``policy`` (which routes are
limited and the middleware). The 429 answer itself is drawn by the web layer
(``app.web.errors.too_many_requests``)."""

from app.security.ratelimit.limiter import Clock, Decision, RateLimiter, make_limiter
from app.security.ratelimit.policy import (
    BAD_LINKS,
    RULES,
    WINDOW,
    RateLimitMiddleware,
    Rule,
    client_address,
    invitation_language,
)
from app.security.ratelimit.storage import Backend, DatabaseBackend, RedisBackend

__all__ = [
    "BAD_LINKS",
    "RULES",
    "WINDOW",
    "Backend",
    "Clock",
    "DatabaseBackend",
    "Decision",
    "RateLimitMiddleware",
    "RateLimiter",
    "RedisBackend",
    "Rule",
    "client_address",
    "invitation_language",
    "make_limiter",
]
