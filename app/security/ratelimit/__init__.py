"""Rate limits, in three parts: ``storage`` (where the counters live: ``limits`` storages in
memory or Redis, or ours in the database), ``limiter`` (counting hits with the ``limits``
fixed-window strategy, ``RateLimiter``) and ``policy`` (which routes are limited and the
middleware). The 429 answer itself is drawn by the web layer
(``app.web.errors.too_many_requests``)."""

from app.security.ratelimit.limiter import Decision, RateLimiter, make_limiter
from app.security.ratelimit.policy import (
    BAD_LINKS,
    RULES,
    WINDOW,
    RateLimitMiddleware,
    Rule,
    client_address,
    invitation_language,
)
from app.security.ratelimit.storage import (
    AsyncDatabaseStorage,
    Clock,
    DatabaseStorage,
    InlineMemoryStorage,
    StorageKind,
    storage_kind,
)

__all__ = [
    "BAD_LINKS",
    "RULES",
    "WINDOW",
    "AsyncDatabaseStorage",
    "Clock",
    "DatabaseStorage",
    "Decision",
    "InlineMemoryStorage",
    "RateLimitMiddleware",
    "RateLimiter",
    "Rule",
    "StorageKind",
    "client_address",
    "invitation_language",
    "make_limiter",
    "storage_kind",
]
