"""Security headers on every response.

The Content-Security-Policy allows no inline script or style: scripts and styles come from
/static only. Referrer-Policy no-referrer everywhere, because candidate links carry their token
in the path. HSTS only when BASE_URL is https (sending it over plain http would be ignored, and
a mistaken one pins browsers to https for a year).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.security.asgi import HttpMiddleware

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeadersMiddleware(HttpMiddleware):
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        super().__init__(app)
        common = {
            "content-security-policy": CSP,
            "referrer-policy": "no-referrer",
            "x-content-type-options": "nosniff",
            "x-frame-options": "DENY",
            "cross-origin-opener-policy": "same-origin",
            "permissions-policy": "camera=(), microphone=(), geolocation=()",
        }
        if hsts:
            common["strict-transport-security"] = HSTS
        # Answers, tokens and staff pages with personal data must not sit in shared caches,
        # the browser's disk cache or the back-forward cache: everything but /static/ (and a
        # response that sets its own, like the organisation's logo).
        private = {**common, "cache-control": "no-store"}
        # Raw ASGI pairs, built once: this runs on every response, candidates' autosaves too.
        self._common = _raw(common)
        self._private = _raw(private)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        extra = self._common if scope["path"].startswith("/static/") else self._private

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # A header the response set itself wins (ASGI header names are lower case).
                present = {name for name, _ in headers}
                headers.extend(pair for pair in extra if pair[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
