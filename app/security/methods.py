"""OPTIONS and 405 answers name every method the URL accepts (RFC 9110, 9.3.7 and 15.5.6).

Starlette's 405 names the methods of the first route whose path matched, so ``/login``
(GET and POST, two routes) answered "Allow: GET", and OPTIONS was a 405 itself. Here the
methods of every route matching the path are joined: OPTIONS gets a 204 with them, and any
405 carries them in ``Allow``. A path no route matches stays a 404.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Match, Mount
from starlette.types import Message, Receive, Scope, Send

from app.security.asgi import HttpMiddleware

# What any route here can answer; HEAD comes with GET.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(scope: Scope) -> list[str]:
    """The methods the app's routes accept at this scope's path (empty: no route matches).

    Each method is tried against the routes' own ``matches``, which also sees inside the
    included routers.
    """
    routes = scope["app"].router.routes
    allowed = [
        method
        for method in _METHODS
        if any(_accepts(route, {**scope, "method": method}) for route in routes)
    ]
    return [*allowed, "OPTIONS"] if allowed else []


def _accepts(route: BaseRoute, scope: Scope) -> bool:
    if isinstance(route, Mount):  # the static files: a mount matches whatever the method
        return scope["method"] in ("GET", "HEAD") and route.matches(scope)[0] is Match.FULL
    return route.matches(scope)[0] is Match.FULL


class AllowedMethodsMiddleware(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "OPTIONS":
            allowed = allowed_methods(scope)
            if allowed:
                headers = [(b"allow", ", ".join(allowed).encode()), (b"content-length", b"0")]
                await send({"type": "http.response.start", "status": 204, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allowed = ", ".join(allowed_methods(scope)).encode()
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message = {**message, "headers": [*kept, (b"allow", allowed)]}
            await send(message)

        await self.app(scope, receive, send_with_allow)
