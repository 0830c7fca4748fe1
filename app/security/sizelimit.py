"""Request body size limits: a pure ASGI middleware, so nothing reads an oversized body.

Content-Length is checked first; a body sent without it (chunked) is counted as it streams and
refused once it passes the limit. Multipart uploads (CSV imports) get their own, larger limit.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.security.asgi import HttpMiddleware
from app.web.errors import error_page


class BodySizeLimitMiddleware(HttpMiddleware):
    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int) -> None:
        super().__init__(app)
        self.max_body = max_body
        self.max_upload = max_upload

    def _limit(self, scope: Scope) -> int:
        for name, value in scope.get("headers", []):
            if name == b"content-type" and value.lower().startswith(b"multipart/form-data"):
                return self.max_upload
        return self.max_body

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._limit(scope)
        declared = next((v for n, v in scope.get("headers", []) if n == b"content-length"), None)
        if declared is not None:
            # The server frames the body by Content-Length, so the header is the body's size.
            if not declared.isdigit() or int(declared) > limit:
                await _refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        # No Content-Length (chunked): read the body here, up to the limit, then replay it.
        # Raising from inside the app's receive would be turned into a 400 by FastAPI's form
        # parsing, so the whole body is known to fit before the app sees any of it.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        await self.app(
            scope,
            _replay([{"type": "http.request", "body": body, "more_body": False}], receive),
            send,
        )


def _replay(messages: list[Message], then: Receive) -> Receive:
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        return await then()  # e.g. a streaming response waiting for the client to leave

    return receive


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    response = error_page(Request(scope), 413)
    response.headers["Connection"] = "close"
    await response(scope, receive, send)
