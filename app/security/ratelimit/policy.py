"""Which requests are limited, by what key and how many a minute, and the middleware that
counts them; past the limit it answers with the web layer's 429 (``app.web.errors``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import anyio.to_thread
from sqlalchemy import Engine, select
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.models import Invitation
from app.security.hashes import hash_token
from app.web.errors import too_many_requests

log = logging.getLogger("rolefit.security")


@dataclass(frozen=True)
class Rule:
    bucket: str
    prefix: str
    methods: frozenset[str] | None  # None: every method
    setting: str  # the Settings field holding the per-minute limit


# Candidate links (per link: scripted answering; unknown links per address: token guessing),
# logins (password guessing) and the open self-registration form (/join/<vacancy token>: mass
# sign-ups). The API is limited per authenticated key in app.api.deps, where the key is known.
RULES: tuple[Rule, ...] = (
    Rule("candidate", "/a/", None, "rate_limit_candidate"),
    Rule("login", "/login", frozenset({"POST"}), "rate_limit_login"),
    Rule("register", "/join/", frozenset({"POST"}), "rate_limit_register"),
)
WINDOW = 60
BAD_LINKS = "bad_links"


def client_address(scope: Scope) -> str:
    """The socket peer. Behind trusted proxies uvicorn has already put the client from
    X-Forwarded-For here (``rolefit serve`` passes TRUSTED_PROXIES as forwarded_allow_ips);
    otherwise the header is ignored, so a client cannot pick its own address."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _rate_key(rule: Rule, scope: Scope) -> str:
    if rule.bucket == "candidate":
        # Per link: twenty candidates in one office (one NAT address) answer at once.
        return "link:" + scope["path"].removeprefix("/a/").split("/", 1)[0]
    return "addr:" + client_address(scope)


class RateLimitMiddleware:
    """Counts requests to the limited routes and answers 429 with Retry-After past the limit.

    Candidate links are counted per link; an address whose requests keep finding unknown links
    (404: token guessing) is refused for the rest of the window once it passes
    ``rate_limit_bad_links``. The shared count decides; each process remembers the addresses it
    saw refused, so a refused guesser costs no store round trip.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.guessing: dict[str, float] = {}  # address -> when its refusal ends (clock time)

    def _still_guessing(self, address: str, now: float) -> int:
        until = self.guessing.get(address)
        if until is None:
            return 0
        if until <= now:
            del self.guessing[address]
            return 0
        return max(1, int(until - now + 0.999))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        rule = next(
            (
                r
                for r in RULES
                if (path == r.prefix or path.startswith(r.prefix))
                and (r.methods is None or scope["method"] in r.methods)
            ),
            None,
        )
        if rule is None:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        limit = int(getattr(state.settings, rule.setting))
        if rule.bucket == "candidate":
            wait = self._still_guessing(client_address(scope), state.limiter.clock())
            if wait:
                response = too_many_requests(Request(scope), retry_after=wait)
                await response(scope, receive, send)
                return
        try:
            decision = await state.limiter.ahit(
                bucket=rule.bucket, key=_rate_key(rule, scope), limit=limit, window=WINDOW
            )
        except Exception:
            # A broken limiter store must not take the site down with it: log and serve.
            log.exception("rate limiter unavailable; request let through")
            await self.app(scope, receive, send)
            return
        if decision.allowed and rule.bucket == "candidate":
            await self._serve_link(scope, receive, send)
            return
        if decision.allowed:
            await self.app(scope, receive, send)
            return
        lang = None
        if rule.bucket == "candidate":
            # Only here, past the limit: the candidate's page speaks the invitation's language.
            try:
                lang = await anyio.to_thread.run_sync(invitation_language, state.engine, path)
            except Exception:
                log.exception("invitation language lookup failed; default language used")
        response = too_many_requests(Request(scope), retry_after=decision.retry_after, lang=lang)
        await response(scope, receive, send)

    async def _serve_link(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def watch(message: Message) -> None:
            # An unknown link is counted against the address before its 404 leaves, so the
            # count is done (and its connection handed back) when the client has its answer.
            if message["type"] == "http.response.start" and message["status"] == 404:
                await self._count_unknown_link(scope)
            await send(message)

        await self.app(scope, receive, watch)

    async def _count_unknown_link(self, scope: Scope) -> None:
        state = scope["app"].state
        address = client_address(scope)
        try:
            # Counted exactly and at once (not batched with the next turn's counts): unknown
            # links are rare for real candidates, and the count must be done when the 404 is.
            decision = await anyio.to_thread.run_sync(
                lambda: state.limiter.hit(
                    bucket=BAD_LINKS,
                    key="addr:" + address,
                    limit=int(state.settings.rate_limit_bad_links),
                    window=WINDOW,
                )
            )
        except Exception:
            log.exception("rate limiter unavailable; unknown link not counted")
            return
        if not decision.allowed:
            if len(self.guessing) > 10_000:
                self.guessing.clear()  # bounded memory; the shared count still decides
            self.guessing[address] = state.limiter.clock() + decision.retry_after


def invitation_language(engine: Engine, path: str) -> str | None:
    """The language of the invitation whose link ``path`` is (/a/<token>...), or None."""
    token = path.removeprefix("/a/").split("/", 1)[0]
    if not 20 <= len(token) <= 128:
        return None
    inv = Invitation.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        found = conn.execute(
            select(inv.c.language).where(inv.c.token_hash == hash_token(token))
        ).scalar()
    return str(found) if found else None
